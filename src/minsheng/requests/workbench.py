"""What the staff workbench reads: its filters from a query string, how near each request is
to its limit, and the counts above the list. No HTTP; reads only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from minsheng.core.permissions import StaffPrincipal
from minsheng.requests import queries
from minsheng.requests.models import (
    Channel,
    CitizenRequest,
    DueColour,
    Extension,
    ExtensionStatus,
    Status,
)
from minsheng.requests.queries import RequestFilters

OPEN = (Status.triage, Status.dispatched, Status.in_progress)
PAGE_SIZE = 50
# Query-string names, in the order the filter form shows them.
FILTER_FIELDS = (
    "q",
    "status",
    "due",
    "category",
    "channel",
    "town",
    "unit",
    "from",
    "to",
    "flagged",
)


def due_of(request: CitizenRequest, now: dt.datetime) -> DueColour | None:
    """How near an open request is to its resolution limit; None once it is closed or merged.

    Past the limit counts as overdue at once, without waiting for the periodic sweep."""
    if not request.is_open:
        return None
    if request.resolve_due_at <= now or request.due_colour == DueColour.red:
        return DueColour.red
    return request.due_colour


def _date(text: str) -> dt.date:
    day = dt.date.fromisoformat(text)
    if not 1990 <= day.year <= 2100:  # year 1 cannot even move to UTC
        raise ValueError(text)
    return day


def _id(text: str) -> int:
    number = int(text)
    if not 0 < number < 2**31:
        raise ValueError(text)
    return number


def filters_from(
    params: Mapping[str, str],
) -> tuple[RequestFilters, dict[str, str], dict[str, str]]:
    """The filters a query string asks for, the values to show again, and a message for
    each value that cannot be used (that filter is then left out)."""
    values = {name: str(params.get(name, "")).strip()[:100] for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    found: dict[str, Any] = {}

    def read(name: str, key: str, convert: Any, message: str) -> None:
        if not values[name]:
            return
        try:
            found[key] = convert(values[name])
        except (ValueError, OverflowError):
            errors[name] = message

    read("status", "status", Status, "请从列表中选择办理状态")
    read("due", "due_colour", DueColour, "请从列表中选择超期情况")
    read("channel", "channel", Channel, "请从列表中选择渠道")
    read("unit", "unit_id", _id, "请从列表中选择承办单位")
    read("from", "received_from", _date, "请填写日期，例如 2026-11-01")
    read("to", "received_to", _date, "请填写日期，例如 2026-11-30")
    start, end = found.get("received_from"), found.get("received_to")
    if start and end and start > end:
        errors["to"] = "结束日期不能早于开始日期"
        del found["received_to"]
    if values["category"]:
        found["category"] = values["category"]
    if values["town"]:
        found["town"] = values["town"]
    if values["q"]:
        found["q"] = values["q"]
    if values["flagged"] == "1":
        found["flagged"] = True
    return RequestFilters(**found), values, errors


def query_string(values: Mapping[str, str], **changes: str) -> str:
    """The filters as a query string (empty ones left out), with some changed."""
    merged = {**{k: values.get(k, "") for k in FILTER_FIELDS}, **changes}
    return urlencode({k: v for k, v in merged.items() if v})


def counts_by_due(
    db: Session, *, staff: StaffPrincipal, filters: RequestFilters
) -> dict[DueColour, int]:
    """How many open requests match in each due colour, under every filter but the colour."""
    counts: dict[DueColour, int] = {}
    for colour in DueColour:
        narrowed = dataclasses.replace(filters, due_colour=colour)
        by_status = queries.counts_by_status(db, staff=staff, filters=narrowed)
        wanted = OPEN if filters.status is None else [s for s in OPEN if s == filters.status]
        counts[colour] = sum(by_status[s] for s in wanted)
    return counts


def extensions_of(db: Session, request: CitizenRequest) -> list[Extension]:
    return list(
        db.scalars(
            select(Extension).where(Extension.request_id == request.id).order_by(Extension.id)
        )
    )


def merged_here(db: Session, request: CitizenRequest) -> list[CitizenRequest]:
    """The duplicates merged into this request."""
    return list(
        db.scalars(
            select(CitizenRequest)
            .where(CitizenRequest.merged_into_id == request.id)
            .order_by(CitizenRequest.received_at)
        )
    )


# Supervision: what needs a supervisor's eye, among the requests they may see.

LIST_LIMIT = 100
_LOADED = (
    selectinload(CitizenRequest.category),
    selectinload(CitizenRequest.unit),
    selectinload(CitizenRequest.town),
)


def _listed(db: Session, stmt: Select[CitizenRequest]) -> tuple[list[CitizenRequest], int]:
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(db.scalars(stmt.options(*_LOADED).limit(LIST_LIMIT))), int(total)


def overdue(
    db: Session, *, staff: StaffPrincipal, now: dt.datetime
) -> tuple[list[CitizenRequest], int]:
    """Open requests past their resolution limit, the longest overdue first."""
    late = or_(CitizenRequest.resolve_due_at <= now, CitizenRequest.due_colour == DueColour.red)
    stmt = (
        select(CitizenRequest)
        .where(queries.visible_to(staff), CitizenRequest.status.in_(OPEN), late)
        .order_by(CitizenRequest.resolve_due_at, CitizenRequest.id)
    )
    return _listed(db, stmt)


def escalated(db: Session, *, staff: StaffPrincipal) -> tuple[list[CitizenRequest], int]:
    """Open requests the sweep escalated (督办), the earliest escalated first."""
    stmt = (
        select(CitizenRequest)
        .where(
            queries.visible_to(staff),
            CitizenRequest.status.in_(OPEN),
            CitizenRequest.escalated_at.is_not(None),
        )
        .order_by(CitizenRequest.escalated_at, CitizenRequest.id)
    )
    return _listed(db, stmt)


def reopened(db: Session, *, staff: StaffPrincipal) -> tuple[list[CitizenRequest], int]:
    """Requests being handled again after a poor rating, and any flagged for the supervisor."""
    again = and_(CitizenRequest.reopen_count > 0, CitizenRequest.status.in_(OPEN))
    stmt = (
        select(CitizenRequest)
        .where(queries.visible_to(staff), or_(again, CitizenRequest.flagged.is_(True)))
        .order_by(CitizenRequest.received_at.desc(), CitizenRequest.id.desc())
    )
    return _listed(db, stmt)


def pending_extensions(db: Session, *, staff: StaffPrincipal) -> list[Extension]:
    """Extension requests waiting for a decision, the oldest first."""
    stmt = (
        select(Extension)
        .join(CitizenRequest, CitizenRequest.id == Extension.request_id)
        .where(Extension.status == ExtensionStatus.pending, queries.visible_to(staff))
        .options(selectinload(Extension.request).selectinload(CitizenRequest.unit))
        .order_by(Extension.requested_at, Extension.id)
    )
    return list(db.scalars(stmt))
