"""Arrangements for the catalogue, public-site and API tests: Kunshan's units and demo accounts
(without any other module's demo, so the batches here are the only ones), project bodies,
staff principals, requests to link, SMS in the outbox, and signing a resident in by SMS code."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.accounts import passwords
from minsheng.accounts import service as accounts
from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.accounts.models import StaffUser
from minsheng.core.modules import import_jobs, load_modules
from minsheng.core.permissions import StaffPrincipal
from minsheng.notify.models import OutboundMessage
from minsheng.org import service as org
from minsheng.org.models import Unit
from minsheng.projects import catalogue
from minsheng.projects.models import Batch, Project
from minsheng.projects.schemas_batches import BatchCreate
from minsheng.projects.schemas_catalogue import ProjectCreate
from minsheng.projects.service import get_project
from tests import factories
from tests.conftest import api_token, csrf
from tests.requests import body

HOUSING = "昆山市住房和城乡建设局"
EDUCATION = "昆山市教育局"
EMERGENCY = "昆山市应急管理局"
RESPONSIBLE_PHONE = "13955556666"
RESIDENT = "13812340000"
DEMO_MODULES = ("org", "routing")  # units, categories and routing rules only


# username, display name, role, unit: the demo's accounts these tests use, and one more handler.
ACCOUNTS = (
    ("admin", "系统管理员", "administrator", "昆山市"),
    ("supervisor", "督查员 李明", "supervisor", "昆山市"),
    ("operator", "话务员 张丽", "operator", "昆山市12345政务服务便民热线"),
    ("handler", "承办人 王强", "handler", HOUSING),
    ("jiaoyu", "教育承办人", "handler", EDUCATION),
)


@functools.cache
def _password_hash() -> str:
    # Hashed once per run: argon2 is slow on purpose, and every test signs people in.
    return passwords.hash_password(DEMO_PASSWORD)


def kunshan(db: Session) -> None:
    """Kunshan's regions and units, categories and routing rules (the org and routing demos),
    and staff accounts with the demo's names and password: admin and supervisor city-wide,
    operator at the hotline, handler at the housing bureau, "jiaoyu" at the education bureau."""
    import_jobs()  # SMS are queued through the outbox's job
    modules = sorted(
        (m for m in load_modules() if m.name in DEMO_MODULES and m.demo), key=lambda m: m.demo_order
    )
    for module in modules:
        assert module.demo is not None
        module.demo(db, lambda _step: None)
    for username, name, role, unit_name in ACCOUNTS:
        factories.StaffUserFactory(
            username=username,
            display_name=name,
            password_hash=_password_hash(),
            roles=[(role, unit(db, unit_name))],
        )
    db.commit()


def unit(db: Session, name: str) -> Unit:
    found = org.get_unit_by_name(db, name=name)
    assert found is not None, name
    return found


def unit_id(db: Session, name: str) -> int:
    found = unit(db, name).id
    db.commit()
    return found


def principal(db: Session, username: str) -> StaffPrincipal:
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None, username
    return accounts.principal(db, user=user)


def headers(client: TestClient, username: str) -> dict[str, str]:
    return api_token(client, username, DEMO_PASSWORD)


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    response = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def batch_body(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "2026-1",
        "name": "2026年第一批民生实事项目",
        "scope": "群众普遍关心、能在年内办成的民生实事",
        "collect_from": "2026-01-01",
        "collect_until": "2026-01-31",
        "report_day": 5,
    }
    values.update(changes)
    return values


def project_body(db: Session, **changes: Any) -> dict[str, Any]:
    """A valid project as the programme office sends it, led by the housing bureau."""
    values: dict[str, Any] = {
        "batch": "2026-1",
        "title": "农村自建房消防隐患排查",
        "description": "对全市农村自建房逐户排查消防隐患，发现一处整改一处。",
        "area": "safety",
        "lead_unit_id": unit_id(db, HOUSING),
        "co_unit_ids": [unit_id(db, EMERGENCY)],
        "responsible_person": "王建国",
        "responsible_phone": RESPONSIBLE_PHONE,
        "budget_wan": 120,
        "start_on": "2026-03-01",
        "end_on": "2026-12-31",
        "weight": 1,
        "targets": [
            {"name": "排查农村自建房", "measure": "户", "planned": 1000},
            {"name": "整改消防隐患", "measure": "处", "planned": 200},
        ],
        "milestones": [
            {"title": "完成入户排查", "due_on": "2026-06-30", "planned_percent": 50},
            {"title": "完成隐患整改", "due_on": "2026-10-31", "planned_percent": 90},
        ],
    }
    values.update(changes)
    return values


def make_batch(db: Session, **changes: Any) -> Batch:
    made = catalogue.create_batch(
        db, staff=principal(db, "admin"), data=BatchCreate.model_validate(batch_body(**changes))
    )
    db.commit()
    return made


def make_project(db: Session, **changes: Any) -> Project:
    data = ProjectCreate.model_validate(project_body(db, **changes))
    made = catalogue.create_project(db, staff=principal(db, "admin"), data=data)
    db.commit()
    return made


def stored(db: Session, code: str) -> Project:
    db.expire_all()
    found = get_project(db, code=code)
    db.commit()
    return found


def count(db: Session, model: type) -> int:
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)


def sms_to(db: Session, phone: str) -> list[str]:
    found = list(
        db.scalars(
            select(OutboundMessage.body)
            .where(OutboundMessage.recipient == phone)
            .order_by(OutboundMessage.id)
        )
    )
    db.commit()
    return found


def leak_request(db: Session, phone: str = RESIDENT, title: str = "楼顶漏水") -> str:
    """A request entered by the demo operator, with the reporter's phone; its tracking number."""
    from minsheng.requests import service as requests
    from minsheng.requests.schemas import RequestCreate

    values = body(category="housing.leak", title=title, channel="hotline")
    values["contact"] = {"name": "王小明", "phone": phone}
    request, _ = requests.submit(db, data=RequestCreate(**values), staff=principal(db, "operator"))
    db.commit()
    return request.tracking_number


def resident_sign_in(client: TestClient, db: Session, phone: str, next_path: str) -> None:
    """Signs a resident in with the one-time code from the outbox, then follows `next_path`."""
    sent = client.post(
        "/resident/login", data={"phone": phone, "next": next_path, "csrf_token": csrf(client)}
    )
    assert sent.status_code == 200, sent.text
    message = sms_to(db, phone)[-1]
    code = re.search(r"验证码是 (\d{6})", message)
    assert code, message
    verified = client.post(
        "/resident/verify",
        data={
            "phone": phone,
            "code": code.group(1),
            "next": next_path,
            "csrf_token": csrf(client),
        },
        follow_redirects=False,
    )
    assert verified.status_code == 303, verified.text
    assert verified.headers["location"] == next_path


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
