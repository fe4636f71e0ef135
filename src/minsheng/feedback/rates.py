"""The three rates (三率) per unit or town for a month, and for the whole city.

A request belongs to the month it was received in (local time) and to the unit that has it now.
- Response rate 响应率 = accepted within the response limit ÷ dispatched to a unit. Requests not
  yet accepted count against the unit once their response limit has passed, and are left out
  until then.
- Resolution rate 解决率 = rated "solved" ÷ (rated + open past the resolution limit).
- Satisfaction rate 满意率 = (满意 × w1 + 基本满意 × w2) ÷ (rated + open past the limit);
  w1 and w2 are the settings MINSHENG_SATISFIED_WEIGHT and MINSHENG_BASIC_WEIGHT.
The latest round's rating counts: a reopened request is judged on how it finally ended.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import InvalidInput
from minsheng.core.settings import get_settings
from minsheng.feedback.models import Rating, Satisfaction
from minsheng.feedback.schemas import Rate, RatesReport, RatesRow
from minsheng.org.models import Region, Unit
from minsheng.requests.models import CitizenRequest, Status

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
BY = ("unit", "town")


@dataclass
class _Tally:
    requests: int = 0
    dispatched: int = 0
    responded_in_time: int = 0
    rated: int = 0
    solved: int = 0
    satisfied: int = 0
    basic: int = 0
    open_overdue: int = 0
    keys: set[int] = field(default_factory=set)

    def add(self, other: _Tally) -> None:
        for name in (
            "requests",
            "dispatched",
            "responded_in_time",
            "rated",
            "solved",
            "satisfied",
            "basic",
            "open_overdue",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def formulas() -> dict[str, str]:
    s = get_settings()
    return {
        "response": "按时签收数 ÷ 派单数（超过响应时限仍未签收的计入未按时）",
        "resolution": "评价“已解决”数 ÷（评价数 + 超期未办结数）",
        "satisfaction": f"（满意数 × {s.satisfied_weight:g} + 基本满意数 × {s.basic_weight:g}）"
        " ÷（评价数 + 超期未办结数）",
    }


def month_bounds(month: str, tz: str) -> tuple[dt.datetime, dt.datetime]:
    match = MONTH.match(month or "")
    if match is None:
        raise InvalidInput({"month": "月份格式应为 YYYY-MM，例如 2026-10"})
    year, number = int(match[1]), int(match[2])
    zone = ZoneInfo(tz)
    start = dt.datetime(year, number, 1, tzinfo=zone)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _tallies(
    db: Session, *, start: dt.datetime, end: dt.datetime, by: str, now: dt.datetime
) -> dict[int | None, _Tally]:
    latest_round = (
        select(Rating.request_id, func.max(Rating.round).label("round"))
        .group_by(Rating.request_id)
        .subquery()
    )
    latest = (
        select(Rating.request_id, Rating.resolved, Rating.satisfaction)
        .join(
            latest_round,
            (Rating.request_id == latest_round.c.request_id)
            & (Rating.round == latest_round.c.round),
        )
        .subquery()
    )
    group = CitizenRequest.unit_id if by == "unit" else CitizenRequest.town_id
    rows = db.execute(
        select(
            group,
            CitizenRequest.status,
            CitizenRequest.dispatched_at,
            CitizenRequest.accepted_at,
            CitizenRequest.response_due_at,
            CitizenRequest.resolve_due_at,
            latest.c.resolved,
            latest.c.satisfaction,
        )
        .outerjoin(latest, latest.c.request_id == CitizenRequest.id)
        .where(CitizenRequest.received_at >= start, CitizenRequest.received_at < end)
        .where(CitizenRequest.status != Status.merged)
    )
    tallies: dict[int | None, _Tally] = defaultdict(_Tally)
    for key, status, dispatched, accepted, response_due, resolve_due, solved, mood in rows:
        tally = tallies[key]
        tally.requests += 1
        if dispatched is not None and status != Status.triage:
            if accepted is not None:
                tally.dispatched += 1
                tally.responded_in_time += accepted <= response_due
            elif now > response_due:
                tally.dispatched += 1
        if solved is not None:
            tally.rated += 1
            tally.solved += bool(solved)
            tally.satisfied += mood == Satisfaction.satisfied
            tally.basic += mood == Satisfaction.basic
        elif status != Status.closed and now > resolve_due:
            tally.open_overdue += 1
    return tallies


def _rate(numerator: float, denominator: int, formula: str) -> Rate:
    value = round(numerator / denominator, 4) if denominator else None
    return Rate(
        value=value, numerator=round(numerator, 2), denominator=denominator, formula=formula
    )


def _row(key: str, name: str, tally: _Tally) -> RatesRow:
    s = get_settings()
    texts = formulas()
    judged = tally.rated + tally.open_overdue
    return RatesRow(
        key=key,
        name=name,
        requests=tally.requests,
        response=_rate(tally.responded_in_time, tally.dispatched, texts["response"]),
        resolution=_rate(tally.solved, judged, texts["resolution"]),
        satisfaction=_rate(
            tally.satisfied * s.satisfied_weight + tally.basic * s.basic_weight,
            judged,
            texts["satisfaction"],
        ),
    )


def _score(row: RatesRow) -> tuple[float, ...]:
    """Ranked by satisfaction, then resolution, then response; rows without figures last."""
    return tuple(
        -(r.value if r.value is not None else -1)
        for r in (row.satisfaction, row.resolution, row.response)
    )


def rates(
    db: Session, *, month: str, by: str = "unit", now: dt.datetime | None = None
) -> RatesReport:
    if by not in BY:
        raise InvalidInput({"by": "by 只能是 unit（按单位）或 town（按区镇）"})
    start, end = month_bounds(month, get_settings().timezone)
    tallies = _tallies(db, start=start, end=end, by=by, now=now or utcnow())
    city = _Tally()
    for tally in tallies.values():
        city.add(tally)
    ids = [k for k in tallies if k is not None]
    names: dict[int, tuple[str, str]] = {}
    if by == "unit":
        for unit in db.scalars(select(Unit).where(Unit.id.in_(ids))):
            names[unit.id] = (str(unit.id), unit.name)
    else:
        for region in db.scalars(select(Region).where(Region.id.in_(ids))):
            names[region.id] = (region.code or str(region.id), region.name)
    rows = [
        _row(*names[key], tally)
        for key, tally in tallies.items()
        if key is not None and key in names
    ]
    rows.sort(key=_score)
    for place, row in enumerate(rows, start=1):
        row.rank = place
    return RatesReport(month=month, by=by, rows=rows, city=_row("all", "全市", city))
