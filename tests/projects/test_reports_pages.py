"""The staff pages for monthly reports: the month's list, the form with its field errors, files,
corrections, the Excel import, and the history on the public project page."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from minsheng.projects import reports
from minsheng.projects.models_progress import MonthlyReport, ReportFile
from tests.conftest import csrf, login
from tests.factories import PASSWORD
from tests.projects.reporting import World, jpeg, on, pdf, report, world
from tests.projects.test_import_reports import book

NEW = "/staff/projects/reports/2026-1-001/new"


@pytest.fixture
def w(db) -> World:
    return world(db)


def post(client, url: str, data: dict, files: list | None = None):
    return client.post(
        url, data={**data, "csrf_token": csrf(client)}, files=files, follow_redirects=False
    )


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def _count(db) -> int:
    found = db.scalar(select(func.count()).select_from(MonthlyReport))
    db.commit()
    return found


def test_the_list_shows_missing_due_and_filed_reports(db, w, client):
    login(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 4, 6)):
        page = client.get("/staff/projects/reports").text
    assert "2026年3月 月报" in page
    missing = page.split("逾期未报（1）")[1].split("待填报")[0]
    assert "农村自建房消防隐患排查" in missing and "2026-04-05" in missing
    with on(dt.date(2026, 4, 6)):
        reports.file_report(db, w.project, report(10), staff=w.as_(db, w.handler))
        db.commit()
        page = client.get("/staff/projects/reports").text
    assert "逾期未报（0）" in page and "已填报（1）" in page and "逾期填报" in page


def test_the_form_files_a_report_with_a_photo_and_an_attachment(db, w, client):
    login(client, "zhujian", PASSWORD)
    target = w.project.targets[0]
    db.commit()
    with on(dt.date(2026, 4, 2)):
        form = client.get(NEW).text
        assert f'name="result_{target.id}"' in form and "排查农村自建房（户）" in form
        assert 'enctype="multipart/form-data"' in form
        response = post(
            client,
            NEW,
            {
                "month": "2026-03",
                "progress": "20",
                "done": "完成入户排查",
                f"result_{target.id}": "300",
            },
            files=[
                ("photos", ("site.jpg", jpeg(), "image/jpeg")),
                ("attachments", ("排查台账.pdf", pdf(), "application/pdf")),
            ],
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/projects/reports?month=2026-03&filed=2026-1-001"
    files = list(db.scalars(select(ReportFile).order_by(ReportFile.id)))
    db.commit()
    assert [(f.is_photo, f.public, f.content_type) for f in files] == [
        (True, True, "image/jpeg"),
        (False, False, "application/pdf"),
    ]
    photo, attachment = files
    client.cookies.clear()  # a resident: the photo is public, the attachment is not
    assert client.get(f"/projects/report-files/{photo.key}").status_code == 200
    assert client.get(f"/projects/report-files/{attachment.key}").status_code == 404
    login(client, "zhujian", PASSWORD)
    got = client.get(f"/projects/report-files/{attachment.key}")
    assert got.status_code == 200 and got.content == pdf()
    assert got.headers["content-disposition"].startswith("attachment;")


def test_bad_input_is_shown_next_to_each_field_and_nothing_is_written(db, w, client):
    login(client, "zhujian", PASSWORD)
    target = w.project.targets[1]
    db.commit()
    with on(dt.date(2026, 4, 2)):
        response = post(
            client,
            NEW,
            {"month": "2026-03", "progress": "150", "done": "", f"result_{target.id}": "-3"},
            files=[("attachments", ("virus.exe", b"MZ\x90\x00", "application/octet-stream"))],
        )
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "progress") == "进度百分比应在 0 到 100 之间"
    assert field_error(page, "done") == "请填写本月完成情况"
    assert field_error(page, f"result_{target.id}") == "累计完成数不能为负数"
    assert "virus.exe：附件只能是 PDF" in field_error(page, "attachments")
    assert 'value="150"' in page  # what was typed stays
    assert _count(db) == 0


def test_a_month_already_reported_is_refused_beside_the_month(db, w, client):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(20), staff=w.as_(db, w.handler))
        db.commit()
        login(client, "zhujian", PASSWORD)
        response = post(client, NEW, {"month": "2026-03", "progress": "25", "done": "再报"})
    assert response.status_code == 409
    assert "每个月只能填报一次" in field_error(response.text, "month")
    assert _count(db) == 1


def test_backward_progress_without_a_reason_is_refused_beside_the_reason(db, w, client):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(20), staff=w.as_(db, w.handler))
        db.commit()
    login(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 5, 2)):
        response = post(client, NEW, {"month": "2026-04", "progress": "15", "done": "核减"})
    assert response.status_code == 422
    assert "请填写进度回退原因" in field_error(response.text, "regress_reason")


def test_another_units_project_is_forbidden(db, w, client):
    login(client, "jiaoyu", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        assert client.get(NEW).status_code == 403
        response = post(client, NEW, {"progress": "10", "done": "不是我们的"})
    assert response.status_code == 403
    assert _count(db) == 0


def test_the_programme_office_corrects_with_a_reason_and_the_unit_cannot(db, w, client):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(30), staff=w.as_(db, w.handler))
        db.commit()
    url = "/staff/projects/reports/2026-1-001/2026-03/correct"
    login(client, "zhujian", PASSWORD)
    assert client.get(url).status_code == 403
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 4, 3)):
        assert "更正 2026年3月 月报" in client.get(url).text
        missing = post(client, url, {"progress": "12", "done": "核减"})
        assert field_error(missing.text, "reason") == "请填写更正原因"
        done = post(client, url, {"progress": "12", "done": "核减", "reason": "计划数误作完成数"})
    assert done.status_code == 303
    db.expire_all()
    assert w.project.progress == 12
    db.commit()


def test_the_import_page_offers_the_template_and_lists_bad_rows(db, w, client):
    login(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        page = client.get("/staff/projects/reports/import").text
        assert "/staff/projects/reports/template.xlsx?month=2026-03" in page
        template = client.get("/staff/projects/reports/template.xlsx?month=2026-03")
        assert template.status_code == 200
        sheet = load_workbook(io.BytesIO(template.content))["月报"]
        assert sheet["A2"].value == "2026-1-001"
        bad = book(
            [["2026-1-001", "", "2026-03", 120, "完成"], ["2026-1-009", "", "2026-03", 5, "x"]]
        )
        response = post(
            client,
            "/staff/projects/reports/import",
            {"month": "2026-03"},
            files=[("file", ("月报.xlsx", bad, "application/octet-stream"))],
        )
    assert response.status_code == 422
    rows = re.findall(
        r"<tr>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>",
        response.text,
    )
    assert [(sheet, row, html.unescape(message)) for sheet, row, message in rows] == [
        ("月报", "2", "进度(%)：进度百分比应在 0 到 100 之间"),
        ("月报", "3", "项目编号：没有编号为 2026-1-009 的项目"),
    ]
    assert _count(db) == 0
    good = book([["2026-1-001", "", "2026-03", 20, "完成入户排查"]])
    with on(dt.date(2026, 4, 2)):
        response = post(
            client,
            "/staff/projects/reports/import",
            {"month": "2026-03"},
            files=[("file", ("月报.xlsx", good, "application/octet-stream"))],
        )
    assert response.status_code == 303 and "imported=1" in response.headers["location"]
    assert _count(db) == 1


def test_the_public_page_shows_the_history_without_internal_details(db, w, client):
    login(client, "zhujian", PASSWORD)
    target = w.project.targets[0]
    db.commit()
    with on(dt.date(2026, 4, 2)):
        post(
            client,
            NEW,
            {
                "month": "2026-03",
                "progress": "20",
                "done": "完成巴城镇入户排查",
                "problems": "个别农户不配合",
                f"result_{target.id}": "300",
            },
            files=[
                ("photos", ("site.jpg", jpeg(), "image/jpeg")),
                ("attachments", ("联系人名单.pdf", pdf(), "application/pdf")),
            ],
        )
    client.cookies.clear()
    with on(dt.date(2026, 4, 3)):
        page = client.get("/projects/2026-1-001").text
    section = page.split('id="reports"')[1].split("</section>")[0]
    assert "2026年3月 月报" in section and "累计进度 20%" in section
    assert "完成巴城镇入户排查" in section
    assert "排查农村自建房：累计 300户（目标 1000户）" in section
    assert "/projects/report-files/" in section and "<img" in section
    assert "联系人名单" not in page and "住建承办人" not in page and "个别农户不配合" not in page


def test_the_form_offers_the_first_month_not_yet_reported(db, w, client):
    login(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        assert 'name="month" type="month" value="2026-03"' in client.get(NEW).text
        reports.file_report(db, w.project, report(10), staff=w.as_(db, w.handler))
        db.commit()
        assert 'name="month" type="month" value="2026-04"' in client.get(NEW).text


def test_the_programme_office_is_told_it_files_on_the_units_behalf(db, w, client):
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        page = client.get(NEW).text
    assert "您将代牵头单位填报这份月报" in page
    login(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        assert "您将代牵头单位填报" not in client.get(NEW).text
