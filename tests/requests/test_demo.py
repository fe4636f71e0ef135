"""The demo year: a year of requests replayed through the real services, loaded once, and the
three rates counted again here from the raw rows and timeline events."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from minsheng.accounts import service as accounts
from minsheng.core.jobs import DeferredJob
from minsheng.core.settings import get_settings
from minsheng.feedback.models import Rating, Satisfaction
from minsheng.feedback.rates import rates
from minsheng.notify.models import MessageStatus, OutboundMessage
from minsheng.org import service as org
from minsheng.org.demo import TOWNS
from minsheng.requests import demo, service
from minsheng.requests.models import (
    Channel,
    CitizenRequest,
    DueColour,
    Extension,
    ExtensionStatus,
    Outcome,
    Priority,
    RequestEvent,
    Status,
)
from minsheng.routing.models import Category
from tests.requests import load_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed "today" (a Friday morning), so that the year is the same whenever the test runs.
NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=SHANGHAI).astimezone(dt.UTC)
COUNT = 400
FAKE_PHONE = re.compile(r"^1(380|390|500|770|880)000\d{4}$")


@pytest.fixture
def year(db: Session) -> int:
    """Kunshan's places, units, categories and accounts, then the demo year up to NOW."""
    load_demo(db)
    loaded = demo.load_year(db, lambda _step: None, count=COUNT, now=NOW)
    db.commit()
    return loaded


def _requests(db: Session) -> list[CitizenRequest]:
    query = select(CitizenRequest).options(selectinload(CitizenRequest.events))
    return list(db.scalars(query.order_by(CitizenRequest.id)))


def test_demo_loads_nothing_when_the_setting_says_none(db):
    load_demo(db)
    assert get_settings().demo_requests == 0  # tests/conftest.py
    demo.load_demo(db, lambda _step: None)
    assert db.scalar(select(func.count()).select_from(CitizenRequest)) == 0


def test_demo_year_covers_every_channel_town_category_and_state_and_loads_once(db, year):
    requests = _requests(db)
    assert len(requests) == year >= COUNT * 0.95

    received = [r.received_at for r in requests]
    assert min(received) >= NOW - dt.timedelta(days=367) and max(received) <= NOW
    assert max(received) >= NOW - dt.timedelta(hours=1)  # the year ends today
    # Open311 requests come only from integrations, which the demo has none of.
    assert {r.channel for r in requests} == set(Channel) - {Channel.open311}
    towns = {r.town.name for r in requests if r.town}
    assert towns == {name for _code, name, _level in TOWNS}
    categories = list(db.scalars(select(Category)))
    parents = {c.parent_id for c in categories}
    leaves = {c.code for c in categories if c.id not in parents}
    assert leaves <= {r.category.code for r in requests}
    assert {r.status for r in requests} == set(Status)
    assert {r.outcome for r in requests if r.status == Status.closed} == {
        Outcome.resolved,
        Outcome.explained,
        Outcome.not_ours,
    }
    assert {r.priority for r in requests} == set(Priority)

    merged = [r for r in requests if r.status == Status.merged]
    assert all(r.outcome == Outcome.merged and r.merged_into is not None for r in merged)
    assert all(r.merged_into and r.merged_into.received_at <= r.received_at for r in merged)
    kinds = {e.kind for r in requests for e in r.events}
    for kind in (
        "returned",
        "reassigned",
        "split",
        "co_done",
        "merged",
        "merged_in",
        "action",
        "reply",
        "extension_asked",
        "extension_approved",
        "extension_refused",
        "rated",
        "reopened",
        "due_soon",
        "overdue",
        "escalated",
    ):
        assert kind in kinds, kind
    assert any(r.co_units and all(c.done_at for c in r.co_units) for r in requests)
    decided = {e.status for e in db.scalars(select(Extension))}
    assert {ExtensionStatus.approved, ExtensionStatus.refused} <= decided

    # Reporters: made-up phone numbers only, some confidential (and so never public).
    phones = [r.contact_phone for r in requests if r.contact_phone]
    assert phones and all(FAKE_PHONE.match(p) for p in phones)
    user = accounts.get_user_by_username(db, username="supervisor")
    assert user is not None
    supervisor = accounts.principal(db, user=user)
    shown = service.staff_view(next(r for r in requests if r.contact_phone), staff=supervisor)
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", shown.contact_phone)
    confidential = [r for r in requests if r.confidential]
    assert confidential and not any(r.public for r in confidential)
    staff_entered = {r.channel for r in requests if r.entered_by_id is not None}
    assert staff_entered == {
        Channel.hotline,
        Channel.window,
        Channel.reception_day,
        Channel.inspection,
    }
    assert all(r.reception_day_id for r in requests if r.channel == Channel.reception_day)
    assert all(r.qr_box_id for r in requests if r.channel == Channel.qr_box)
    assert all(r.estate_id and r.building for r in requests if r.channel == Channel.property_repair)

    # Ratings of every kind; poor ones reopened the request, which was then closed again.
    ratings = list(db.scalars(select(Rating)))
    assert {r.satisfaction for r in ratings} == set(Satisfaction)
    reopened = [r for r in requests if r.reopen_count]
    assert reopened and any(r.status == Status.closed for r in reopened)
    assert all(r.flagged for r in reopened)

    # Open at the end: some past their limit (red), some close to it (yellow).
    still_open = [r for r in requests if r.is_open]
    assert any(r.resolve_due_at < NOW and r.due_colour == DueColour.red for r in still_open)
    assert any(r.due_colour == DueColour.yellow for r in still_open)

    # Timelines happened in the past, in order, starting when the request came in.
    for request in requests:
        times = [e.at for e in request.events]
        assert times == sorted(times), request.tracking_number
        assert request.events[0].kind == "submitted"
        assert times[0] == request.received_at and times[-1] <= NOW
        assert request.tracking_number.startswith(
            f"KS{request.received_at.astimezone(SHANGHAI):%Y%m%d}-"
        )

    # The past's text messages count as sent then; nothing is queued to go out now.
    messages = list(db.scalars(select(OutboundMessage)))
    assert messages and all(m.status == MessageStatus.sent for m in messages)
    assert all(m.sent_at == m.created_at <= NOW for m in messages)
    assert db.scalar(select(func.count()).select_from(DeferredJob)) == 0

    events = db.scalar(select(func.count()).select_from(RequestEvent))
    assert demo.load_year(db, lambda _step: None, count=COUNT, now=NOW) == 0
    assert db.scalar(select(func.count()).select_from(CitizenRequest)) == len(requests)
    assert db.scalar(select(func.count()).select_from(RequestEvent)) == events


@dataclass
class Counted:
    dispatched: int = 0
    in_time: int = 0
    rated: int = 0
    solved: int = 0
    satisfied: int = 0
    basic: int = 0
    open_overdue: int = 0


def _count_from_events(
    requests: list[CitizenRequest], month: str, by: str
) -> dict[int | None, Counted]:
    """The three rates' parts, from each request's timeline: the last time it was sent to a
    unit and the signing that followed, and the last rating's words."""
    year, number = map(int, month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=SHANGHAI)
    counted: dict[int | None, Counted] = defaultdict(Counted)
    for request in requests:
        if not start <= request.received_at < end or request.status == Status.merged:
            continue
        tally = counted[request.unit_id if by == "unit" else request.town_id]
        sent = [e for e in request.events if e.kind in ("dispatched", "reassigned")]
        if sent and request.status != Status.triage:
            signed = [e for e in request.events if e.kind == "accepted" and e.id > sent[-1].id]
            if signed:
                tally.dispatched += 1
                tally.in_time += signed[0].at <= request.response_due_at
            elif request.response_due_at < NOW:
                tally.dispatched += 1
        rated = [e for e in request.events if e.kind == "rated"]
        if rated:
            solved, mood = rated[-1].text.split("：", 1)[0].split("，")
            tally.rated += 1
            tally.solved += solved == "已解决"
            tally.satisfied += mood == "满意"
            tally.basic += mood == "基本满意"
        elif request.status != Status.closed and request.resolve_due_at < NOW:
            tally.open_overdue += 1
    return counted


def test_three_rates_match_the_demo_events(db, year):
    """A past month by unit, and the current month (with requests still open) by town."""
    requests = _requests(db)
    for month, by in (("2026-09", "unit"), ("2026-11", "town")):
        _check_rates(db, requests, month, by)


def _check_rates(db: Session, requests: list[CitizenRequest], month: str, by: str) -> None:
    counted = _count_from_events(requests, month, by)
    report = rates(db, month=month, by=by, now=NOW)
    settings = get_settings()
    rows = {row.key: row for row in report.rows}
    total = Counted()
    for tally in counted.values():
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
    for key, tally in [*counted.items(), ("all", total)]:
        if key == "all":
            row = report.city
        elif by == "unit":
            row = rows[str(key)]
        else:
            row = next(r for r in report.rows if _town_id(db, r.key) == key)
        judged = tally.rated + tally.open_overdue
        assert (row.response.numerator, row.response.denominator) == (
            tally.in_time,
            tally.dispatched,
        ), (month, row.name)
        assert (row.resolution.numerator, row.resolution.denominator) == (tally.solved, judged)
        weighted = tally.satisfied * settings.satisfied_weight + tally.basic * settings.basic_weight
        assert row.satisfaction.numerator == pytest.approx(weighted)
        assert row.satisfaction.denominator == judged
    assert len(report.rows) == len([k for k in counted if k is not None])
    # Figures worth comparing: some signed late, and some judged unsolved or dissatisfied.
    judged = total.rated + total.open_overdue
    assert total.dispatched > total.in_time > 0
    assert judged > total.solved > 0 and judged > total.satisfied + total.basic
    if month == "2026-11":
        assert total.open_overdue > 0


def _town_id(db: Session, key: str) -> int | None:
    region = org.find_region(db, key=key)
    return region.id if region else None
