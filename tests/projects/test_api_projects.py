"""The projects API through HTTP: the public list with filters, pages and the total, a project's
detail with progress, plan, targets, warning and satisfaction, batches with their live figures,
and the staff's create, change and stage calls with their refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.core.db import clock_at
from minsheng.projects.models import Project, Stage, WarningColour
from tests.projects.catalogue import (
    EDUCATION,
    HOUSING,
    RESIDENT,
    RESPONSIBLE_PHONE,
    count,
    headers,
    kunshan,
    leak_request,
    make_batch,
    make_project,
    project_body,
    sms_to,
    stored,
    unit_id,
)
from tests.requests import assert_error, fields_of

JULY = dt.datetime(2026, 7, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def city(db) -> None:
    kunshan(db)
    make_batch(db)


@pytest.fixture
def july():
    with clock_at(JULY):
        yield


def test_the_list_is_paginated_with_the_total(client, db, city):
    for i in range(25):
        make_project(db, title=f"民生实事{i:02d}")
    first = client.get("/api/v1/projects", params={"batch": "2026-1", "per_page": 10})
    assert first.status_code == 200, first.text
    page = first.json()
    assert (page["total"], page["page"], page["per_page"], page["pages"]) == (25, 1, 10, 3)
    assert [p["code"] for p in page["items"]][:2] == ["2026-1-001", "2026-1-002"]
    last = client.get("/api/v1/projects", params={"batch": "2026-1", "per_page": 10, "page": 3})
    assert [p["code"] for p in last.json()["items"]] == [f"2026-1-0{n}" for n in range(21, 26)]
    assert client.get("/api/v1/projects", params={"page": 9}).json()["items"] == []


def test_filters_by_area_unit_stage_warning_and_title(client, db, city):
    make_project(db, title="农村自建房消防隐患排查")
    school = make_project(
        db, title="小艾之家", area="education", lead_unit_id=unit_id(db, EDUCATION), co_unit_ids=[]
    )
    red = make_project(db, title="个体经营知晓卡", area="business")
    make_project(db, title="候选项目", stage="candidate")
    for project in db.scalars(select(Project)):  # as the nightly sweep would have left them
        project.warning = WarningColour.none
    red.warning = WarningColour.red
    school.stage = Stage.completed
    db.commit()

    def codes(**params: object) -> list[str]:
        response = client.get("/api/v1/projects", params=params)
        assert response.status_code == 200, response.text
        assert response.json()["total"] == len(response.json()["items"])
        return [p["title"] for p in response.json()["items"]]

    assert codes() == ["农村自建房消防隐患排查", "小艾之家", "个体经营知晓卡"]  # no candidates
    assert codes(stage="candidate") == ["候选项目"]
    assert codes(area="education") == ["小艾之家"]
    assert codes(unit=unit_id(db, EDUCATION)) == ["小艾之家"]
    assert codes(stage="completed") == ["小艾之家"]
    assert codes(warning="red") == ["个体经营知晓卡"]
    assert codes(q="知晓卡") == ["个体经营知晓卡"]
    assert codes(q="%") == []  # a wildcard is a character to look for, not a pattern
    assert codes(batch="2099-1") == []
    assert codes(unit=10**30) == []


def test_bad_list_parameters_get_the_error_shape(client, city):
    assert_error(client.get("/api/v1/projects", params={"stage": "done"}), 422, "validation_error")
    assert_error(client.get("/api/v1/projects", params={"per_page": 1000}), 422, "validation_error")
    assert_error(client.get("/api/v1/projects", params={"page": 0}), 422, "validation_error")


def test_a_projects_detail_has_progress_plan_targets_warning_and_satisfaction(
    client, db, city, july
):
    project = make_project(db)
    project.progress, project.progress_month = 35.0, "2026-06"
    project.started_on, project.warning = dt.date(2026, 3, 5), WarningColour.yellow
    project.targets[0].achieved = 420
    db.commit()
    response = client.get(f"/api/v1/projects/{project.code}")
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["progress"] == 35 and seen["planned_on"] == "2026-07-01"
    assert 50 < seen["planned_progress"] < 51
    assert seen["warning"] == {"code": "yellow", "label": "黄色预警"}
    assert seen["targets"][0] == {
        "name": "排查农村自建房",
        "measure": "户",
        "planned": 1000,
        "achieved": 420,
        "percent": 42,
    }
    assert [m["planned_percent"] for m in seen["milestones"]] == [50, 90]
    assert seen["lead_unit"]["name"] == HOUSING
    assert [c["name"] for c in seen["co_units"]] == ["昆山市应急管理局"]
    assert (seen["budget_wan"], seen["start_on"], seen["end_on"]) == (
        120,
        "2026-03-01",
        "2026-12-31",
    )
    assert {"ratings", "satisfied", "basic", "dissatisfied", "rate", "deputy"} <= set(
        seen["satisfaction"]
    )
    assert seen["timeline"][0]["text"].startswith("列入2026年第一批民生实事项目")


def test_no_personal_data_in_public_answers(client, db, city):
    number = leak_request(db)
    project = make_project(db, request_numbers=[number])
    public = client.get(f"/api/v1/projects/{project.code}").text
    listing = client.get("/api/v1/projects").text
    for text in (public, listing):
        assert RESPONSIBLE_PHONE not in text and "responsible_phone" not in text
        assert RESIDENT not in text and number not in text
    assert '"request_count":1' in public.replace(" ", "")
    staff = client.get(f"/api/v1/projects/{project.code}", headers=headers(client, "supervisor"))
    assert staff.json()["responsible_phone"] == RESPONSIBLE_PHONE
    assert staff.json()["request_numbers"] == [number] and staff.json()["version"] == 1
    assert RESIDENT not in staff.text  # followers are never listed, not even to staff


def test_unknown_or_hidden_projects_are_404(client, db, city):
    project = make_project(db, public=False)
    assert_error(client.get("/api/v1/projects/2099-9-999"), 404, "not_found")
    assert_error(client.get(f"/api/v1/projects/{project.code}"), 404, "not_found")
    assert client.get("/api/v1/projects").json()["total"] == 0
    staff = headers(client, "supervisor")
    assert client.get(f"/api/v1/projects/{project.code}", headers=staff).status_code == 200
    assert client.get("/api/v1/projects", headers=staff).json()["total"] == 1
    bad = {"Authorization": "Bearer nonsense"}
    assert_error(client.get("/api/v1/projects", headers=bad), 401, "invalid_token")


def test_batches_carry_their_live_figures(client, db, city, july):
    done = make_project(db, title="主任接待日")
    running = make_project(
        db, title="个体经营知晓卡", lead_unit_id=unit_id(db, EDUCATION), co_unit_ids=[]
    )
    done.stage, done.progress = Stage.completed, 100.0
    running.progress, running.started_on = 5.0, dt.date(2026, 3, 3)
    db.commit()
    listed = client.get("/api/v1/batches").json()
    assert [b["code"] for b in listed] == ["2026-1"]
    figures = listed[0]["figures"]
    assert (figures["total"], figures["started"], figures["completed"]) == (2, 2, 1)
    assert figures["lagging"] == 1 and figures["red"] == 1
    assert figures["headline"] == "全部2个项目已全面开展，其中1个已完成"
    detail = client.get("/api/v1/batches/2026-1").json()
    assert {u["unit"]: u["projects"] for u in detail["units"]} == {EDUCATION: 1, HOUSING: 1}
    assert_error(client.get("/api/v1/batches/2099-1"), 404, "not_found")


def test_the_programme_office_creates_a_project(client, db, city):
    body = project_body(db, code="2026-1-101")
    response = client.post("/api/v1/projects", json=body, headers=headers(client, "supervisor"))
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["code"] == "2026-1-101" and made["stage"] == "running" and made["version"] == 1
    assert [t["measure"] for t in made["targets"]] == ["户", "处"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"targets": [{"name": "惠及企业", "measure": "", "planned": 40000}]}, "targets.0.measure"),
        ({"targets": [{"name": "惠及企业", "measure": "家", "planned": -5}]}, "targets.0.planned"),
        (
            {"milestones": [{"title": "排查", "due_on": "2026-05-01", "planned_percent": 101}]},
            "milestones.0.planned_percent",
        ),
        ({"end_on": "2026-01-01"}, "end_on"),
        (
            {
                "milestones": [
                    {"title": "甲", "due_on": "2026-05-01", "planned_percent": 70},
                    {"title": "乙", "due_on": "2026-08-01", "planned_percent": 30},
                ]
            },
            "milestones.1.planned_percent",
        ),
        ({"lead_unit_id": 987654}, "lead_unit_id"),
        ({"request_numbers": ["KS20990101-0009"]}, "request_numbers"),
    ],
)
def test_bad_projects_are_refused_with_field_messages_and_nothing_written(
    client, db, city, changes, field
):
    body = project_body(db, **changes)
    response = client.post("/api/v1/projects", json=body, headers=headers(client, "admin"))
    error = assert_error(response, 422, "validation_error")
    assert field in fields_of(error), error
    assert count(db, Project) == 0


def test_only_the_programme_office_creates(client, db, city):
    body = project_body(db)
    assert_error(client.post("/api/v1/projects", json=body), 401, "not_authenticated")
    response = client.post("/api/v1/projects", json=body, headers=headers(client, "handler"))
    assert_error(response, 403, "forbidden")


def test_a_change_needs_the_version_seen_and_a_stale_one_is_409(client, db, city):
    project = make_project(db)
    admin = headers(client, "admin")
    url = f"/api/v1/projects/{project.code}"
    changed = client.patch(url, json={"version": 1, "budget_wan": 150}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["budget_wan"] == 150 and changed.json()["version"] == 2
    stale = client.patch(url, json={"version": 1, "budget_wan": 90}, headers=admin)
    assert_error(stale, 409, "stale")
    assert stored(db, project.code).budget_wan == 150
    missing = client.patch(url, json={"budget_wan": 90}, headers=admin)
    assert "version" in fields_of(assert_error(missing, 422, "validation_error"))


def test_handlers_change_their_own_details_but_not_the_plan_or_others_projects(client, db, city):
    project = make_project(db)
    url = f"/api/v1/projects/{project.code}"
    handler = headers(client, "handler")
    ok = client.patch(url, json={"version": 1, "responsible_person": "李副局长"}, headers=handler)
    assert ok.status_code == 200, ok.text
    plan = client.patch(url, json={"version": 2, "end_on": "2027-06-30"}, headers=handler)
    assert "主管部门" in assert_error(plan, 403, "forbidden")["message"]
    other = client.patch(
        url, json={"version": 2, "description": "改"}, headers=headers(client, "jiaoyu")
    )
    assert_error(other, 403, "forbidden")
    assert stored(db, project.code).end_on == dt.date(2026, 12, 31)


def test_stage_calls_complete_and_stop_with_their_rules(client, db, city, july):
    number = leak_request(db)
    first = make_project(db, request_numbers=[number])
    second = make_project(db, title="证照登记自助服务一体机")
    admin = headers(client, "admin")
    done = client.post(
        f"/api/v1/projects/{first.code}/complete", json={"version": 1}, headers=admin
    )
    assert done.status_code == 200, done.text
    assert (done.json()["stage"], done.json()["progress"]) == ("completed", 100)
    assert done.json()["completed_on"] == "2026-07-01"
    assert any("已完成" in m for m in sms_to(db, RESIDENT))
    again = client.post(
        f"/api/v1/projects/{first.code}/complete", json={"version": 2}, headers=admin
    )
    assert_error(again, 409, "wrong_stage")
    no_reason = client.post(
        f"/api/v1/projects/{second.code}/stop", json={"version": 1, "reason": ""}, headers=admin
    )
    assert "reason" in fields_of(assert_error(no_reason, 422, "validation_error"))
    stopped = client.post(
        f"/api/v1/projects/{second.code}/stop",
        json={"version": 1, "reason": "场地调整，改由各区镇便民服务中心承接"},
        headers=admin,
    )
    assert stopped.json()["stage"] == "stopped"
    assert "项目终止：场地调整" in client.get(f"/api/v1/projects/{second.code}").text


def test_batches_are_created_and_changed_by_the_programme_office(client, db, city):
    admin = headers(client, "admin")
    body = {
        "code": "2027-1",
        "name": "2027年民生实事项目",
        "collect_from": "2027-01-01",
        "collect_until": "2027-01-31",
        "report_day": 10,
    }
    made = client.post("/api/v1/batches", json=body, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["figures"]["headline"] == "本批次还没有确定的实事项目"
    bad = client.patch("/api/v1/batches/2027-1", json={"report_day": 31}, headers=admin)
    assert "report_day" in fields_of(assert_error(bad, 422, "validation_error"))
    changed = client.patch("/api/v1/batches/2027-1", json={"report_day": 8}, headers=admin)
    assert changed.json()["report_day"] == 8
    handler = client.post("/api/v1/batches", json=body, headers=headers(client, "handler"))
    assert_error(handler, 403, "forbidden")
    again = client.post("/api/v1/batches", json=body, headers=admin)
    assert "code" in fields_of(assert_error(again, 422, "validation_error"))


def test_the_openapi_document_describes_the_projects_api(client, city):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200, document.text
    paths = document.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/projects"])
    assert {"get", "patch"} <= set(paths["/api/v1/projects/{code}"])
    assert {"get", "post"} <= set(paths["/api/v1/batches"])
    assert paths["/api/v1/projects"]["get"]["summary"] == "实事项目列表"


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "消防\x00排查"},
        {"targets": "惠及企业"},
        {"targets": [{"name": "惠及企业", "measure": "家", "planned": "NaN"}]},
        {"targets": [{"id": 10**15, "name": "惠及企业", "measure": "家", "planned": 5}]},
        {"co_unit_ids": [10**30]},
        {"lead_unit_id": -1},
        {"budget_wan": 1e300},
        {"weight": "很重"},
        {"start_on": "2026-02-30"},
        {"milestones": [{"title": "甲", "due_on": None, "planned_percent": 50}]},
        {"request_numbers": "KS" + "9" * 500},
        {"stage": "completed"},
    ],
)
def test_odd_bodies_are_refused_never_a_500(client, db, city, changes):
    body = project_body(db, **changes)
    response = client.post("/api/v1/projects", json=body, headers=headers(client, "admin"))
    assert response.status_code in (400, 422), response.text
    assert_error(response, response.status_code, response.json()["error"]["code"])
    assert count(db, Project) == 0
