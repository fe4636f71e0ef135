"""The JSON API for monthly reports and supervision: structured errors, never half-written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from minsheng.projects.models_progress import MonthlyReport
from tests.conftest import api_token
from tests.factories import PASSWORD
from tests.projects.reporting import World, jpeg, on, pdf, world
from tests.projects.test_import_reports import book

REPORTS = "/api/v1/projects/2026-1-001/reports"


@pytest.fixture
def w(db) -> World:
    return world(db)


def _count(db) -> int:
    found = db.scalar(select(func.count()).select_from(MonthlyReport))
    db.commit()
    return found


def test_filing_twice_for_a_month_is_a_conflict_naming_the_field(db, w, client):
    headers = api_token(client, "zhujian", PASSWORD)
    target = w.project.targets[0].id
    db.commit()
    body = {
        "progress": 20,
        "done": "完成入户排查",
        "results": [{"target_id": target, "value": 300}],
    }
    with on(dt.date(2026, 4, 2)):
        first = client.post(REPORTS, json=body, headers=headers)
        second = client.post(REPORTS, json={**body, "month": "2026-03"}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["month"] == "2026-03" and first.json()["via"] == "api"
    assert first.json()["results"][0]["value"] == 300
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "already_reported"
    assert error["details"][0]["field"] == "month"
    assert _count(db) == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"progress": 101, "done": "x"}, "progress", "进度百分比应在 0 到 100 之间"),
        ({"progress": -5, "done": "x"}, "progress", "进度百分比应在 0 到 100 之间"),
        ({"progress": 10, "done": "x", "month": "2026-13"}, "month", "请按 2026-03 的格式填写月份"),
        (
            {"progress": 10, "done": "x", "month": "2026-05"},
            "month",
            "不能填报未来月份（2026年5月）的月报",
        ),
        ({"progress": 10}, "done", "请填写这一项"),
    ],
)
def test_bad_reports_are_refused_field_by_field(db, w, client, body, field, message):
    headers = api_token(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        response = client.post(REPORTS, json=body, headers=headers)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert {"field": field, "message": message} in details
    assert _count(db) == 0


def test_another_units_project_is_forbidden(db, w, client):
    headers = api_token(client, "jiaoyu", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        response = client.post(REPORTS, json={"progress": 10, "done": "x"}, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert _count(db) == 0


def test_files_go_with_the_report_and_attachments_only_to_staff(db, w, client):
    headers = api_token(client, "zhujian", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        response = client.post(
            f"{REPORTS}/with-files",
            data={"report": json.dumps({"progress": 15, "done": "完成排查"})},
            files=[
                ("photos", ("a.jpg", jpeg(), "image/jpeg")),
                ("attachments", ("台账.pdf", pdf(), "application/pdf")),
            ],
            headers=headers,
        )
    assert response.status_code == 201, response.text
    assert [f["is_photo"] for f in response.json()["files"]] == [True, False]
    public = client.get(REPORTS).json()
    assert [f["is_photo"] for f in public[0]["files"]] == [True]
    staff = client.get(REPORTS, headers=headers).json()
    assert len(staff[0]["files"]) == 2
    broken = client.post(
        f"{REPORTS}/with-files",
        data={"report": "{not json"},
        files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))],
        headers=headers,
    )
    assert broken.status_code == 422
    assert broken.json()["error"]["details"] == [{"field": "report", "message": "不是有效的 JSON"}]


def test_a_correction_needs_the_programme_office_and_a_reason(db, w, client):
    unit = api_token(client, "zhujian", PASSWORD)
    office = api_token(client, "ducha", PASSWORD)
    with on(dt.date(2026, 4, 2)):
        client.post(REPORTS, json={"progress": 30, "done": "完成"}, headers=unit)
        fix = {"progress": 12, "done": "核减"}
        assert (
            client.put(
                f"{REPORTS}/2026-03", json={**fix, "reason": "误报"}, headers=unit
            ).status_code
            == 403
        )
        no_reason = client.put(f"{REPORTS}/2026-03", json={**fix, "reason": ""}, headers=office)
        done = client.put(f"{REPORTS}/2026-03", json={**fix, "reason": "误报"}, headers=office)
    assert no_reason.status_code == 422
    assert done.status_code == 200 and done.json()["progress"] == 12


def test_the_import_is_all_or_nothing_with_row_numbers(db, w, client):
    headers = api_token(client, "zhujian", PASSWORD)
    content = book(
        [["2026-1-001", "", "2026-03", 20, "完成"], ["2026-1-001", "", "2026-03", 30, "重复"]]
    )
    with on(dt.date(2026, 4, 2)):
        refused = client.post(
            "/api/v1/projects/reports/import",
            files={"file": ("月报.xlsx", content, "application/octet-stream")},
            headers=headers,
        )
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "import_refused"
        assert error["details"] == [
            {
                "sheet": "月报",
                "row": 3,
                "message": "项目 2026-1-001 在第 2 行已有，一个项目只能填一行",
            }
        ]
        assert _count(db) == 0
        good = book([["2026-1-001", "", "2026-03", 20, "完成"]])
        done = client.post(
            "/api/v1/projects/reports/import",
            files={"file": ("月报.xlsx", good, "application/octet-stream")},
            headers=headers,
        )
        template = client.get("/api/v1/projects/reports/template?month=2026-04", headers=headers)
    assert done.status_code == 201 and done.json()["imported"] == 1
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_supervision_notes_and_answers(db, w, client):
    office = api_token(client, "ducha", PASSWORD)
    unit = api_token(client, "zhujian", PASSWORD)
    other = api_token(client, "jiaoyu", PASSWORD)
    notes = "/api/v1/projects/2026-1-001/supervision"
    with on(dt.date(2026, 4, 10)):
        bad = client.post(notes, json={"kind": "instruction", "text": "请说明"}, headers=office)
        assert bad.status_code == 422
        assert bad.json()["error"]["details"] == [
            {"field": "answer_by", "message": "请填写答复期限"}
        ]
        made = client.post(
            notes,
            json={"kind": "instruction", "text": "请说明滞后原因", "answer_by": "2026-04-15"},
            headers=office,
        )
        assert made.status_code == 201
        assert (
            client.post(notes, json={"kind": "note", "text": "x"}, headers=unit).status_code == 403
        )
        assert client.get(notes, headers=other).status_code == 404
    answer = f"/api/v1/projects/supervision/{made.json()['id']}/answer"
    with on(dt.date(2026, 4, 16)):
        listed = client.get(notes, headers=unit).json()
        assert listed[0]["overdue"] is True
        assert client.post(answer, json={"answer": "x"}, headers=other).status_code == 403
        done = client.post(answer, json={"answer": "已增派人员"}, headers=unit)
        again = client.post(answer, json={"answer": "再答"}, headers=unit)
    assert done.status_code == 200 and done.json()["answered_by"] == "住建承办人"
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
