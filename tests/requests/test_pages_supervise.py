"""Supervision: the overdue, escalated and reopened lists, and deciding extension requests."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.core.db import utcnow
from minsheng.org.models import Unit
from minsheng.requests.models import Extension, ExtensionStatus, Status
from tests import factories
from tests.conftest import csrf, login
from tests.requests import load_demo
from tests.requests.workbench import (
    accepted,
    act,
    change,
    field_error,
    make,
    sign_in,
    stored,
    version_in,
)


@pytest.fixture
def kunshan(db) -> None:
    load_demo(db)


def section(page: str, title: str) -> str:
    """The part of the page under the heading that starts with `title`."""
    start = page.index(f'">{title}（')
    end = page.find("<h2", start)
    return page[start : end if end != -1 else len(page)]


def extension_asked(client, db, days: str = "5") -> tuple[str, int]:
    """A leak the handler accepted and asked more days for; returns its number and the
    extension's id."""
    number = accepted(client, db)
    version = version_in(client.get(f"/staff/requests/{number}").text, "extension")
    form = {"version": version, "days": days, "reason": "需要等防水材料到货"}
    assert act(client, number, "extension", form).status_code == 303
    found = stored(db, number)
    extension = db.scalar(select(Extension).where(Extension.request_id == found.id))
    db.commit()
    assert extension is not None
    return number, extension.id


def decide(client, extension_id: int, decision: str | None, note: str = ""):
    data = {"note": note, "csrf_token": csrf(client)}
    if decision:
        data["decision"] = decision
    return client.post(
        f"/staff/extensions/{extension_id}/decision", data=data, follow_redirects=False
    )


def test_only_supervisors_see_the_page(client, db, kunshan):
    sign_in(client, "handler")
    assert client.get("/staff/supervise").status_code == 403
    sign_in(client, "supervisor")
    page = client.get("/staff/supervise")
    assert page.status_code == 200
    assert '<a href="/staff/supervise" aria-current="page">督办工作台</a>' in page.text


def test_overdue_escalated_and_reopened_lists(client, db, kunshan):
    late = make(db, title="外墙渗水三个月")
    fresh = make(db, title="阳台渗水")
    escalated = make(db, title="楼道积水没人管")
    reopened = make(db, title="修了又漏")
    flagged_closed = make(db, title="评价不满意且不能再重办")
    finished_late = make(db, title="超期后已办结")
    past = utcnow() - dt.timedelta(days=1)
    change(db, late, resolve_due_at=past)
    change(db, escalated, escalated_at=past, resolve_due_at=past)
    change(db, reopened, reopen_count=1, status=Status.in_progress)
    change(db, flagged_closed, flagged=True, status=Status.closed, closed_at=past)
    change(db, finished_late, status=Status.closed, resolve_due_at=past, closed_at=past)
    sign_in(client, "supervisor")
    page = client.get("/staff/supervise").text
    overdue = section(page, "已超期")
    assert late in overdue and escalated in overdue and "已超期</span>" in overdue
    assert fresh not in overdue and finished_late not in overdue
    assert "已超期（2）" in page
    assert escalated in section(page, "已督办") and late not in section(page, "已督办")
    again = section(page, "重办与已标记")
    assert reopened in again and flagged_closed in again and fresh not in again


def test_lists_are_capped_with_a_link_to_the_workbench(client, db, kunshan, monkeypatch):
    from minsheng.requests import workbench

    monkeypatch.setattr(workbench, "LIST_LIMIT", 1)
    for title in ("漏水一", "漏水二"):
        change(db, make(db, title=title), resolve_due_at=utcnow() - dt.timedelta(hours=1))
    sign_in(client, "supervisor")
    overdue = section(client.get("/staff/supervise").text, "已超期")
    assert overdue.count("<tr>") == 2  # the header and one request
    assert "只列出前 1 件。" in overdue and 'href="/staff/requests?due=red"' in overdue


def test_supervisor_approves_an_extension(client, db, kunshan):
    number, extension_id = extension_asked(client, db)
    before = stored(db, number).resolve_due_at
    sign_in(client, "supervisor")
    page = client.get("/staff/supervise").text
    waiting = section(page, "待审批的延期申请")
    assert number in waiting and "5 个工作日" in waiting and "需要等防水材料到货" in waiting
    response = decide(client, extension_id, "approve")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/supervise?done=approved"
    page = client.get(response.headers["location"]).text
    assert "已同意延期，办结时限已顺延。" in page
    assert "没有待审批的延期申请。" in page
    found = stored(db, number)
    assert found.resolve_due_at > before
    extension = db.get(Extension, extension_id)
    assert extension is not None and extension.status == ExtensionStatus.approved
    db.commit()
    # Deciding again is refused with a message; nothing changes.
    again = decide(client, extension_id, "refuse", "再想想")
    assert again.status_code == 409
    assert "这份延期申请已经已同意" in again.text
    assert stored(db, number).resolve_due_at == found.resolve_due_at
    # The handler's page shows the decision.
    sign_in(client, "handler")
    assert "已同意" in client.get(f"/staff/requests/{number}").text


def test_refusing_needs_a_note(client, db, kunshan):
    number, extension_id = extension_asked(client, db)
    before = stored(db, number).resolve_due_at
    sign_in(client, "supervisor")
    response = decide(client, extension_id, "refuse", "")
    assert response.status_code == 422
    assert field_error(response.text, f"ext-{extension_id}", "note") == "不同意时请写明理由"
    assert f'<a href="#f-ext-{extension_id}-note">' in response.text
    missing = decide(client, extension_id, None, "")
    assert field_error(missing.text, f"ext-{extension_id}", "decision") == "请选择同意或不同意"
    response = decide(client, extension_id, "refuse", "材料可以先从别处调拨")
    assert response.headers["location"] == "/staff/supervise?done=refused"
    extension = db.get(Extension, extension_id)
    assert extension is not None and extension.status == ExtensionStatus.refused
    assert extension.decision_note == "材料可以先从别处调拨"
    db.commit()
    assert stored(db, number).resolve_due_at == before
    # The unit may ask again once refused.
    sign_in(client, "handler")
    page = client.get(f"/staff/requests/{number}").text
    assert "未同意" in page and "材料可以先从别处调拨" in page
    assert f"/staff/requests/{number}/extension" in page


def test_a_supervisor_of_another_unit_cannot_decide(client, db, kunshan):
    _, extension_id = extension_asked(client, db)
    town = db.scalar(select(Unit).where(Unit.name == "巴城镇人民政府"))
    user = factories.staff(db, "supervisor", town).username
    db.commit()
    client.cookies.clear()
    login(client, user, factories.PASSWORD)
    assert decide(client, extension_id, "approve").status_code == 403
    extension = db.get(Extension, extension_id)
    assert extension is not None and extension.status == ExtensionStatus.pending
    db.commit()
    assert (
        client.post(
            "/staff/extensions/999999/decision",
            data={"decision": "approve", "csrf_token": csrf(client)},
        ).status_code
        == 404
    )


def test_supervisor_page_escapes_titles(client, db, kunshan):
    xss = '<script>alert("x")</script>'
    change(db, make(db, title=xss), resolve_due_at=utcnow() - dt.timedelta(hours=1))
    sign_in(client, "supervisor")
    page = client.get("/staff/supervise").text
    assert xss not in page and "&lt;script&gt;" in page
