"""Shared arrangements for the staff workbench tests: requests entered by the demo operator,
signing in as a demo account, posting an action form, and checking a stale form changed nothing."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import func, select

from minsheng.accounts import service as accounts
from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.accounts.models import StaffUser
from minsheng.feedback.models import Rating
from minsheng.requests import service
from minsheng.requests.models import CitizenRequest, Extension, RequestEvent, Status
from minsheng.requests.schemas import RequestCreate
from tests.conftest import csrf, login
from tests.requests import body
from tests.requests import unit as unit_named

XSS = '<script>alert("x")</script>'
TOWN_GOVERNMENT = "巴城镇人民政府"
STALE = "这件诉求刚被他人处理过"


def principal(db, username: str):
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None, username
    return accounts.principal(db, user=user)


def make(db, **changes: Any) -> str:
    """A request entered by the demo operator (a roof leak in 巴城 → 住建局 unless changed)."""
    changes.setdefault("category", "housing.leak")
    changes.setdefault("title", "楼顶漏水")
    changes.setdefault("channel", "hotline")
    received_at = changes.pop("received_at", None)
    data = RequestCreate(**body(**changes), received_at=received_at)
    request, _ = service.submit(db, data=data, staff=principal(db, "operator"))
    db.commit()
    return request.tracking_number


def stored(db, tracking_number: str) -> CitizenRequest:
    db.expire_all()
    found = service.get_by_tracking(db, tracking_number=tracking_number)
    db.commit()
    return found


def change(db, tracking_number: str, **values: Any) -> None:
    """Sets columns directly, as the periodic sweep or time passing would."""
    found = service.get_by_tracking(db, tracking_number=tracking_number)
    for key, value in values.items():
        setattr(found, key, value)
    db.commit()


def unit_id(db, name: str) -> int:
    """A unit's id, with the read ended so that the app can write."""
    found = unit_named(db, name).id
    db.commit()
    return found


def sign_in(client, username: str) -> None:
    client.cookies.clear()
    login(client, username, DEMO_PASSWORD)


def field_error(page: str, form: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{form}-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def version_in(page: str, action: str) -> str:
    """The version carried by the form that posts to `action`."""
    match = re.search(
        rf'action="/staff/requests/[^"]+/{action}".*?name="version" value="(\d+)"', page, re.S
    )
    assert match, f"no {action} form on the page"
    return match.group(1)


def act(client, tracking_number: str, action: str, data: dict[str, Any], files=None):
    return client.post(
        f"/staff/requests/{tracking_number}/{action}",
        data={**data, "csrf_token": csrf(client)},
        files=files,
        follow_redirects=False,
    )


def snapshot(db, tracking_number: str) -> tuple[Any, ...]:
    found = stored(db, tracking_number)
    counts = tuple(
        db.scalar(select(func.count()).select_from(m).where(m.request_id == found.id))
        for m in (RequestEvent, Extension, Rating)
    )
    db.commit()
    return (found.status, found.version, found.unit_id, found.resolve_due_at, counts)


def assert_done(client, response, tracking_number: str, action: str) -> str:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/staff/requests/{tracking_number}?done={action}"
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert 'class="notice" role="status"' in page.text
    return page.text


def assert_stale(client, db, tracking_number: str, action: str, data: dict[str, Any]) -> None:
    """The same form sent again with the version it was shown: refused, nothing changed."""
    before = snapshot(db, tracking_number)
    response = act(client, tracking_number, action, data)
    assert response.status_code == 409
    assert STALE in response.text
    assert "没有做任何改动" in response.text
    assert snapshot(db, tracking_number) == before


def accepted(client, db) -> str:
    """A leak the handler has accepted; the handler stays signed in."""
    number = make(db)
    sign_in(client, "handler")
    page = client.get(f"/staff/requests/{number}").text
    act(client, number, "accept", {"version": version_in(page, "accept")})
    assert stored(db, number).status == Status.in_progress
    return number
