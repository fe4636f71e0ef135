"""A year of Kunshan requests ending today, replayed through the real services.

Every request is submitted, dispatched, accepted, answered, closed and rated by the same code
the pages and the API call, with the clock set back to when each step happened (clock_at), so
that the timelines, the time limits and the three rates are what that handling made of them.
The same day always gives the same year (a fixed seed). Running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.channels import service as channels
from minsheng.core.db import clock_at, utcnow
from minsheng.core.modules import import_jobs
from minsheng.core.permissions import Grant, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.notify.models import MessageStatus, OutboundMessage
from minsheng.org import service as org
from minsheng.org.demo import ZONE_OFFICES
from minsheng.org.models import Region, RegionLevel, Unit
from minsheng.requests import demo_answers as answers
from minsheng.requests import demo_texts as texts
from minsheng.requests import jobs, service
from minsheng.requests.demo_life import Life, life
from minsheng.requests.demo_plan import STAFF_CHANNELS, Places, Plan, fill, make_plans
from minsheng.requests.models import Channel, CitizenRequest
from minsheng.requests.schemas import RequestCreate
from minsheng.routing import service as routing

SEED = 2026
KEY_PREFIX = "demo-"  # the idempotency keys of the demo's requests: how a second run knows
# Addresses from the documentation range (RFC 5737): the web requests' "clients".
CLIENT_NET = "198.51.100."


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """The demo year, as many requests as MINSHENG_DEMO_REQUESTS says; once only."""
    load_year(db, progress, count=get_settings().demo_requests)


def load_year(
    db: Session,
    progress: Callable[[str], None],
    *,
    count: int,
    now: dt.datetime | None = None,
    seed: int = SEED,
) -> int:
    """Loads about `count` requests received in the year up to `now`; returns how many."""
    if count <= 0:
        return 0
    if db.scalar(
        select(CitizenRequest.id)
        .where(CitizenRequest.idempotency_key.startswith(KEY_PREFIX))
        .limit(1)
    ):
        progress("演示诉求已存在，跳过")
        return 0
    import_jobs()  # the services defer notification jobs by name
    now = now or utcnow()
    demo = Demo(db, now)
    progress("诉求：安排一年的群众诉求")
    plans = make_plans(demo.places(), count=count, now=now, tz=demo.tz, seed=seed)
    progress(f"诉求：按时间重放 {len(plans)} 件诉求的受理、派单、办理与评价")
    with _history(db):
        demo.replay(plans)
    return len(plans)


class _PastQueue:
    """Drops deferred jobs: what the replayed past queued was delivered back then."""

    def defer(self, db: Session, name: str, kwargs: dict[str, Any]) -> None:
        return None


@contextmanager
def _history(db: Session) -> Iterator[None]:
    """Runs the replay with the messages it queues marked sent when they were queued, so that
    a year of texts to made-up numbers is not sent again now."""
    before = db.scalar(select(func.max(OutboundMessage.id))) or 0
    saved = db.info.get("job_queue")
    db.info["job_queue"] = _PastQueue()
    try:
        yield
    finally:
        if saved is None:
            db.info.pop("job_queue", None)
        else:
            db.info["job_queue"] = saved
    db.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id > before, OutboundMessage.status == MessageStatus.queued)
        .values(status=MessageStatus.sent, sent_at=OutboundMessage.created_at)
    )


def _principal(db: Session, username: str) -> StaffPrincipal:
    user = accounts.get_user_by_username(db, username=username)
    if user is None:
        raise RuntimeError(f"演示账号 {username} 不存在：请先载入账号演示数据")
    return accounts.principal(db, user=user)


def _key(region: Region) -> str:
    return region.code or str(region.id)


class Demo:
    """The people, places and units the replay acts with, and the requests made so far."""

    def __init__(self, db: Session, now: dt.datetime) -> None:
        settings = get_settings()
        self.db = db
        self.now = now
        self.tz = ZoneInfo(settings.timezone)
        self.max_reopens = settings.max_reopens
        self.operator = _principal(db, "operator")
        self.supervisor = _principal(db, "supervisor")
        self.gridworker = _principal(db, "gridworker")
        # The one unit handler with a demo account signs for the housing bureau; extensions
        # are asked only there, since an extension records who asked.
        self.unit_handler = _principal(db, "handler")
        self.stand_in = _principal(db, "admin").user_id
        self.requests: dict[int, CitizenRequest] = {}
        self._handlers: dict[int, StaffPrincipal] = {}
        self._units: dict[str, Unit] = {}

    def places(self) -> Places:
        regions = org.list_regions(self.db, active_only=True)
        towns = {r.name: r for r in regions if r.level in (RegionLevel.town, RegionLevel.zone)}
        communities: dict[str, list[Region]] = {}
        for region in regions:
            if region.level in (RegionLevel.community, RegionLevel.village) and region.parent:
                communities.setdefault(region.parent.name, []).append(region)
        worker_unit = self.db.get(Unit, self.gridworker.grants[0].unit_id)
        community = worker_unit.region if worker_unit else None
        if community is not None and community.level in (RegionLevel.town, RegionLevel.zone):
            town, community = community, None
        else:
            town = community.parent if community and community.parent else towns["周市镇"]
        codes = {c.code for c in routing.list_categories(self.db, active_only=True)}
        return Places(
            towns=towns,
            communities=communities,
            inspection_town=town,
            inspection_community=community,
            boxes=[b for b in channels.list_boxes(self.db) if b.active],
            estates=channels.list_estates(self.db, active_only=True),
            reception_days=channels.list_reception_days(self.db),
            categories=codes,
        )

    def today_text(self) -> str:
        day = utcnow().astimezone(self.tz)
        return f"{day.month}月{day.day}日"

    def handler(self, unit: Unit | None) -> StaffPrincipal:
        """Someone who may handle the unit's requests: a demo account where there is one,
        else a stand-in named for the unit (flows keep no id but an extension's asker)."""
        assert unit is not None
        for account in (self.unit_handler, self.gridworker):
            if any(g.unit_id == unit.id for g in account.grants):
                return account
        if unit.id not in self._handlers:
            name = texts.SURNAMES[unit.id % len(texts.SURNAMES)]
            name += texts.GIVEN_NAMES[unit.id * 7 % len(texts.GIVEN_NAMES)]
            grant = Grant(role="handler", unit_id=unit.id, unit_path=unit.path, unit_name=unit.name)
            self._handlers[unit.id] = StaffPrincipal(
                self.stand_in, f"demo-{unit.id}", f"承办人 {name}", (grant,)
            )
        return self._handlers[unit.id]

    def may_extend(self, request: CitizenRequest) -> bool:
        return any(g.unit_id == request.unit_id for g in self.unit_handler.grants)

    def unit_for(self, target: str, plan: Plan) -> Unit:
        """A unit by name; "town" is the government of the request's town or zone."""
        name = target
        if target == "town":
            name = ZONE_OFFICES.get(plan.town.name, f"{plan.town.name}人民政府")
        if name not in self._units:
            unit = org.get_unit_by_name(self.db, name=name)
            if unit is None or not unit.active:
                unit = org.get_unit_by_name(self.db, name="昆山市人民政府")
            assert unit is not None, name
            self._units[name] = unit
        return self._units[name]

    def co_units(self, plan: Plan, request: CitizenRequest) -> list[tuple[int, str]]:
        chosen: dict[int, str] = {}
        for target, task in answers.SPLITS.get(plan.category, ()):
            unit = self.unit_for(target, plan)
            if unit.id != request.unit_id:
                chosen.setdefault(unit.id, task)
        return list(chosen.items())

    def submit(self, plan: Plan) -> CitizenRequest:
        """Receives the request as its channel would: staff channels by the operator (the
        inspection by the gridworker), the others as a resident."""
        story, slots = plan.story, plan.slots
        placed = plan.box is not None or plan.estate is not None
        staff = None
        if plan.channel == Channel.inspection:
            staff = self.gridworker
        elif plan.channel in STAFF_CHANNELS:
            staff = self.operator
        data = RequestCreate(
            category=plan.category,
            title=plan.title,
            description=(slots.get("opener", "") + fill(story.text, slots))[:4000],
            town=_key(plan.town),
            community=_key(plan.community) if plan.community else None,
            address="" if placed else fill(story.address, slots)[:200],
            channel=plan.channel,
            contact=plan.contact,
            confidential=plan.confidential,
            received_at=plan.received_at if staff else None,
            priority=plan.priority,
            box=plan.box.code if plan.box else None,
            estate=plan.estate.id if plan.estate else None,
            building=plan.building,
            reception_day=plan.reception_day.id if plan.reception_day else None,
        )
        request, _ = service.submit(
            self.db,
            data=data,
            staff=staff,
            client_addr=f"{CLIENT_NET}{plan.index % 254 + 1}",
            idempotency_key=f"{KEY_PREFIX}{plan.index:05d}",
        )
        self.requests[plan.index] = request
        return request

    def replay(self, plans: list[Plan]) -> None:
        """Resumes every life at the moment it asks for, in time order, up to now."""
        lives: list[Life] = [life(self, plan) for plan in plans]
        lives.append(self._sweeps(plans[0].received_at if plans else self.now))
        queue: list[tuple[dt.datetime, int, Life]] = []
        for seq, each in enumerate(lives):
            first = next(each, None)
            if first is not None:
                heapq.heappush(queue, (first, seq, each))
        while queue:
            moment, seq, each = heapq.heappop(queue)
            if moment > self.now:
                continue  # the future: not done yet
            with clock_at(moment):
                following = next(each, None)
            if following is not None:
                heapq.heappush(queue, (following, seq, each))
        with clock_at(self.now):
            jobs.sweep(self.db)

    def _sweeps(self, start: dt.datetime) -> Life:
        """The due-colour job, just after each midnight, when limits in working days end: it
        marks yellow and red and escalates as it would have on the day. (It runs every five
        minutes in service; once a day keeps the replay quick.)"""
        day = start.astimezone(self.tz).date()
        while True:
            moment = dt.datetime.combine(day, dt.time(0, 10), self.tz).astimezone(dt.UTC)
            if moment > self.now:
                return
            yield moment
            jobs.sweep(self.db)
            day += dt.timedelta(days=1)
