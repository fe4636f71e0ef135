"""An application's life: start, identity, phone, submit (rules, then instant issue or review),
abandon. The steps' own checks live beside: business.py (name, place, scope), rules.py (the
automatic checks), issuing.py (credit code and license), desk.py (the registrar's decisions).
Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts import residents
from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.settings import get_settings
from minsheng.core.text import normalize_mobile
from minsheng.licensing import identity, identity_numbers
from minsheng.licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    License,
    Office,
)

# The applicant may change their answers while filling or after a registrar returned it.
EDITABLE = (ApplicationStatus.filling, ApplicationStatus.returned)
STEP_LIMIT_SECONDS = 3600.0  # a step longer than this is someone who walked away


def local_today() -> dt.date:
    return utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()


def get_office(db: Session, *, code: str) -> Office:
    office = db.scalar(select(Office).where(Office.code == code[:20], Office.active))
    if office is None:
        raise NotFound("没有这个登记服务点，请从首页进入。")
    return office


def list_offices(db: Session) -> list[Office]:
    return list(db.scalars(select(Office).where(Office.active).order_by(Office.id)))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    db: Session,
    *,
    office: Office,
    channel: str = "web",
    kind: ApplicationKind = ApplicationKind.register,
    license: License | None = None,
) -> tuple[Application, str]:
    """A new application and the secret token of its status page (shown once, sent by SMS)."""
    token = secrets.token_urlsafe(24)
    app = Application(
        number=f"tmp-{secrets.token_hex(8)}",
        kind=kind,
        channel="kiosk" if channel == "kiosk" else "web",
        office=office,
        license=license,
        identity_backend=office.identity_backend,
        status_token_hash=token_hash(token),
        last_active_at=utcnow(),
    )
    if license is not None:  # amendments start from what the license says
        app.org_form = license.org_form
        app.town_id = license.town_id
        app.scope_codes = list(license.scope_codes)
    db.add(app)
    db.flush()
    app.number = f"GT{local_today():%Y%m%d}{app.id:05d}"
    db.flush()
    return app, token


def by_token(db: Session, *, token: str) -> Application:
    found = db.scalar(
        select(Application).where(Application.status_token_hash == token_hash(token[:64]))
    )
    if found is None:
        raise NotFound("没有找到这份申请，链接可能不完整或已过期。")
    return found


def get_application(db: Session, *, number: str) -> Application:
    found = db.scalar(select(Application).where(Application.number == number[:24]))
    if found is None:
        raise NotFound("没有找到这份申请。")
    return found


def require_editable(app: Application) -> None:
    if app.status not in EDITABLE:
        raise Conflict("这份申请已经提交，不能再修改。", code="not_editable")


def record_step(app: Application, *, step: str, seconds: float) -> None:
    """Adds the time spent on a step, so the office sees how long people take."""
    times = dict(app.step_times or {})
    times[step] = round(times.get(step, 0.0) + min(max(seconds, 0.0), STEP_LIMIT_SECONDS), 1)
    app.step_times = times
    app.last_active_at = utcnow()


def backend_of(app: Application) -> identity.IdentityBackend:
    return identity.backend(app.identity_backend)


def set_identity(db: Session, *, app: Application, name: str, id_number: str) -> None:
    """Step 1: the operator's name and ID number (an adult's, valid by GB 11643)."""
    require_editable(app)
    errors: dict[str, str] = {}
    name = "".join(name.split())
    if not 2 <= len(name) <= 20 or not all("\u4e00" <= c <= "\u9fff" or c == "·" for c in name):
        errors["operator_name"] = "请填写身份证上的姓名（2 到 20 个汉字）"
    try:
        found = identity_numbers.adult(id_number, today=local_today())
    except identity_numbers.BadIdNumber as exc:
        errors["id_number"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    app.operator_name = name
    app.id_number = found.number
    outcome = backend_of(app).verify(
        claim=identity.Claim(name=name, id_number=found.number), card=None, face=None
    )
    app.identity_checked_at = utcnow() if outcome.verified else None
    db.flush()


def send_code(db: Session, *, app: Application, phone: str, client_addr: str) -> str:
    """Step 1b: texts a one-time code to the operator's mobile; returns the number used."""
    require_editable(app)
    normalized = normalize_mobile(phone)
    if normalized is None:
        raise InvalidInput({"phone": "请填写 11 位手机号码"})
    residents.request_code(db, phone=normalized, client_addr=client_addr)
    app.phone = normalized
    app.phone_verified_at = None
    db.flush()
    return normalized


def confirm_code(db: Session, *, app: Application, code: str) -> None:
    """Step 1c: the code from the SMS; an expired or wrong one is refused with the reason."""
    require_editable(app)
    if not app.phone:
        raise InvalidInput({"code": "请先获取验证码"})
    result = residents.verify_code(db, phone=app.phone, code="".join(code.split())[:6])
    if result.error:
        raise InvalidInput({"code": result.error})
    app.phone_verified_at = utcnow()
    db.flush()


def abandon(db: Session, *, app: Application) -> None:
    """A kiosk left mid-way: the application ends and what identifies the person is wiped."""
    if app.status not in EDITABLE:
        return
    app.status = ApplicationStatus.abandoned
    app.operator_name = ""
    app.id_number = ""
    app.phone = ""
    app.family_members = []
    app.decided_at = utcnow()
    db.flush()
