"""Arrangements for the 征集公示 tests: an open batch, the office, deputies, signed-in residents."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.accounts.models import StaffUser
from minsheng.notify.models import OutboundMessage
from minsheng.org.models import Unit
from minsheng.projects.collection import local_today
from minsheng.projects.models import Batch
from tests import factories
from tests import projects as make
from tests.conftest import csrf, login

PHONE = "13812345678"
MASKED = "138****5678"
OTHER_PHONE = "13912345678"
CODE_IN_SMS = re.compile(r"验证码是 (\d{6})")


def open_batch(db: Session, code: str = "2026-1", **kwargs: Any) -> Batch:
    """A batch collecting proposals today, committed."""
    today = local_today()
    values: dict[str, Any] = {
        "collect_from": today - dt.timedelta(days=10),
        "collect_until": today + dt.timedelta(days=10),
    }
    values.update(kwargs)
    batch = make.batch(db, code, **values)
    db.commit()
    return batch


def closed_batch(db: Session, code: str = "2025-2") -> Batch:
    today = local_today()
    return open_batch(
        db,
        code,
        name="2025年第二批民生实事项目",
        collect_from=today - dt.timedelta(days=60),
        collect_until=today - dt.timedelta(days=30),
    )


def city(db: Session) -> Unit:
    unit = make.unit(db, "昆山市")
    db.commit()
    return unit


def office(db: Session) -> StaffUser:
    """A supervisor at the city: answers proposals, runs the vote and the notice."""
    return factories.staff(db, "supervisor", city(db), display_name="督查员 李明")


def deputy(db: Session, name: str) -> StaffUser:
    congress = make.unit(db, make.CONGRESS)
    return factories.staff(db, "deputy", congress, display_name=name)


def sign_in(client: TestClient, user: StaffUser) -> None:
    login(client, user.username, factories.PASSWORD)


def sms_to(db: Session, phone: str) -> list[str]:
    bodies = list(
        db.scalars(
            select(OutboundMessage.body)
            .where(OutboundMessage.recipient == phone)
            .order_by(OutboundMessage.id)
        )
    )
    db.commit()
    return bodies


def sign_in_resident(client: TestClient, db: Session, phone: str = PHONE) -> None:
    """The residents' one-time-code sign-in, through the pages."""
    response = client.post("/resident/login", data={"phone": phone, "csrf_token": csrf(client)})
    assert response.status_code == 200, response.text
    code = CODE_IN_SMS.search(sms_to(db, phone)[-1])
    assert code is not None
    response = client.post(
        "/resident/verify",
        data={"phone": phone, "code": code.group(1), "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf(client)}, follow_redirects=False)


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{re.escape(field)}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def proposal_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "batch": "2026-1",
        "area": "elderly",
        "title": "老旧小区加装电梯",
        "what": "为玉山镇建成二十年以上的多层住宅加装电梯，先做有意愿的楼栋。",
        "why": "楼里老人多，上下楼困难。",
        "approach": "政府补贴一部分，居民出一部分。",
        "name": "王小明",
        "phone": PHONE,
    }
    data.update(changes)
    return data


def propose(client: TestClient, **changes: Any) -> str:
    """Submits a resident's proposal through the form and returns its number."""
    response = post(client, "/projects/proposals/new", proposal_form(**changes))
    assert response.status_code == 303, response.text
    match = re.match(r"/projects/proposals/(JY\d{4}-\d{4})\?sent=1$", response.headers["location"])
    assert match is not None, response.headers["location"]
    return match.group(1)


def count(db: Session, model: Any) -> int:
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)
