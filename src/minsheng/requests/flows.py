"""Handling a request after it is received: dispatch, accept, return, split, merge, reply,
extensions, close and reopen. Each step checks who may take it and in which state, writes one
event on the timeline, and tells the resident what they should know. Flushes, never commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.core.images import CleanPhoto
from minsheng.core.permissions import Permission, StaffPrincipal
from minsheng.notify import service as notify
from minsheng.org.models import Unit
from minsheng.requests.limits import Limits, limits_for
from minsheng.requests.models import (
    OUTCOME_LABELS,
    CitizenRequest,
    DueColour,
    Outcome,
    RequestCoUnit,
    RequestEvent,
    RequestPhoto,
    Status,
)
from minsheng.requests.permissions import (
    DISPATCH_REQUESTS,
    HANDLE_REQUESTS,
)
from minsheng.routing import service as routing

OPEN = (Status.triage, Status.dispatched, Status.in_progress)
# The SMS reply codes feedback/sms.py reads; kept here so the closing text cannot drift from them.
RATING_INVITE = "回复 1 已解决满意，2 已解决基本满意，3 已解决但不满意，4 未解决。"
# Reporter's photos and every reply's together; six for the report, more across replies.
MAX_PHOTOS_PER_REQUEST = 30
# A unit may close with these; "merged" is set only by merging.
CLOSING_OUTCOMES = (Outcome.resolved, Outcome.explained, Outcome.not_ours)


def _check_version(request: CitizenRequest, version: int | None) -> None:
    """The form or API call was made on the version the person saw; else someone came first."""
    if version is not None and version != request.version:
        raise Conflict(
            "这件诉求刚刚被其他人处理过，您看到的不是最新情况。请刷新后再操作。",
            code="stale",
        )


def _require_state(request: CitizenRequest, allowed: Sequence[Status], doing: str) -> None:
    if request.status not in allowed:
        raise Conflict(f"诉求当前状态为“{request.status_label}”，不能{doing}。", code="wrong_state")


def _require_unit(staff: StaffPrincipal, perm: Permission, request: CitizenRequest) -> None:
    """The person holds `perm` in the unit that has the request (or a unit above it)."""
    if request.unit is None or not staff.can(perm, request.unit.path):
        raise Forbidden("这件诉求不在您的单位，您不能办理。")


def _require(staff: StaffPrincipal, perm: Permission) -> None:
    if not staff.can(perm):
        raise Forbidden()


def _event(
    request: CitizenRequest,
    kind: str,
    staff: StaffPrincipal | None,
    text: str = "",
    *,
    public: bool = True,
    unit_id: int | None = None,
    label: str | None = None,
) -> RequestEvent:
    # Every step moves the version, so a decision taken on a page read before it is refused.
    request.updated_at = utcnow()
    event = RequestEvent(
        kind=kind,
        actor_label=label if label is not None else (staff.display_name if staff else "系统"),
        unit_id=unit_id if unit_id is not None else request.unit_id,
        text=text,
        public=public,
    )
    request.events.append(event)
    return event


def _tell_reporter(db: Session, request: CitizenRequest, body: str, purpose: str) -> None:
    if request.contact_phone:
        notify.queue_sms(db, to=request.contact_phone, body=f"【民生】{body}", purpose=purpose)


def _active_unit(db: Session, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise InvalidInput({"unit": "请选择一个在用的承办单位"})
    return unit


def _limits(db: Session, request: CitizenRequest) -> Limits:
    return limits_for(db, category=request.category, priority=request.priority)


def attach_photos(
    request: CitizenRequest, photos: Sequence[CleanPhoto], event: RequestEvent | None
) -> None:
    """Keeps cleaned photos with the request, and with the reply they came with."""
    if len(request.photos) + len(photos) > MAX_PHOTOS_PER_REQUEST:
        raise InvalidInput({"photos": f"一件诉求最多 {MAX_PHOTOS_PER_REQUEST} 张照片"})
    for photo in photos:
        request.photos.append(
            RequestPhoto(
                key=secrets.token_urlsafe(18),
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size=len(photo.content),
                sha256=photo.sha256,
                content=photo.content,
                event=event,
            )
        )


def dispatch(
    db: Session,
    request: CitizenRequest,
    *,
    staff: StaffPrincipal,
    unit_id: int,
    note: str = "",
    version: int | None = None,
) -> CitizenRequest:
    """派单 / 改派: the centre sends a request in triage (or one a unit holds) to a unit.

    The new unit's response limit counts from now; the resident's resolution date stays.
    """
    _require(staff, DISPATCH_REQUESTS)
    _check_version(request, version)
    _require_state(request, (Status.triage, Status.dispatched, Status.in_progress), "派单")
    unit = _active_unit(db, unit_id)
    centre = routing.dispatch_centre(db)
    if centre is not None and unit.id == centre.id:
        raise InvalidInput({"unit": "不能派给派单中心自己，请选择承办单位"})
    kind = "dispatched" if request.status == Status.triage else "reassigned"
    before = request.unit.name if request.unit else ""
    now = utcnow()
    request.unit_id = unit.id
    request.unit = unit
    request.status = Status.dispatched
    request.dispatched_at = now
    request.accepted_at = None
    request.response_due_at = _limits(db, request).response_due(now)
    text = f"派至{unit.name}" if kind == "dispatched" else f"由{before}改派至{unit.name}"
    _event(request, kind, staff, text + (f"：{note}" if note else ""), unit_id=unit.id)
    db.flush()
    return request


def accept(
    db: Session, request: CitizenRequest, *, staff: StaffPrincipal, version: int | None = None
) -> CitizenRequest:
    """签收: the unit takes the request on; the response limit is met or missed now."""
    _require_unit(staff, HANDLE_REQUESTS, request)
    _check_version(request, version)
    _require_state(request, (Status.dispatched,), "签收")
    request.status = Status.in_progress
    request.accepted_at = utcnow()
    _event(request, "accepted", staff, f"{request.unit.name if request.unit else ''}已签收")
    db.flush()
    return request


def return_to_centre(
    db: Session,
    request: CitizenRequest,
    *,
    staff: StaffPrincipal,
    reason: str,
    version: int | None = None,
) -> CitizenRequest:
    """退回: not this unit's matter; back to the centre's triage queue with the reason."""
    _require_unit(staff, HANDLE_REQUESTS, request)
    _check_version(request, version)
    _require_state(request, (Status.dispatched, Status.in_progress), "退回")
    reason = reason.strip()
    if len(reason) < 4:
        raise InvalidInput({"reason": "请写明退回的理由（至少 4 个字），派单中心据此改派"})
    unit_name = request.unit.name if request.unit else ""
    centre = routing.dispatch_centre(db)
    request.status = Status.triage
    request.unit_id = centre.id if centre else None
    request.unit = centre
    request.accepted_at = None
    _event(request, "returned", staff, f"{unit_name}退回：{reason}", public=False)
    db.flush()
    return request


def split(
    db: Session,
    request: CitizenRequest,
    *,
    staff: StaffPrincipal,
    lead_unit_id: int,
    co_units: Sequence[tuple[int, str]],
    version: int | None = None,
) -> CitizenRequest:
    """拆分: one lead unit answers the resident; co-units each do their part and report to it."""
    _require(staff, DISPATCH_REQUESTS)
    _check_version(request, version)
    _require_state(request, OPEN, "拆分")
    co_ids = [unit_id for unit_id, _ in co_units]
    if not co_ids:
        raise InvalidInput({"co_units": "请至少选择一个协办单位"})
    if lead_unit_id in co_ids or len(set(co_ids)) != len(co_ids):
        raise InvalidInput({"co_units": "协办单位不能重复，也不能与主办单位相同"})
    units = [_active_unit(db, unit_id) for unit_id in co_ids]
    if lead_unit_id != request.unit_id or request.status == Status.triage:
        dispatch(db, request, staff=staff, unit_id=lead_unit_id)
    existing = {c.unit_id for c in request.co_units}
    for unit, (_, task) in zip(units, co_units, strict=True):
        if unit.id not in existing:
            request.co_units.append(RequestCoUnit(unit_id=unit.id, unit=unit, task=task.strip()))
    names = "、".join(u.name for u in units)
    lead = request.unit.name if request.unit else ""
    _event(request, "split", staff, f"主办：{lead}；协办：{names}")
    db.flush()
    return request


def finish_part(
    db: Session, request: CitizenRequest, *, staff: StaffPrincipal, unit_id: int, text: str
) -> RequestCoUnit:
    """A co-unit reports its part done to the lead unit."""
    part = next((c for c in request.co_units if c.unit_id == unit_id), None)
    if part is None or not staff.can(HANDLE_REQUESTS, part.unit.path):
        raise Forbidden("您的单位不是这件诉求的协办单位。")
    if part.done_at is not None:
        raise Conflict("协办部分已经报告完成。", code="wrong_state")
    if len(text.strip()) < 2:
        raise InvalidInput({"text": "请写明协办情况"})
    part.done_at = utcnow()
    _event(
        request,
        "co_done",
        staff,
        f"{part.unit.name}协办完成：{text.strip()}",
        public=False,
        unit_id=part.unit_id,
    )
    db.flush()
    return part


def merge(
    db: Session,
    duplicate: CitizenRequest,
    *,
    into: CitizenRequest,
    staff: StaffPrincipal,
    version: int | None = None,
) -> CitizenRequest:
    """合并: a duplicate joins an earlier request; both reporters follow the earlier one."""
    _require(staff, DISPATCH_REQUESTS)
    _check_version(duplicate, version)
    _require_state(duplicate, OPEN, "合并")
    while into.merged_into is not None:
        into = into.merged_into
    if into.id == duplicate.id:
        raise InvalidInput({"into": "不能合并到它自己"})
    if into.received_at > duplicate.received_at:
        raise InvalidInput({"into": "请合并到更早受理的那件诉求"})
    duplicate.status = Status.merged
    duplicate.outcome = Outcome.merged
    duplicate.merged_into_id = into.id
    duplicate.merged_into = into
    duplicate.closed_at = utcnow()
    _event(duplicate, "merged", staff, f"与 {into.tracking_number} 反映的是同一件事，合并办理")
    _event(into, "merged_in", staff, f"并入了重复反映的 {duplicate.tracking_number}", public=False)
    _tell_reporter(
        db,
        duplicate,
        f"您反映的问题（{duplicate.tracking_number}）与 {into.tracking_number} 相同，"
        "已合并办理，原链接可继续查看进度。",
        "request_merged",
    )
    db.flush()
    return duplicate


def record_action(
    db: Session,
    request: CitizenRequest,
    *,
    staff: StaffPrincipal,
    text: str,
    version: int | None = None,
) -> RequestEvent:
    """A note of what was done (site visit, call made): staff only, on the timeline."""
    unit_id = _handler_or_co_unit(staff, request)
    _check_version(request, version)
    _require_state(request, (Status.in_progress,), "记录办理情况")
    if len(text.strip()) < 2:
        raise InvalidInput({"text": "请写明办理情况"})
    event = _event(request, "action", staff, text.strip(), public=False, unit_id=unit_id)
    db.flush()
    return event


def _handler_or_co_unit(staff: StaffPrincipal, request: CitizenRequest) -> int:
    """The unit the person acts for: the lead unit, else the co-unit they work in."""
    if request.unit is not None and staff.can(HANDLE_REQUESTS, request.unit.path):
        return request.unit.id
    for part in request.co_units:
        if staff.can(HANDLE_REQUESTS, part.unit.path):
            return part.unit_id
    raise Forbidden("这件诉求不在您的单位，您不能办理。")


def reply(
    db: Session,
    request: CitizenRequest,
    *,
    staff: StaffPrincipal,
    text: str,
    photos: Sequence[CleanPhoto] = (),
    version: int | None = None,
) -> RequestEvent:
    """答复: what the resident reads on their follow page (and by SMS), with photos."""
    _require_unit(staff, HANDLE_REQUESTS, request)
    _check_version(request, version)
    _require_state(request, (Status.in_progress,), "答复")
    if len(text.strip()) < 4:
        raise InvalidInput({"text": "请写下给群众的答复（至少 4 个字）"})
    event = _event(request, "reply", staff, text.strip())
    attach_photos(request, photos, event)
    _tell_reporter(
        db, request, f"您反映的问题（{request.tracking_number}）有了新的答复，请查看。", "reply"
    )
    db.flush()
    return event


def close(
    db: Session,
    request: CitizenRequest,
    *,
    staff: StaffPrincipal,
    outcome: Outcome,
    text: str,
    version: int | None = None,
) -> CitizenRequest:
    """办结: the final answer to the resident, who is then asked to rate it."""
    _require_unit(staff, HANDLE_REQUESTS, request)
    _check_version(request, version)
    _require_state(request, (Status.in_progress,), "办结")
    errors: dict[str, str] = {}
    if outcome not in CLOSING_OUTCOMES:
        errors["outcome"] = "请选择办理结果"
    if len(text.strip()) < 4:
        errors["text"] = "请写下办结答复（至少 4 个字），群众会看到它"
    if errors:
        raise InvalidInput(errors)
    request.status = Status.closed
    request.outcome = outcome
    request.closed_at = utcnow()
    _event(request, "closed", staff, f"{OUTCOME_LABELS[outcome]}：{text.strip()}")
    _tell_reporter(
        db,
        request,
        f"您反映的问题（{request.tracking_number}）已办结：{text.strip()[:60]}。"
        "问题解决了吗？您满意吗？请打开受理短信中的链接评价，或直接" + RATING_INVITE,
        "rating_invite",
    )
    db.flush()
    return request


def reopen(db: Session, request: CitizenRequest, *, why: str) -> CitizenRequest:
    """重办: back to the same unit with a fresh resolution limit, flagged for the supervisor."""
    now = utcnow()
    request.status = Status.in_progress if request.unit is not None else Status.triage
    request.reopen_count += 1
    request.outcome = None
    request.closed_at = None
    request.accepted_at = request.accepted_at or now
    request.resolve_due_at = _limits(db, request).resolve_due(now)
    request.due_colour = DueColour.none
    request.flagged = True
    _event(request, "reopened", None, f"第 {request.reopen_count} 次重办：{why}", label="群众评价")
    db.flush()
    return request
