"""The supervision pages: planned against actual with colour labels and filters, the chart, notes
with their field errors, and the lead unit's answer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.projects import reports
from minsheng.projects.models import WarningColour
from minsheng.projects.models_progress import SupervisionNote
from tests import projects as make
from tests.conftest import login
from tests.factories import PASSWORD
from tests.projects.reporting import World, on, report, world
from tests.projects.test_reports_pages import field_error, post

PAGE = "/staff/projects/supervision/2026-1-001"


@pytest.fixture
def w(db) -> World:
    made = world(db)
    other = make.project(db, made.batch, made.other, "2026-1-002", title="小艾之家")
    other.warning = WarningColour.red
    db.commit()
    return made


def _notes(db) -> list[SupervisionNote]:
    found = list(db.scalars(select(SupervisionNote).order_by(SupervisionNote.id)))
    db.commit()
    return found


def test_the_overview_labels_colours_in_words_and_filters(db, w, client):
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 6, 2)):
        page = client.get("/staff/projects/supervision").text
        assert "共 2 个项目，其中红色预警 1 个、黄色预警 0 个。" in page
        assert page.index("小艾之家") < page.index("农村自建房消防隐患排查")  # the worst first
        assert '<span class="due due-red">红色预警</span>' in page
        red = client.get("/staff/projects/supervision?colour=red").text
        assert "小艾之家" in red and "农村自建房消防隐患排查" not in red
        unit = client.get(f"/staff/projects/supervision?unit={w.bureau.id}").text
        assert "小艾之家" not in unit and "农村自建房消防隐患排查" in unit


def test_the_project_page_draws_planned_against_actual(db, w, client):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(10), staff=w.as_(db, w.handler))
    with on(dt.date(2026, 5, 2)):
        reports.file_report(db, w.project, report(20), staff=w.as_(db, w.handler))
    db.commit()
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 5, 20)):
        page = client.get(PAGE).text
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 2
    assert "2026年3月 计划 9.8%，实际 10%" in svg  # the description a screen reader reads
    assert "<td>2026年5月</td>" in page and "未报" in page


def test_a_supervisor_adds_notes_with_errors_beside_the_fields(db, w, client):
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 4, 10)):
        bad = post(client, f"{PAGE}/notes", {"kind": "site_visit", "text": "抽查12户"})
        assert bad.status_code == 422
        assert field_error(bad.text, "note-visited_on") == "请填写现场检查的日期"
        assert _notes(db) == []
        good = post(
            client,
            f"{PAGE}/notes",
            {"kind": "instruction", "text": "请说明滞后原因", "answer_by": "2026-04-15"},
        )
    assert good.status_code == 303
    assert [n.kind for n in _notes(db)] == ["instruction"]


def test_the_unit_answers_from_its_report_list_and_others_cannot(db, w, client):
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 4, 10)):
        post(
            client,
            f"{PAGE}/notes",
            {"kind": "instruction", "text": "请说明滞后原因", "answer_by": "2026-04-15"},
        )
    note = _notes(db)[0]
    url = f"/staff/projects/supervision/notes/{note.id}/answer"
    login(client, "jiaoyu", PASSWORD)
    assert post(client, url, {"answer": "不是我们"}).status_code == 403
    login(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 4, 16)):
        listed = client.get("/staff/projects/reports").text
        assert "请说明滞后原因" in listed and "已逾期" in listed
        empty = post(client, url, {"answer": " "})
        assert field_error(empty.text, f"answer-{note.id}-answer") == "请填写答复内容"
        done = post(
            client, url, {"answer": "已增派人员", "next": "/staff/projects/reports?month=2026-03"}
        )
    assert done.status_code == 303
    assert done.headers["location"] == "/staff/projects/reports?month=2026-03&answered=1"
    db.expire_all()
    assert _notes(db)[0].answer == "已增派人员"
    elsewhere = post(client, url, {"answer": "再答", "next": "https://evil.example/"})
    assert elsewhere.status_code == 409  # answered once; and never sent off-site


def test_the_answer_never_redirects_off_site(db, w, client):
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 4, 10)):
        post(
            client,
            f"{PAGE}/notes",
            {"kind": "instruction", "text": "请说明", "answer_by": "2026-04-15"},
        )
    note = _notes(db)[0]
    login(client, "zhujian", PASSWORD)
    done = post(
        client,
        f"/staff/projects/supervision/notes/{note.id}/answer",
        {"answer": "已说明", "next": "//evil.example/staff/"},
    )
    assert done.headers["location"].startswith("/staff/projects/supervision/2026-1-001?answered=1")
