"""Receiving a request from any channel: validate, number, route, set the time limits.

Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.channels import service as channels
from minsheng.channels.models import Estate, ReceptionDay
from minsheng.core import ratelimit
from minsheng.core.db import utcnow
from minsheng.core.errors import InvalidInput, NotFound, TooManyRequests
from minsheng.core.images import MAX_PHOTOS, CleanPhoto
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.core.text import mask_name, mask_phone
from minsheng.core.workdays import default_calendar
from minsheng.notify import service as notify
from minsheng.org import service as org
from minsheng.org.models import Region, RegionLevel, Unit
from minsheng.requests import flows
from minsheng.requests.limits import limits_for
from minsheng.requests.models import (
    CHANNEL_LABELS,
    PUBLIC_CHANNELS,
    Channel,
    CitizenRequest,
    Priority,
    RequestEvent,
    Status,
    TrackingCounter,
)
from minsheng.requests.permissions import (
    VIEW_ALL_REQUESTS,
    VIEW_CONFIDENTIAL,
    VIEW_CONTACT,
    VIEW_REQUESTS,
)
from minsheng.requests.schemas import (
    EventPublic,
    EventStaff,
    RequestCreate,
    RequestPublic,
    RequestStaff,
)
from minsheng.routing import service as routing
from minsheng.routing.schemas import RouteAnswer

EVENT_LABELS = {
    "submitted": "已受理",
    "dispatched": "已派单",
    "triage": "待分拣",
    "reassigned": "已改派",
    "accepted": "已签收",
    "returned": "已退回",
    "split": "多部门办理",
    "co_done": "协办完成",
    "merged": "已合并",
    "merged_in": "并入重复诉求",
    "action": "办理记录",
    "reply": "答复",
    "extension_asked": "申请延期",
    "extension_approved": "延期",
    "extension_refused": "延期未获同意",
    "closed": "已办结",
    "rated": "群众评价",
    "reopened": "重办",
    "due_soon": "即将超期",
    "overdue": "已超期",
    "escalated": "督办",
    "supplement": "补充信息",
    "comment": "群众补充",
}
_SOURCE_REASON = {
    Channel.qr_box: "意见箱的责任单位",
    Channel.property_repair: "小区的物业服务企业",
}
TOWN_LEVELS = {RegionLevel.town, RegionLevel.zone}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def next_tracking_number(db: Session, *, received_at: dt.datetime) -> str:
    """KS20261126-0001: the local day of receipt and that day's running number."""
    calendar = default_calendar()
    day = calendar.local_day(received_at)
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(TrackingCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": TrackingCounter.last + 1})
        .returning(TrackingCounter.last)
    )
    number = int(db.execute(stmt).scalar_one())
    return f"{get_settings().tracking_prefix}{day:%Y%m%d}-{number:04d}"


@dataclass
class Source:
    """Where a request came in from, when a place or a session fixes part of it."""

    unit: Unit | None = None  # goes straight here, whatever routing says
    town: Region | None = None
    community: Region | None = None
    address: str = ""
    box_id: int | None = None
    estate_id: int | None = None
    reception_day_id: int | None = None


def _source(db: Session, data: RequestCreate, errors: dict[str, str]) -> Source:
    """The QR box, estate or reception day the request names, checked against its channel."""
    source = Source()
    if data.box:
        box = channels.get_box_by_code(db, code=data.box)
        if box is None or not box.active:
            errors["box"] = "这个意见箱已停用或不存在，请直接在网上反映"
        else:
            source = Source(
                unit=box.unit if box.unit and box.unit.active else None,
                town=box.town,
                community=box.community,
                address=box.address or box.name,
                box_id=box.id,
            )
    elif data.estate is not None:
        estate = db.get(Estate, data.estate)
        if estate is None or not estate.active:
            errors["estate"] = "请选择您所在的小区"
        else:
            if data.building and data.building not in estate.building_list:
                errors["building"] = "请从列表中选择楼栋"
            source = Source(
                unit=estate.unit if estate.unit.active else None,
                town=estate.town,
                community=estate.community,
                address=f"{estate.name}{data.building}",
                estate_id=estate.id,
            )
    if data.reception_day is not None:
        day = db.get(ReceptionDay, data.reception_day)
        if day is None:
            errors["reception_day"] = "没有这个接待日"
        else:
            source.reception_day_id = day.id
    return source


def _place(
    db: Session, data: RequestCreate, errors: dict[str, str]
) -> tuple[Region | None, Region | None]:
    """The town and community named, or a message for each in `errors`."""
    if not data.town:
        errors["town"] = "请选择所在的区镇"
        return None, None
    town = org.find_region(db, key=data.town)
    if town is None or town.level not in TOWN_LEVELS or not town.active:
        errors["town"] = f"没有区划代码为“{data.town}”的区镇"
        return None, None
    community = None
    if data.community:
        community = org.find_region(db, key=data.community)
        if (
            community is None
            or not community.active
            or not community.path.startswith(town.path)
            or community is town
        ):
            errors["community"] = f"“{town.name}”下没有这个社区或村"
    return town, community


def _limit_anonymous(db: Session, *, client_addr: str, phone: str, integration: bool) -> None:
    per_hour = get_settings().anonymous_requests_per_hour
    # An integration's many residents share its one address; its key has its own limit.
    by_addr = [] if integration else [f"requests:addr:{client_addr}"]
    keys = by_addr + ([f"requests:phone:{phone}"] if phone else [])
    for key in keys:
        if not ratelimit.allow(db, key=key, limit=per_hour, window_seconds=3600):
            raise TooManyRequests(
                "提交太频繁了，请一小时后再试；急事请拨打 12345。", retry_after=3600
            )


def _by_idempotency_key(db: Session, key: str | None) -> CitizenRequest | None:
    if not key:
        return None
    return db.scalar(select(CitizenRequest).where(CitizenRequest.idempotency_key == key))


def submit(
    db: Session,
    *,
    data: RequestCreate,
    staff: StaffPrincipal | None = None,
    resident: ResidentPrincipal | None = None,
    client_addr: str = "unknown",
    idempotency_key: str | None = None,
    photos: Sequence[CleanPhoto] = (),
    integration: str | None = None,
    unit: Unit | None = None,
    unit_reason: str = "",
) -> tuple[CitizenRequest, str | None]:
    """Receives a request and sends it on; returns it with its secret follow token.

    The same idempotency key returns the request it first created (and no token again).
    `integration` names the system that relayed it (an Open311 client), kept on the timeline.
    `unit` is for trusted callers that know who answers (a guide's question goes to the unit
    that handles the matter), given with `unit_reason` for the timeline; routing is skipped.
    """
    existing = _by_idempotency_key(db, idempotency_key)
    if existing is not None:
        return existing, None
    errors: dict[str, str] = {}
    category = routing.get_category_by_code(db, code=data.category)
    if category is None or not category.active or (staff is None and not category.accepts_public):
        errors["category"] = "请选择一个分类"
    allowed = PUBLIC_CHANNELS | {Channel.open311} if integration else PUBLIC_CHANNELS
    if staff is None and data.channel not in allowed:
        errors["channel"] = "这个渠道只能由工作人员录入"
    elif data.channel == Channel.open311 and not integration:
        errors["channel"] = "这个渠道只能由对接系统提交"
    now = utcnow()
    received_at = data.received_at if (staff is not None and data.received_at) else now
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = "受理时间不能晚于现在"
    if staff is None and data.priority != Priority.normal:
        errors["priority"] = "紧急程度由工作人员判断"
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = f"最多上传 {MAX_PHOTOS} 张照片"
    # Every field that is wrong is told at once, the place included.
    source = _source(db, data, errors)
    town: Region | None = source.town
    community: Region | None = source.community
    # An integration may know only coordinates: the dispatch centre then places the request.
    if town is None and not (integration and not data.town):
        town, community = _place(db, data, errors)
    if errors:
        raise InvalidInput(errors)
    assert category is not None
    contact = data.contact
    phone = contact.phone if contact else ""
    if staff is None:
        _limit_anonymous(
            db, client_addr=client_addr, phone=phone, integration=integration is not None
        )

    if unit is not None and unit.active:
        route = RouteAnswer(unit_id=unit.id, unit_name=unit.name, reason=unit_reason)
    elif source.unit is not None:
        route = RouteAnswer(
            unit_id=source.unit.id, unit_name=source.unit.name, reason=_SOURCE_REASON[data.channel]
        )
    else:
        route = routing.route(db, category=category, region=community or town)
    centre = routing.dispatch_centre(db)
    in_triage = route.unit_id is None or (centre is not None and route.unit_id == centre.id)
    limits = limits_for(db, category=category, priority=data.priority)
    token = secrets.token_urlsafe(24)
    try:
        # A savepoint: when another submission with the same key won the race, nothing of
        # ours (number, rows, audit) is kept and the request it made is answered instead.
        with db.begin_nested():
            request = CitizenRequest(
                tracking_number=next_tracking_number(db, received_at=received_at),
                follow_token_hash=_digest(token),
                idempotency_key=idempotency_key or None,
                channel=data.channel,
                category_id=category.id,
                title=data.title,
                description=data.description,
                address=data.address or source.address,
                town_id=town.id if town else None,
                region_id=(community or town).id if town else None,
                latitude=data.latitude,
                longitude=data.longitude,
                contact_name=contact.name if contact else "",
                contact_phone=phone,
                confidential=data.confidential,
                resident_id=resident.resident_id if resident else None,
                entered_by_id=staff.user_id if staff else None,
                status=Status.triage if in_triage else Status.dispatched,
                unit_id=route.unit_id,
                received_at=received_at,
                dispatched_at=None if in_triage else received_at,
                response_due_at=limits.response_due(received_at),
                resolve_due_at=limits.resolve_due(received_at),
                priority=data.priority,
                public=not data.confidential,
                qr_box_id=source.box_id,
                estate_id=source.estate_id,
                building=data.building if source.estate_id else "",
                reception_day_id=source.reception_day_id,
            )
            db.add(request)
            who = staff.display_name if staff else "群众"
            request.events.append(
                RequestEvent(
                    kind="submitted",
                    actor_label=who,
                    text=f"通过{CHANNEL_LABELS[data.channel]}受理"
                    + (f"（{integration}）" if integration else ""),
                )
            )
            kind = "triage" if in_triage else "dispatched"
            text = f"派至{route.unit_name}（{route.reason}）" if route.unit_name else route.reason
            request.events.append(
                RequestEvent(kind=kind, actor_label="系统", unit_id=route.unit_id, text=text)
            )
            flows.attach_photos(request, photos, request.events[0])
            db.flush()
    except IntegrityError:
        existing = _by_idempotency_key(db, idempotency_key)
        if existing is None:
            raise
        return existing, None
    if phone:
        link = f"{get_settings().base_url}/f/{token}"
        notify.queue_sms(
            db,
            to=phone,
            purpose="request_received",
            body=f"【民生】您反映的问题已受理，编号 {request.tracking_number}。查看进度：{link}",
        )
    return request, token


def get_by_tracking(db: Session, *, tracking_number: str) -> CitizenRequest:
    request = db.scalar(
        select(CitizenRequest).where(
            CitizenRequest.tracking_number == tracking_number.strip().upper()
        )
    )
    if request is None:
        raise NotFound(f"没有找到编号为“{tracking_number[:30]}”的诉求。")
    return request


def get_by_follow_token(db: Session, *, token: str) -> CitizenRequest | None:
    return db.scalar(
        select(CitizenRequest).where(CitizenRequest.follow_token_hash == _digest(token))
    )


def can_view(staff: StaffPrincipal, request: CitizenRequest) -> bool:
    """Staff see a request city-wide by role, or when it sits with a unit they cover."""
    if staff.can(VIEW_ALL_REQUESTS):
        return True
    if request.unit is not None and staff.can(VIEW_REQUESTS, request.unit.path):
        return True
    return any(staff.can(VIEW_REQUESTS, c.unit.path) for c in request.co_units)


def public_view(request: CitizenRequest, *, reporter: bool) -> RequestPublic:
    """The reporter (by secret link) sees the title and public replies; others only the status."""
    timeline = [
        EventPublic(
            at=e.at,
            kind=e.kind,
            label=EVENT_LABELS.get(e.kind, e.kind),
            text=e.text if reporter else "",
        )
        for e in request.events
        if e.public
    ]
    return RequestPublic(
        tracking_number=request.tracking_number,
        status=request.status,
        status_label=request.status_label,
        category=request.category.name,
        title=request.title if reporter else "",
        channel=request.channel,
        town=request.town.name if request.town else None,
        unit=request.unit.name if request.unit else None,
        received_at=request.received_at,
        response_due_at=request.response_due_at,
        resolve_due_at=request.resolve_due_at,
        closed_at=request.closed_at,
        timeline=timeline,
    )


def staff_view(request: CitizenRequest, *, staff: StaffPrincipal) -> RequestStaff:
    """The full record, with the contact shown only to roles that call residents back."""
    unit_path = request.unit.path if request.unit else None
    # City-wide roles (the hotline) call back anyone; unit roles only their own unit's reporters,
    # even when the same person also holds a city-wide role that does not see contacts.
    city_wide = any(
        g.role in VIEW_ALL_REQUESTS.roles and g.role in VIEW_CONTACT.roles for g in staff.grants
    )
    may_contact = city_wide or (unit_path is not None and staff.can(VIEW_CONTACT, unit_path))
    show = may_contact and (not request.confidential or staff.can(VIEW_CONFIDENTIAL))
    base = public_view(request, reporter=True).model_dump()
    # Staff read the whole timeline, their own notes and the system's warnings included.
    base["timeline"] = [
        EventStaff(
            at=e.at,
            kind=e.kind,
            label=EVENT_LABELS.get(e.kind, e.kind),
            text=e.text,
            public=e.public,
            actor=e.actor_label,
            unit=e.unit.name if e.unit else None,
        )
        for e in request.events
    ]
    return RequestStaff(
        **base,
        id=request.id,
        description=request.description,
        address=request.address,
        community=request.region.name
        if request.region and request.region_id != request.town_id
        else None,
        contact_name=request.contact_name if show else mask_name(request.contact_name),
        contact_phone=request.contact_phone if show else mask_phone(request.contact_phone),
        confidential=request.confidential,
        reopen_count=request.reopen_count,
        version=request.version,
    )
