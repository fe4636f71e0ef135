"""Extensions (延期): a unit asks for more working days, a supervisor over it decides.

Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.core.workdays import default_calendar
from minsheng.requests.flows import _event, _require_state, _require_unit
from minsheng.requests.models import (
    CitizenRequest,
    DueColour,
    Extension,
    ExtensionStatus,
    Status,
)
from minsheng.requests.permissions import HANDLE_REQUESTS, SUPERVISE_REQUESTS


def ask_extension(
    db: Session, request: CitizenRequest, *, staff: StaffPrincipal, days: int, reason: str
) -> Extension:
    """延期申请: more working days, for a supervisor to approve or refuse."""
    _require_unit(staff, HANDLE_REQUESTS, request)
    _require_state(request, (Status.in_progress,), "申请延期")
    errors: dict[str, str] = {}
    most = get_settings().max_extension_days
    if not 1 <= days <= most:
        errors["days"] = f"延期天数应在 1 到 {most} 个工作日之间"
    if len(reason.strip()) < 4:
        errors["reason"] = "请写明需要延期的理由（至少 4 个字）"
    if errors:
        raise InvalidInput(errors)
    pending = db.scalar(
        select(Extension).where(
            Extension.request_id == request.id, Extension.status == ExtensionStatus.pending
        )
    )
    if pending is not None:
        raise Conflict("已有一份延期申请在等待审批。", code="pending_extension")
    extension = Extension(
        request_id=request.id,
        request=request,
        days=days,
        reason=reason.strip(),
        requested_by_id=staff.user_id,
        due_before=request.resolve_due_at,
    )
    db.add(extension)
    _event(
        request,
        "extension_asked",
        staff,
        f"申请延期 {days} 个工作日：{reason.strip()}",
        public=False,
    )
    request.flagged = True
    db.flush()
    return extension


def decide_extension(
    db: Session, extension: Extension, *, staff: StaffPrincipal, approve: bool, note: str = ""
) -> Extension:
    """A supervisor's decision; approval moves the resolution date by working days."""
    _require_unit(staff, SUPERVISE_REQUESTS, extension.request)
    if extension.status != ExtensionStatus.pending:
        raise Conflict(f"这份延期申请已经{extension.status_label}。", code="decided")
    request = extension.request
    if not approve and len(note.strip()) < 2:
        raise InvalidInput({"note": "不同意时请写明理由"})
    extension.status = ExtensionStatus.approved if approve else ExtensionStatus.refused
    extension.decided_by_id = staff.user_id
    extension.decided_at = utcnow()
    extension.decision_note = note.strip()
    if approve:
        new_due = default_calendar().extend(request.resolve_due_at, days=extension.days)
        extension.due_after = new_due.astimezone(dt.UTC)
        request.resolve_due_at = extension.due_after
        request.due_colour = DueColour.none
        local = default_calendar().last_day(new_due)
        _event(
            request,
            "extension_approved",
            staff,
            f"同意延期 {extension.days} 个工作日，办结期限延至 {local:%Y年%m月%d日}",
        )
    else:
        _event(request, "extension_refused", staff, f"不同意延期：{note.strip()}", public=False)
    request.flagged = request.reopen_count > 0 or request.escalated_at is not None
    db.flush()
    return extension


def get_extension(db: Session, *, extension_id: int) -> Extension:
    extension = db.get(Extension, extension_id)
    if extension is None:
        raise NotFound("没有这份延期申请。")
    return extension
