"""Open311 on top of Minsheng: discovery, services, their definitions, and filing a request.

A request filed here goes through `requests.service.submit` like any other: numbered, routed,
given its limits, and seen by the handling unit in its workbench. Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import InvalidInput
from minsheng.core.settings import get_settings
from minsheng.open311 import attributes
from minsheng.open311.formats import Open311Error, w3c
from minsheng.open311.models import ApiKey, CategoryAttribute, Open311Request
from minsheng.open311.params import Params, check_media_url, clean_text, one
from minsheng.open311.places import Place, locate
from minsheng.requests import service as requests
from minsheng.requests.models import Channel, CitizenRequest, RequestEvent
from minsheng.requests.schemas import Contact, RequestCreate
from minsheng.routing import service as routing
from minsheng.routing.models import Category
from minsheng.web.forms import field_message

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_DESCRIPTION = 4000
# A client that times out and posts again within this many minutes gets the same request.
RETRY_MINUTES = 10
T = TypeVar("T")


# Discovery and services


def discovery(db: Session) -> dict[str, Any]:
    """Where the endpoint is and what it speaks; changeset moves when services change."""
    settings = get_settings()
    changed = max(
        (
            t
            for t in (
                db.scalar(select(func.max(Category.updated_at))),
                db.scalar(select(func.max(CategoryAttribute.updated_at))),
            )
            if t is not None
        ),
        default=None,
    )
    changeset = w3c(changed) or "2026-11-26T00:00:00+08:00"
    return {
        "changeset": changeset,
        "contact": "接入问题请联系本市 12345 政务服务便民热线的系统管理员。",
        "key_service": f"接口密钥由系统管理员在 {settings.base_url}/staff/api-keys 签发。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{settings.base_url}/open311/v2",
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def offered(db: Session) -> list[Category]:
    """The categories residents may choose, parents before children."""
    return routing.list_categories(db, active_only=True, public_only=True)


def services(db: Session) -> list[dict[str, Any]]:
    """One service per category that accepts public requests; its group is its parent's name
    (a top-level category is its own group, so the general case sits beside its children)."""
    categories = offered(db)
    by_id = {c.id: c for c in categories}
    asked = attributes.counts(db)
    found = []
    for c in categories:
        parent = by_id.get(c.parent_id) if c.parent_id else None
        keywords = [k for k in c.keywords.split() if k]
        found.append(
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.description or c.name,
                "metadata": asked.get(c.id, 0) > 0,
                "type": "realtime",
                "keywords": ", ".join(keywords),
                "group": parent.name if parent else c.name,
            }
        )
    return found


def service_category(db: Session, code: str) -> Category:
    """The public category a service_code names, or the specification's 400 / 404."""
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = routing.get_category_by_code(db, code=code[:40])
    if category is None or len(code) > 40 or not routing.is_public(category):
        raise Open311Error(404, f"service_code 不存在：{code[:40]}")
    return category


def definition(db: Session, *, code: str) -> dict[str, Any]:
    category = service_category(db, code)
    return {
        "service_code": category.code,
        "attributes": [
            attributes.definition(a) for a in attributes.for_category(db, category=category)
        ],
    }


def service_notice(request: CitizenRequest) -> str:
    """What will happen next, in the words the reporter's SMS uses."""
    zone = ZoneInfo(get_settings().timezone)
    unit = request.unit.name if request.unit else "派单中心"
    respond_by = request.response_due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    resolve_by = request.resolve_due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return (
        f"已受理，编号 {request.tracking_number}。由{unit}办理，"
        f"应于 {respond_by} 前签收，{resolve_by} 前办结答复。"
    )


# Filing


def _name(params: Params) -> str:
    first = one(params, "first_name")
    last = one(params, "last_name")
    # Chinese names are written family name first.
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return (last + first)[:40]
    return f"{first} {last}".strip()[:40]


def _fingerprint(key: ApiKey, params: Params, code: str, description: str, place: Place) -> str:
    parts = [
        str(key.id),
        one(params, "device_id", "deviceid"),
        one(params, "account_id"),
        code,
        description,
        place.address,
        f"{place.latitude}:{place.longitude}",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _recent(db: Session, fingerprint: str) -> Open311Request | None:
    since = utcnow() - dt.timedelta(minutes=RETRY_MINUTES)
    return db.scalar(
        select(Open311Request)
        .where(Open311Request.fingerprint == fingerprint, Open311Request.created_at >= since)
        .order_by(Open311Request.id.desc())
        .limit(1)
    )


def _title(description: str, service_name: str) -> str:
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    first = first[:40]
    return first if len(first) >= 2 else service_name


def _create_data(
    params: Params, category: Category, description: str, place: Place
) -> RequestCreate:
    body = (
        description
        if len(description.strip()) >= 5
        else f"{category.name}：{description or '（未填写描述）'}"
    )
    phone = one(params, "phone")
    name = _name(params)
    try:
        contact = Contact(name=name, phone=phone) if (name or phone) else None
        return RequestCreate(
            category=category.code,
            title=_title(description, category.name),
            description=body,
            town=(place.town.code or str(place.town.id)) if place.town else "",
            community=(place.community.code or str(place.community.id))
            if place.community
            else None,
            address=place.address,
            latitude=place.latitude,
            longitude=place.longitude,
            channel=Channel.open311,
            contact=contact,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ()))
        field = {"contact.phone": "phone", "phone": "phone", "contact.name": "first_name"}.get(
            where, where or "参数"
        )
        raise Open311Error(400, f"{field} 不符合要求：{field_message(error)}") from None


def _gather(errors: list[tuple[int, str]], check: Callable[[], T]) -> T | None:
    """Runs one check, keeping its errors instead of stopping at the first."""
    try:
        return check()
    except Open311Error as exc:
        errors.extend(exc.errors)
        return None


@dataclass
class Filed:
    record: Open311Request
    again: bool  # a retry answered with the request it first made


def create(db: Session, *, key: ApiKey, params: Params, client_addr: str) -> Filed:
    """Files a request for an integration. Every problem is an Open311Error."""
    code = one(params, "service_code")
    category = service_category(db, code)
    questions = attributes.for_category(db, category=category)
    given: dict[str, list[str]] = {}
    for name, values in params.items():
        inner = name.removeprefix("attribute[").removesuffix("[]").removesuffix("]")
        if name.startswith("attribute[") and inner and "[" not in inner and "]" not in inner:
            given.setdefault(inner, []).extend(values)
    # Every problem with the request is told at once, as the specification allows.
    errors: list[tuple[int, str]] = []
    answers = _gather(errors, lambda: attributes.check_answers(questions, given)) or {}
    place = _gather(errors, lambda: locate(db, params)) or Place()
    description = _gather(
        errors, lambda: clean_text("description", one(params, "description"), MAX_DESCRIPTION)
    )
    media_url = _gather(errors, lambda: check_media_url("media_url", one(params, "media_url")))
    if errors:
        raise Open311Error(errors[0][0], errors[0][1], *errors[1:])
    email = clean_text("email", one(params, "email"), 200)
    if email and ("@" not in email or any(c.isspace() for c in email)):
        raise Open311Error(400, "email 不是有效的电子邮箱地址")

    description, media_url = description or "", media_url or ""
    fingerprint = _fingerprint(key, params, category.code, description, place)
    earlier = _recent(db, fingerprint)
    if earlier is not None:
        return Filed(earlier, again=True)
    data = _create_data(params, category, description, place)
    bucket = int(utcnow().timestamp()) // (RETRY_MINUTES * 60)
    try:
        request, _follow = requests.submit(
            db,
            data=data,
            client_addr=client_addr,
            idempotency_key=f"open311:{fingerprint[:48]}:{bucket}",
            integration=key.name,
        )
    except InvalidInput as exc:
        messages = [(400, f"{field}：{message}") for field, message in exc.fields.items()]
        raise Open311Error(messages[0][0], messages[0][1], *messages[1:]) from None
    existing = db.scalar(select(Open311Request).where(Open311Request.request_id == request.id))
    if existing is not None:  # a concurrent retry with the same key won the race
        return Filed(existing, again=True)
    record = Open311Request(
        request_id=request.id,
        api_key_id=key.id,
        token=secrets.token_urlsafe(18),
        fingerprint=fingerprint,
        device_id=one(params, "device_id", "deviceid")[:100],
        account_id=one(params, "account_id")[:100],
        email=email,
        description=description,
        media_url=media_url,
        answers=answers,
    )
    db.add(record)
    record.request = request
    lines = attributes.describe(questions, answers)
    if media_url:
        lines = "\n".join(filter(None, [lines, f"照片或视频链接：{media_url}"]))
    if lines:
        # The answers are the reporter's words: staff read them, the public list does not.
        add_event(request, kind="supplement", label=key.name, text=lines, public=False)
    db.flush()
    return Filed(record, again=False)


def add_event(
    request: CitizenRequest, *, kind: str, label: str, text: str, public: bool
) -> RequestEvent:
    """A line on the request's timeline from the integration's side (not a handling step)."""
    request.updated_at = utcnow()  # moves the version, as every timeline entry does
    event = RequestEvent(
        kind=kind,
        actor_label=label,
        unit_id=request.unit_id,
        text=text,
        public=public,
    )
    request.events.append(event)
    return event


def created_document(filed: Filed) -> dict[str, Any]:
    """The answer to POST requests: the number at once, and a token for token-minded clients."""
    request = filed.record.request
    return {
        "service_request_id": request.tracking_number,
        "service_notice": service_notice(request),
        "account_id": filed.record.account_id or None,
        "token": filed.record.token,
    }
