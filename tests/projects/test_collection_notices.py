"""公示: a notice of the chosen projects, frozen when published (which starts them), with an
objection window, answered objections, and corrections that supersede but never edit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.audit.models import AuditEvent
from minsheng.core.settings import get_settings
from minsheng.projects.collection import local_today
from minsheng.projects.models import Project, ProjectEvent, Stage
from minsheng.projects.models_collection import Notice, NoticeStatus, Objection
from tests import projects as make
from tests.projects.collection_kit import (
    MASKED,
    PHONE,
    count,
    field_error,
    office,
    open_batch,
    post,
    sign_in,
    sms_to,
)


@pytest.fixture
def chosen(db):
    """Two chosen projects and one not chosen, and the office."""
    batch = open_batch(db)
    bureau = make.unit(db, make.HOUSING_BUREAU)
    transport = make.unit(db, "昆山市交通运输局")
    make.project(db, batch, bureau, "2026-1-001", stage=Stage.chosen, title="加装电梯")
    make.project(db, batch, transport, "2026-1-002", stage=Stage.chosen, title="增开夜班公交")
    make.project(db, batch, bureau, "2026-1-003", stage=Stage.not_chosen, title="落选项目")
    db.commit()
    return batch, office(db)


def notice_form(**changes: str) -> dict[str, str]:
    today = local_today()
    data = {
        "batch": "2026-1",
        "title": "关于2026年昆山市民生实事项目的公示",
        "body": "经人大代表票决，确定以下项目为2026年民生实事项目，现予公示。",
        "objection_from": (today - dt.timedelta(days=1)).isoformat(),
        "objection_until": (today + dt.timedelta(days=6)).isoformat(),
        "contact": "市政府办公室 0512-57311004",
    }
    data.update(changes)
    return data


def draft(client, **changes: str) -> int:
    response = post(client, "/staff/projects/notices/new", notice_form(**changes))
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def stages(db) -> dict[str, Stage]:
    db.expire_all()
    found = {p.code: p.stage for p in db.scalars(select(Project))}
    db.commit()
    return found


def notice(db, notice_id: int) -> Notice:
    found = db.scalar(
        select(Notice).where(Notice.id == notice_id).execution_options(populate_existing=True)
    )
    db.commit()
    return found


def test_publishing_freezes_the_list_and_starts_the_chosen_projects(client, db, chosen):
    _, chief = chosen
    sign_in(client, chief)
    notice_id = draft(client)
    page = client.get(f"/staff/projects/notices/{notice_id}")
    assert "发布时将列出的项目（共 2 个）" in page.text and "落选项目" not in page.text
    # A draft is not public, and it may still be edited.
    assert client.get(f"/projects/notices/{notice_id}").status_code == 404
    edited = post(
        client,
        f"/staff/projects/notices/{notice_id}/edit",
        notice_form(contact="市政府办 57311004"),
    )
    assert edited.status_code == 303
    assert post(client, f"/staff/projects/notices/{notice_id}/publish", {}).status_code == 303
    saved = notice(db, notice_id)
    assert saved.status == NoticeStatus.published and saved.published_at is not None
    assert json.loads(saved.snapshot) == [
        {"code": "2026-1-001", "title": "加装电梯", "lead_unit": make.HOUSING_BUREAU},
        {"code": "2026-1-002", "title": "增开夜班公交", "lead_unit": "昆山市交通运输局"},
    ]
    assert stages(db) == {
        "2026-1-001": Stage.running,
        "2026-1-002": Stage.running,
        "2026-1-003": Stage.not_chosen,
    }
    noticed = list(db.scalars(select(ProjectEvent.text).where(ProjectEvent.kind == "noticed")))
    db.commit()
    assert noticed == ["列入公示《关于2026年昆山市民生实事项目的公示》。"] * 2
    public = client.get(f"/projects/notices/{notice_id}")
    assert public.status_code == 200
    assert "加装电梯" in public.text and "市政府办 57311004" in public.text
    assert "公示项目（共 2 个）" in public.text and "提出异议" in public.text
    # The notice says what it said, even when a project is renamed later.
    db.execute(
        Project.__table__.update().where(Project.code == "2026-1-001").values(title="改过的名字")
    )
    db.commit()
    assert "加装电梯" in client.get(f"/projects/notices/{notice_id}").text
    listed = client.get("/projects/notices")
    assert "关于2026年昆山市民生实事项目的公示" in listed.text


def test_a_published_notice_is_never_edited_or_published_again(client, db, chosen):
    _, chief = chosen
    sign_in(client, chief)
    notice_id = draft(client)
    post(client, f"/staff/projects/notices/{notice_id}/publish", {})
    response = post(
        client, f"/staff/projects/notices/{notice_id}/edit", notice_form(title="悄悄改了标题")
    )
    assert response.status_code == 409
    assert "已发布的公示不能修改；如需更正，请发布一份新的公示替代它。" in response.text
    again = post(client, f"/staff/projects/notices/{notice_id}/publish", {})
    assert again.status_code == 409
    assert notice(db, notice_id).title == "关于2026年昆山市民生实事项目的公示"


def test_a_correction_supersedes_the_old_notice(client, db, chosen):
    batch, chief = chosen
    sign_in(client, chief)
    first = draft(client)
    post(client, f"/staff/projects/notices/{first}/publish", {})
    # Meanwhile a third project is chosen; the correction lists it with the first two.
    late = db.scalar(select(Project).where(Project.code == "2026-1-003"))
    late.stage = Stage.chosen
    db.commit()
    form = client.get(f"/staff/projects/notices/new?supersedes={first}")
    assert "更正公示" in form.text and "（更正）" in form.text
    second = draft(client, supersedes=str(first), title="关于2026年民生实事项目的更正公示")
    assert post(client, f"/staff/projects/notices/{second}/publish", {}).status_code == 303
    assert notice(db, first).status == NoticeStatus.superseded
    assert [r["code"] for r in json.loads(notice(db, second).snapshot)] == [
        "2026-1-001",
        "2026-1-002",
        "2026-1-003",
    ]
    assert stages(db)["2026-1-003"] == Stage.running
    old_page = client.get(f"/projects/notices/{first}")
    assert "这份公示已被更正" in old_page.text
    assert f'href="/projects/notices/{second}"' in old_page.text
    # The old notice takes no more objections; the new one does.
    response = post(
        client, f"/projects/notices/{first}/objections", {"text": "我有不同意见，理由如下。"}
    )
    assert response.status_code == 409 and "这份公示已被更正" in response.text
    response = post(
        client, f"/projects/notices/{second}/objections", {"text": "我有不同意见，理由如下。"}
    )
    assert response.status_code == 303
    # A superseded notice cannot be superseded again.
    response = post(client, "/staff/projects/notices/new", notice_form(supersedes=str(first)))
    assert response.status_code == 409 and "只能更正正在公示的公示" in response.text
    assert batch.code == "2026-1"


def test_nothing_chosen_nothing_to_publish(client, db):
    open_batch(db)
    sign_in(client, office(db))
    notice_id = draft(client)
    response = post(client, f"/staff/projects/notices/{notice_id}/publish", {})
    assert response.status_code == 409 and "没有可以公示的项目" in response.text
    assert notice(db, notice_id).status == NoticeStatus.draft


def test_a_notice_draft_explains_bad_dates_and_missing_fields(client, db, chosen):
    sign_in(client, chosen[1])
    response = post(
        client,
        "/staff/projects/notices/new",
        notice_form(objection_from="2026-03-07", objection_until="2026-03-01", contact=""),
    )
    assert response.status_code == 422
    assert field_error(response.text, "objection_until") == "异议期截止日期不能早于开始日期"
    assert field_error(response.text, "contact") == "请填写受理异议的部门和电话"
    response = post(client, "/staff/projects/notices/new", notice_form(objection_from="3月1日"))
    assert field_error(response.text, "objection_from") == "请按 2026-03-15 的格式填写日期"
    assert count(db, Notice) == 0


def test_objections_in_the_window_are_answered_in_public_without_personal_data(
    app, client, db, chosen
):
    _, chief = chosen
    with TestClient(app) as staff_client:
        sign_in(staff_client, chief)
        notice_id = draft(staff_client)
        post(staff_client, f"/staff/projects/notices/{notice_id}/publish", {})
    form = {
        "project": "2026-1-002",
        "text": "夜班公交线路没有经过我们小区，建议调整。",
        "name": "孙丽",
        "phone": PHONE,
    }
    response = post(client, f"/projects/notices/{notice_id}/objections", form)
    assert response.status_code == 303
    page = client.get(f"/projects/notices/{notice_id}?filed=1")
    assert "您的意见已收到" in page.text
    assert "夜班公交线路没有经过" not in page.text  # shown once answered
    objection = db.scalar(select(Objection))
    db.commit()
    assert objection.project_id is not None and objection.phone == PHONE
    trail = json.dumps(
        [
            e.summary
            for e in db.scalars(
                select(AuditEvent).where(AuditEvent.object_type == "project_objection")
            )
        ],
        ensure_ascii=False,
    )
    db.commit()
    assert MASKED in trail and PHONE not in trail and "孙丽" not in trail
    with TestClient(app) as staff_client:
        sign_in(staff_client, chief)
        staff_page = staff_client.get(f"/staff/projects/notices/{notice_id}")
        assert (
            "孙丽" in staff_page.text and MASKED in staff_page.text and PHONE not in staff_page.text
        )
        field = f"answer_{objection.id}"
        empty = post(
            staff_client, f"/staff/projects/notices/objections/{objection.id}/answer", {field: " "}
        )
        assert empty.status_code == 422 and field_error(empty.text, field) == "请填写答复"
        done = post(
            staff_client,
            f"/staff/projects/notices/objections/{objection.id}/answer",
            {field: "线路将增设经停站点，感谢您的意见。"},
        )
        assert done.status_code == 303
        again = post(
            staff_client,
            f"/staff/projects/notices/objections/{objection.id}/answer",
            {field: "再答一次"},
        )
        assert again.status_code == 409
    page = client.get(f"/projects/notices/{notice_id}")
    assert "夜班公交线路没有经过我们小区" in page.text and "线路将增设经停站点" in page.text
    assert "2026-1-002 增开夜班公交" in page.text
    assert "孙丽" not in page.text and PHONE not in page.text and MASKED not in page.text
    assert "您对公示提出的意见已答复" in sms_to(db, PHONE)[-1]


def test_objections_outside_the_window_are_refused(client, db, chosen):
    sign_in(client, chosen[1])
    today = local_today()
    notice_id = draft(
        client,
        objection_from=(today - dt.timedelta(days=10)).isoformat(),
        objection_until=(today - dt.timedelta(days=3)).isoformat(),
    )
    post(client, f"/staff/projects/notices/{notice_id}/publish", {})
    page = client.get(f"/projects/notices/{notice_id}")
    assert "现在不在异议期内" in page.text and 'name="text"' not in page.text
    response = post(
        client, f"/projects/notices/{notice_id}/objections", {"text": "我反对这个项目的安排。"}
    )
    assert response.status_code == 409
    assert "现在不在异议期内" in response.text
    assert count(db, Objection) == 0


def test_an_objection_needs_text_a_listed_project_and_its_csrf_token(client, db, chosen):
    sign_in(client, chosen[1])
    notice_id = draft(client)
    post(client, f"/staff/projects/notices/{notice_id}/publish", {})
    response = post(client, f"/projects/notices/{notice_id}/objections", {"text": ""})
    assert response.status_code == 422 and field_error(response.text, "text") == "请填写异议内容"
    response = post(
        client,
        f"/projects/notices/{notice_id}/objections",
        {"text": "不同意见若干", "project": "2026-1-003"},
    )
    assert response.status_code == 422
    assert field_error(response.text, "project") == "这个项目不在本次公示中，请从列表中选择"
    response = post(
        client,
        f"/projects/notices/{notice_id}/objections",
        {"text": "不同意见若干", "phone": "123"},
    )
    assert field_error(response.text, "phone") == "请填写 11 位手机号码，例如 13812345678"
    response = client.post(
        f"/projects/notices/{notice_id}/objections",
        data={"text": "不同意见若干"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert count(db, Objection) == 0


def test_only_the_office_drafts_and_publishes(client, db, chosen):
    from tests import factories

    sign_in(client, factories.staff(db, "handler", make.unit(db, make.HOUSING_BUREAU)))
    assert client.get("/staff/projects/notices").status_code == 403
    response = post(client, "/staff/projects/notices/new", notice_form())
    assert response.status_code == 403 and count(db, Notice) == 0


def test_objections_are_rate_limited(client, db, chosen, monkeypatch):
    sign_in(client, chosen[1])
    notice_id = draft(client)
    post(client, f"/staff/projects/notices/{notice_id}/publish", {})
    monkeypatch.setenv("MINSHENG_ANONYMOUS_REQUESTS_PER_HOUR", "1")
    get_settings.cache_clear()
    path = f"/projects/notices/{notice_id}/objections"
    assert post(client, path, {"text": "第一条不同意见。"}).status_code == 303
    response = post(client, path, {"text": "第二条不同意见。"})
    assert response.status_code == 429 and "提交太频繁了，请一小时后再试" in response.text
    assert count(db, Objection) == 1


def test_the_office_pages_render_with_their_links(client, db, chosen):
    sign_in(client, chosen[1])
    listing = client.get("/staff/projects/notices")
    assert listing.status_code == 200 and 'href="/staff/projects/notices/new"' in listing.text
    form = client.get("/staff/projects/notices/new?batch=2026-1")
    assert form.status_code == 200 and 'id="f-objection_until"' in form.text
    proposals = client.get("/staff/projects/proposals?batch=2026-1")
    assert 'href="/staff/projects/proposals/shortlist/2026-1"' in proposals.text
    assert 'href="/staff/projects/proposals/from-requests"' in proposals.text
    votes = client.get("/staff/projects/votes")
    assert votes.status_code == 200 and "保存票决时间" in votes.text
    assert client.get("/staff/projects/proposals/from-requests").status_code == 200
    assert client.get("/staff/projects/notices/9999").status_code == 404
    assert client.get("/projects/notices").status_code == 200
    assert client.get("/projects/votes/nope").status_code == 404
