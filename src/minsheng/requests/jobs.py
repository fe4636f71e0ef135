"""Due colours: yellow when most of the limit is used, red past it, and escalation after that.

Runs every five minutes; each change of colour is told once to the unit's handlers (and, when
red or escalated, to the supervisors over it) and written on the timeline for staff.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts.models import RoleAssignment, StaffUser
from minsheng.core.db import utcnow
from minsheng.core.jobs import job
from minsheng.core.settings import get_settings
from minsheng.core.tree import ancestor_ids
from minsheng.core.workdays import default_calendar
from minsheng.notify import service as notify
from minsheng.org.models import Unit
from minsheng.requests.models import CitizenRequest, DueColour, RequestEvent, Status

OPEN = (Status.triage, Status.dispatched, Status.in_progress)


def colour_of(request: CitizenRequest, now: dt.datetime) -> DueColour:
    """Red past the resolution limit; yellow once the share in the settings is used."""
    if now >= request.resolve_due_at:
        return DueColour.red
    used = default_calendar().fraction_used(request.received_at, request.resolve_due_at, now)
    return DueColour.yellow if used >= get_settings().due_soon_fraction else DueColour.none


def _phones(db: Session, unit: Unit | None, roles: set[str]) -> list[str]:
    """Phones of active staff holding `roles` in the unit or a unit above it."""
    if unit is None:
        return []
    query = (
        select(StaffUser.phone)
        .join(RoleAssignment, RoleAssignment.user_id == StaffUser.id)
        .where(
            RoleAssignment.unit_id.in_(ancestor_ids(unit.path)),
            RoleAssignment.role.in_(roles),
            StaffUser.active.is_(True),
            StaffUser.phone != "",
        )
        .distinct()
    )
    return list(db.scalars(query))


def _tell(db: Session, request: CitizenRequest, text: str, roles: set[str]) -> None:
    for phone in _phones(db, request.unit, roles):
        notify.queue_sms(db, to=phone, body=f"【民生】{text}", purpose="due_warning")


def sweep(db: Session, *, now: dt.datetime | None = None) -> int:
    """Updates every open request's colour; returns how many changed."""
    now = now or utcnow()
    calendar = default_calendar()
    escalate_after = get_settings().escalate_after_days
    changed = 0
    for request in db.scalars(select(CitizenRequest).where(CitizenRequest.status.in_(OPEN))):
        colour = colour_of(request, now)
        number = request.tracking_number
        if colour != request.due_colour:
            request.due_colour = colour
            changed += 1
            if colour == DueColour.yellow:
                text = f"诉求 {number} 即将到期，请抓紧办理。"
                _event(request, "due_soon", text)
                _tell(db, request, text, {"handler"})
            elif colour == DueColour.red:
                text = f"诉求 {number} 已超过办结时限，请尽快办理并说明情况。"
                _event(request, "overdue", text)
                _tell(db, request, text, {"handler", "supervisor"})
        late_days = calendar.working_days_between(request.resolve_due_at, now)
        if colour == DueColour.red and request.escalated_at is None and late_days >= escalate_after:
            request.escalated_at = now
            request.flagged = True
            text = f"诉求 {number} 超期 {late_days} 个工作日，已提请督办。"
            _event(request, "escalated", text)
            _tell(db, request, text, {"supervisor"})
            changed += 1
    db.flush()
    return changed


def _event(request: CitizenRequest, kind: str, text: str) -> None:
    request.events.append(
        RequestEvent(
            kind=kind, actor_label="系统", unit_id=request.unit_id, text=text, public=False
        )
    )


@job("requests.due_colours", schedule="*/5 * * * *")
def due_colours(db: Session) -> None:
    sweep(db)
