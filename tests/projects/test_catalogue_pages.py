"""The staff pages through HTTP: the workbench (a handler's own unit's projects first), the
batch and project forms with Chinese messages next to the fields, stale forms, the lead unit's
details-only form, another unit's 403, and the stage actions."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from minsheng.projects.models import Batch, Project, Stage
from tests.conftest import csrf
from tests.projects.catalogue import (
    EDUCATION,
    EMERGENCY,
    HOUSING,
    RESPONSIBLE_PHONE,
    count,
    kunshan,
    make_batch,
    make_project,
    sign_in,
    stored,
    unit_id,
)


@pytest.fixture
def city(db) -> None:
    kunshan(db)
    make_batch(db)


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{re.escape(field)}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def post(client, path: str, data: dict[str, Any]):
    return client.post(path, data={**data, "csrf_token": csrf(client)}, follow_redirects=False)


def form(db, **changes: Any) -> dict[str, Any]:
    """The new-project form as a person fills it: one target row and one milestone row."""
    values: dict[str, Any] = {
        "batch": "2026-1",
        "code": "",
        "stage": "running",
        "title": "“安全哨兵”助企惠民宣讲",
        "area": "business",
        "lead_unit_id": str(unit_id(db, HOUSING)),
        "co_unit_ids": [str(unit_id(db, EMERGENCY)), str(unit_id(db, EDUCATION))],
        "description": "走进企业宣讲安全生产和惠企政策。",
        "responsible_person": "王建国",
        "responsible_phone": "0512-57311004",
        "budget_wan": "35",
        "start_on": "2026-03-01",
        "end_on": "2026-11-30",
        "weight": "1",
        "targets.0.name": "惠及企业",
        "targets.0.measure": "家",
        "targets.0.planned": "40,000",
        "targets.1.name": "",
        "targets.1.measure": "",
        "targets.1.planned": "",
        "milestones.0.title": "完成 28 场宣讲",
        "milestones.0.due_on": "2026-06-30",
        "milestones.0.planned_percent": "50",
        "request_numbers": "",
        "proposal_numbers": "",
        "public": "on",
    }
    values.update(changes)
    return values


def test_the_handler_sees_his_units_projects_first(client, db, city):
    make_project(db, title="小艾之家", lead_unit_id=unit_id(db, EDUCATION), co_unit_ids=[])
    make_project(db, title="农村自建房消防隐患排查")  # 住建局, the handler's unit
    sign_in(client, "handler")
    page = client.get("/staff/projects")
    assert page.status_code == 200
    assert page.text.index("农村自建房消防隐患排查") < page.text.index("小艾之家")
    assert "本单位" in page.text and "新增项目" not in page.text
    sign_in(client, "supervisor")
    page = client.get("/staff/projects")
    assert page.text.index("小艾之家") < page.text.index("农村自建房消防隐患排查")
    assert "新增项目" in page.text


def test_the_workbench_needs_a_projects_role(client, db, city):
    assert client.get("/staff/projects", follow_redirects=False).status_code == 303
    sign_in(client, "operator")
    assert client.get("/staff/projects").status_code == 403


def test_a_project_is_created_from_the_form(client, db, city):
    sign_in(client, "supervisor")
    assert client.get("/staff/projects/new").status_code == 200
    done = post(client, "/staff/projects/new", form(db))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/staff/projects/2026-1-001?saved=1"
    project = stored(db, "2026-1-001")
    assert [(t.name, t.measure, t.planned) for t in project.targets] == [("惠及企业", "家", 40000)]
    assert sorted(c.unit.name for c in project.co_units) == sorted([EMERGENCY, EDUCATION])
    db.commit()  # ends the read (SQLite locks on BEGIN), so the app can write
    page = client.get("/staff/projects/2026-1-001")
    assert "0512-57311004" in page.text  # staff see the phone


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"targets.0.measure": ""}, "targets.0.measure", "请填写计量单位，例如 家、处、场、人次"),
        (
            {"targets.1.name": "宣讲场次", "targets.1.planned": "56"},
            "targets.1.measure",
            "请填写计量单位，例如 家、处、场、人次",
        ),
        ({"targets.0.planned": "0"}, "targets.0.planned", "计划数必须大于 0"),
        ({"targets.0.planned": "很多"}, "targets.0.planned", "请填写数字"),
        (
            {"milestones.0.planned_percent": "150"},
            "milestones.0.planned_percent",
            "进度百分比应在 0 到 100 之间",
        ),
        ({"end_on": "2026-02-01"}, "end_on", "完成期限应晚于开始日期"),
        (
            {"milestones.0.due_on": "2027-01-01"},
            "milestones.0.due_on",
            "节点日期应在项目开始（2026-03-01）和完成期限（2026-11-30）之间",
        ),
        ({"lead_unit_id": "999999"}, "lead_unit_id", "没有这个单位，或它已停用，请从列表中选择"),
        ({"lead_unit_id": ""}, "lead_unit_id", "请选择牵头单位"),
        ({"title": ""}, "title", "请填写项目名称"),
        ({"title": "路"}, "title", "至少 2 个字"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    client, db, city, changes, field, message
):
    sign_in(client, "supervisor")
    page = post(client, "/staff/projects/new", form(db, **changes))
    assert page.status_code == 422, page.text
    assert field_error(page.text, field) == message
    assert 'value="“安全哨兵”助企惠民宣讲"' in page.text or field == "title"  # kept as typed
    assert count(db, Project) == 0


def test_milestones_out_of_order_are_shown_at_the_later_row(client, db, city):
    sign_in(client, "supervisor")
    changes = {
        "milestones.0.title": "完成宣讲",
        "milestones.0.due_on": "2026-09-30",
        "milestones.0.planned_percent": "90",
        "milestones.1.title": "过半",
        "milestones.1.due_on": "2026-10-31",
        "milestones.1.planned_percent": "40",
    }
    page = post(client, "/staff/projects/new", form(db, **changes))
    assert field_error(page.text, "milestones.1.planned_percent").startswith("按日期排列")


def test_a_form_without_the_csrf_token_is_refused(client, db, city):
    sign_in(client, "supervisor")
    response = client.post("/staff/projects/new", data=form(db))
    assert response.status_code == 403 and count(db, Project) == 0


def test_editing_keeps_target_rows_and_a_stale_form_is_refused(client, db, city):
    project = make_project(db)
    sign_in(client, "supervisor")
    edit = client.get(f"/staff/projects/{project.code}/edit")
    assert 'name="version" value="1"' in edit.text
    assert 'value="1000"' in edit.text  # numbers as people write them
    values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', edit.text))
    values = {k: html.unescape(v) for k, v in values.items() if k != "csrf_token"}
    values |= {"area": "safety", "lead_unit_id": str(unit_id(db, HOUSING))}
    values["targets.1.planned"] = "250"
    saved = post(client, f"/staff/projects/{project.code}/edit", values)
    assert saved.status_code == 303, saved.text
    again = stored(db, project.code)
    assert again.version == 2 and [t.planned for t in again.targets] == [1000, 250]
    db.commit()
    stale = post(client, f"/staff/projects/{project.code}/edit", values | {"end_on": "2027-01-31"})
    assert stale.status_code == 409 and "刚刚被其他人修改过" in stale.text
    assert stored(db, project.code).end_on.isoformat() == "2026-12-31"


def test_the_lead_units_handler_gets_the_details_form_and_another_unit_403(client, db, city):
    project = make_project(db)
    sign_in(client, "handler")
    edit = client.get(f"/staff/projects/{project.code}/edit")
    assert edit.status_code == 200 and "由实事项目主管部门修改" in edit.text
    assert 'name="targets.0.name"' not in edit.text
    saved = post(
        client,
        f"/staff/projects/{project.code}/edit",
        {
            "version": "1",
            "description": "扩大到城乡结合部。",
            "responsible_person": "李副局长",
            "responsible_phone": "电话",
        },
    )
    assert field_error(saved.text, "responsible_phone").startswith("请填写电话号码")
    saved = post(
        client,
        f"/staff/projects/{project.code}/edit",
        {"version": "1", "description": "扩大到城乡结合部。", "responsible_person": "李副局长"},
    )
    assert saved.status_code == 303
    assert stored(db, project.code).responsible_person == "李副局长"
    sign_in(client, "jiaoyu")
    assert client.get(f"/staff/projects/{project.code}/edit").status_code == 403
    denied = post(
        client, f"/staff/projects/{project.code}/edit", {"version": "2", "description": "x"}
    )
    assert denied.status_code == 403
    assert stored(db, project.code).description == "扩大到城乡结合部。"


def test_stage_actions_on_the_staff_page(client, db, city):
    project = make_project(db)
    sign_in(client, "supervisor")
    page = client.get(f"/staff/projects/{project.code}")
    assert "标记为完成" in page.text and "终止项目" in page.text and RESPONSIBLE_PHONE in page.text
    short = post(client, f"/staff/projects/{project.code}/stop", {"version": "1", "reason": "不"})
    assert short.status_code == 422 and "至少 5 个字" in short.text
    stale = post(client, f"/staff/projects/{project.code}/complete", {"version": "9"})
    assert stale.status_code == 409
    bad_day = post(
        client, f"/staff/projects/{project.code}/complete", {"version": "1", "completed_on": "明天"}
    )
    assert bad_day.status_code == 422 and "2026-03-15 的格式" in bad_day.text
    done = post(
        client,
        f"/staff/projects/{project.code}/complete",
        {"version": "1", "completed_on": "2026-03-20"},
    )
    assert done.status_code == 303
    assert stored(db, project.code).stage == Stage.completed
    sign_in(client, "handler")
    assert "标记为完成" not in client.get(f"/staff/projects/{project.code}").text
    assert post(client, f"/staff/projects/{project.code}/stop", {"version": "2"}).status_code == 403


def test_batches_are_listed_created_and_edited(client, db, city):
    sign_in(client, "supervisor")
    listed = client.get("/staff/projects/batches")
    assert "2026年第一批民生实事项目" in listed.text and "本批次还没有确定的实事项目" in listed.text
    values = {
        "code": "2027-1",
        "name": "2027年民生实事项目",
        "scope": "",
        "collect_from": "2027-01-01",
        "collect_until": "2026-12-31",
        "report_day": "31",
        "vote_opens_at": "2027-02-01T09:00",
        "vote_closes_at": "",
        "public": "on",
    }
    refused = post(client, "/staff/projects/batches/new", values)
    assert refused.status_code == 422
    assert (
        field_error(refused.text, "report_day")
        == "报送日应在每月 1 日到 28 日之间（每个月都有的日子）"
    )
    values |= {"report_day": "10"}
    refused = post(client, "/staff/projects/batches/new", values)
    assert field_error(refused.text, "collect_until") == "征集截止日期不能早于开始日期"
    assert field_error(refused.text, "vote_closes_at") == "票决的开始和截止时间要么都填，要么都不填"
    values |= {"collect_until": "2027-01-31", "vote_closes_at": "2027-02-05T17:00"}
    assert post(client, "/staff/projects/batches/new", values).status_code == 303
    assert count(db, Batch) == 2
    edit = client.get("/staff/projects/batches/2027-1/edit")
    assert 'value="2027-02-01T09:00"' in edit.text
    changed = post(client, "/staff/projects/batches/2027-1/edit", values | {"report_day": "8"})
    assert changed.status_code == 303
    sign_in(client, "handler")
    assert client.get("/staff/projects/batches/new").status_code == 403
