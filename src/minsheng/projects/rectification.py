"""整改: the units named in a published circular answer it, item by item, by the deadline.

Only the lead unit answers (REPORT_PROGRESS in that unit, service.require_unit); an answer is
filed once and dated, and one dated after the deadline is flagged late. Supervisors see, per
circular, who has answered and who has not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minsheng.accounts.models import RoleAssignment, StaffUser
from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.tree import ancestor_ids
from minsheng.core.workdays import default_calendar
from minsheng.notify import service as notify
from minsheng.org.models import Unit
from minsheng.projects.models import Project
from minsheng.projects.models_review import Circular, CircularItem, CircularStatus
from minsheng.projects.permissions import REPORT_PROGRESS
from minsheng.projects.schemas_circulars import RectificationAnswer
from minsheng.projects.service import record_event, require_unit

WAITING, OVERDUE, ANSWERED, ANSWERED_LATE = "waiting", "overdue", "answered", "answered_late"
ANSWER_LABELS = {
    WAITING: "待答复",
    OVERDUE: "逾期未答复",
    ANSWERED: "已答复",
    ANSWERED_LATE: "逾期答复",
}


def answered_on(item: CircularItem) -> dt.date | None:
    if item.answered_at is None:
        return None
    return default_calendar().local_day(item.answered_at)


def answer_status(item: CircularItem, on: dt.date) -> str:
    """Answered (on time or late), or not yet: waiting until the deadline, overdue after it."""
    day = answered_on(item)
    if day is not None:
        return ANSWERED_LATE if day > item.deadline else ANSWERED
    return OVERDUE if on > item.deadline else WAITING


def answer(
    db: Session,
    *,
    item: CircularItem,
    data: RectificationAnswer,
    staff: StaffPrincipal,
    now: dt.datetime | None = None,
) -> CircularItem:
    """Files the lead unit's answer to one item of a published circular; once."""
    circular = item.circular
    if circular.status == CircularStatus.superseded:
        raise Conflict("这份通报已被更正，请对更正后的通报答复。", code="circular_superseded")
    if circular.status != CircularStatus.published:
        raise NotFound("这份通报还没有发布。")
    require_unit(staff, REPORT_PROGRESS, item.project)
    if item.answered_at is not None:
        raise Conflict("这个项目的整改情况已经提交过了，不能重复提交。", code="already_answered")
    now = now or utcnow()
    item.answer = data.answer
    item.answered_at = now
    item.answered_by_id = staff.user_id
    late = default_calendar().local_day(now) > item.deadline
    text = f"牵头单位就《{circular.title}》（{circular.number}）报送了整改情况"
    record_event(
        db,
        item.project,
        "rectification",
        text + ("（逾期报送）。" if late else "。"),
        actor_label=item.project.lead_unit.name,
    )
    db.flush()
    return item


def items_for_unit(db: Session, *, staff: StaffPrincipal) -> list[CircularItem]:
    """Items of published circulars naming projects that `staff`'s units lead, newest first."""
    paths = staff.units_for(REPORT_PROGRESS)
    if not paths:
        return []
    query = (
        select(CircularItem)
        .join(Circular, Circular.id == CircularItem.circular_id)
        .join(Project, Project.id == CircularItem.project_id)
        .join(Unit, Unit.id == Project.lead_unit_id)
        .where(
            Circular.status == CircularStatus.published,
            or_(*(Unit.path.startswith(path) for path in paths)),
        )
        .order_by(CircularItem.answered_at.is_not(None), CircularItem.deadline, CircularItem.id)
    )
    return list(db.scalars(query))


def tally(circular: Circular, on: dt.date) -> dict[str, int]:
    """How many items stand in each answer status."""
    counts = dict.fromkeys(ANSWER_LABELS, 0)
    for item in circular.items:
        counts[answer_status(item, on)] += 1
    return counts


def carry_answers(old: Circular, new: Circular) -> None:
    """Answers filed on a circular while its correction was being drafted move to the correction."""
    by_project = {item.project_id: item for item in old.items}
    for item in new.items:
        before = by_project.get(item.project_id)
        if before is not None and item.answered_at is None and before.answered_at is not None:
            item.answer = before.answer
            item.answered_at = before.answered_at
            item.answered_by_id = before.answered_by_id


def _handler_phones(db: Session, unit: Unit) -> list[str]:
    """Phones of active handlers who can answer for the unit: held there or above it."""
    query = (
        select(StaffUser.phone)
        .join(RoleAssignment, RoleAssignment.user_id == StaffUser.id)
        .where(
            RoleAssignment.unit_id.in_(ancestor_ids(unit.path)),
            RoleAssignment.role == "handler",
            StaffUser.active.is_(True),
            StaffUser.phone != "",
        )
        .distinct()
    )
    return list(db.scalars(query))


def tell_units(db: Session, circular: Circular) -> int:
    """One SMS per handler of each named lead unit, listing its projects; returns how many."""
    by_unit: dict[int, list[CircularItem]] = defaultdict(list)
    for item in circular.items:
        by_unit[item.project.lead_unit_id].append(item)
    sent = 0
    for items in by_unit.values():
        unit = items[0].project.lead_unit
        titles = "、".join(f"“{item.project.title}”" for item in items[:3])
        more = f"等{len(items)}个项目" if len(items) > 3 else ""
        deadline = min(item.deadline for item in items)
        body = (
            f"【民生】《{circular.title}》（{circular.number}）通报了贵单位牵头的{titles}{more}，"
            f"请于{deadline.month}月{deadline.day}日前登录民生平台报送整改情况。"
        )
        for phone in _handler_phones(db, unit):
            notify.queue_sms(db, to=phone, body=body, purpose="project_circular")
            sent += 1
    return sent
