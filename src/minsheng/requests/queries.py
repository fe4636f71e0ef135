"""Finding requests for staff: the filters of the workbench and the API list, scoped to what the
person may see (the same rule as service.can_view, plus the units a split request is shared with).
No HTTP; reads only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from minsheng.core.db import utcnow
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.workdays import default_calendar
from minsheng.org.models import Region, Unit
from minsheng.requests.models import (
    Channel,
    CitizenRequest,
    DueColour,
    Extension,
    ExtensionStatus,
    RequestCoUnit,
    Status,
)
from minsheng.requests.permissions import SUPERVISE_REQUESTS, VIEW_ALL_REQUESTS, VIEW_REQUESTS
from minsheng.routing.models import Category

OPEN_STATUSES = (Status.triage, Status.dispatched, Status.in_progress)


@dataclass(frozen=True)
class RequestFilters:
    """What a staff list is narrowed to; a field left as None (or "") does not narrow it.

    `category` is a category code and takes its subcategories too; `town` is a town's division
    code; `unit_id` is the unit holding the request (lead unit); dates are local days, inclusive;
    `q` looks in the tracking number, title, description and address.
    """

    status: Status | None = None
    due_colour: DueColour | None = None
    category: str | None = None
    channel: Channel | None = None
    town: str | None = None
    unit_id: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    flagged: bool | None = None
    q: str | None = None


def visible_to(staff: StaffPrincipal) -> ColumnElement[bool]:
    """The requests `staff` may see: all for city-wide roles; else those whose unit or a
    co-unit sits within a unit where they hold VIEW_REQUESTS."""
    if staff.can(VIEW_ALL_REQUESTS):
        return true()
    paths = staff.units_for(VIEW_REQUESTS)
    if not paths:
        return false()
    under = or_(*(Unit.path.startswith(p, autoescape=True) for p in paths))
    held = CitizenRequest.unit_id.in_(select(Unit.id).where(under))
    shared = CitizenRequest.id.in_(
        select(RequestCoUnit.request_id).join(Unit, Unit.id == RequestCoUnit.unit_id).where(under)
    )
    return or_(held, shared)


def _local_start(day: dt.date) -> dt.datetime:
    tz = default_calendar().tz
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz).astimezone(dt.UTC)


def _narrowed(stmt: Select, filters: RequestFilters, *, with_status: bool = True) -> Select:
    f = filters
    if with_status and f.status is not None:
        stmt = stmt.where(CitizenRequest.status == f.status)
    if f.due_colour is not None:
        # Colours are about open requests; red is read off the deadline itself, so a request is
        # overdue the moment it passes, not only once the five-minute sweep has seen it.
        now = utcnow()
        stmt = stmt.where(CitizenRequest.status.in_(OPEN_STATUSES))
        if f.due_colour == DueColour.red:
            stmt = stmt.where(CitizenRequest.resolve_due_at <= now)
        else:
            stmt = stmt.where(
                CitizenRequest.due_colour == f.due_colour, CitizenRequest.resolve_due_at > now
            )
    if f.category:
        # The chosen category and everything filed under it.
        path = select(Category.path).where(Category.code == f.category).scalar_subquery()
        ids = select(Category.id).where(Category.path.startswith(path))
        stmt = stmt.where(CitizenRequest.category_id.in_(ids))
    if f.channel is not None:
        stmt = stmt.where(CitizenRequest.channel == f.channel)
    if f.town:
        # A division code, or the id of a town that has none (昆山高新区).
        town = Region.code == f.town
        if f.town.isdigit() and len(f.town) < 9:
            town = or_(town, Region.id == int(f.town))
        stmt = stmt.where(CitizenRequest.town_id.in_(select(Region.id).where(town)))
    if f.unit_id is not None:
        stmt = stmt.where(CitizenRequest.unit_id == f.unit_id)
    if f.received_from is not None:
        stmt = stmt.where(CitizenRequest.received_at >= _local_start(f.received_from))
    if f.received_to is not None:
        end = _local_start(f.received_to + dt.timedelta(days=1))
        stmt = stmt.where(CitizenRequest.received_at < end)
    if f.flagged is not None:
        stmt = stmt.where(CitizenRequest.flagged == f.flagged)
    if f.q and f.q.strip():
        needle = f.q.strip()
        stmt = stmt.where(
            or_(
                CitizenRequest.tracking_number.icontains(needle, autoescape=True),
                CitizenRequest.title.icontains(needle, autoescape=True),
                CitizenRequest.description.icontains(needle, autoescape=True),
                CitizenRequest.address.icontains(needle, autoescape=True),
            )
        )
    return stmt


def search(
    db: Session,
    *,
    staff: StaffPrincipal,
    filters: RequestFilters,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CitizenRequest], int]:
    """The page of requests `staff` may see that match `filters`, newest first, and the total.

    The requests come with category, unit, town, community, co-units and events loaded, so
    service.staff_view needs no further queries.
    """
    base = _narrowed(select(CitizenRequest).where(visible_to(staff)), filters)
    total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = (
        base.options(
            selectinload(CitizenRequest.category),
            selectinload(CitizenRequest.unit),
            selectinload(CitizenRequest.town),
            selectinload(CitizenRequest.region),
            selectinload(CitizenRequest.co_units).selectinload(RequestCoUnit.unit),
            selectinload(CitizenRequest.events),
        )
        .order_by(CitizenRequest.received_at.desc(), CitizenRequest.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.scalars(page)), int(total)


def counts_by_status(
    db: Session, *, staff: StaffPrincipal, filters: RequestFilters
) -> dict[Status, int]:
    """How many requests `staff` may see in each status, under every filter except the status
    itself (for the workbench's tabs); every status is present, zero when none."""
    stmt = _narrowed(
        select(CitizenRequest.status, func.count()).where(visible_to(staff)),
        filters,
        with_status=False,
    ).group_by(CitizenRequest.status)
    counts = {status: 0 for status in Status}
    for status, n in db.execute(stmt):
        counts[Status(status)] = int(n)
    return counts


def extensions(db: Session, *, staff: StaffPrincipal, status: ExtensionStatus) -> list[Extension]:
    """Extensions in `status` on requests held by units `staff` supervises, oldest first."""
    paths = staff.units_for(SUPERVISE_REQUESTS)
    if not paths:
        return []
    under = or_(*(Unit.path.startswith(p, autoescape=True) for p in paths))
    stmt = (
        select(Extension)
        .join(CitizenRequest, CitizenRequest.id == Extension.request_id)
        .join(Unit, Unit.id == CitizenRequest.unit_id)
        .where(Extension.status == status, under)
        .options(selectinload(Extension.request).selectinload(CitizenRequest.unit))
        .order_by(Extension.requested_at, Extension.id)
    )
    return list(db.scalars(stmt))
