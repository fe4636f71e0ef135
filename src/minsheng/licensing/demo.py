"""The licensing demo: a kiosk office in each town with a 行政审批局 and one at the city's centre
(with the demo identity backend, 演示), the city's registration window (the officer backend),
the standard scope catalogue, and a year of individual businesses registered through the real
path (MINSHENG_DEMO_LICENSES; off in the tests, which load only the offices and the catalogue).

Every business goes start → identity → business → submit with the clock set back to its day
(core.db.clock_at), so registration dates, step times and credit codes look like a year of use;
some are amended or deregistered later, and a few recent applications wait at the registrar's
desk. The phone is marked confirmed directly instead of texting codes to fictional numbers.
Everything is created only when missing: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import clock_at, utcnow
from minsheng.core.settings import get_settings
from minsheng.licensing import business, changes, decision, flow, service
from minsheng.licensing.demo_data import (
    ABANDONED,
    AMENDED,
    COMMUNITIES,
    DEREGISTERED,
    OFFICES,
    REVIEWING,
    SCOPE,
    SHOPS,
    STEP_SECONDS,
    WITHDRAWN,
    Shop,
    authority_of,
    person_id,
    phone_of,
)
from minsheng.licensing.models import (
    Application,
    ApplicationKind,
    License,
    Office,
    ScopeItem,
)
from minsheng.licensing.schemas import BusinessIn, FamilyMember
from minsheng.org import service as org
from minsheng.org.models import Region


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Creates what is missing of the licensing demo; running it again changes nothing."""
    progress("证照自助登记：登记服务点和经营范围")
    offices = _offices(db)
    _catalogue(db)
    if get_settings().demo_licenses and not _replayed(db, offices):
        progress("证照自助登记：个体工商户")
        _Replay(db, offices).run()
    db.flush()


def _replayed(db: Session, offices: dict[str, Office]) -> bool:
    """Whether the demo offices have any application yet (then the year is not replayed)."""
    ids = [o.id for o in offices.values()]
    return (
        db.scalar(select(Application.id).where(Application.office_id.in_(ids)).limit(1)) is not None
    )


def _offices(db: Session) -> dict[str, Office]:
    """The demo offices by code, creating the missing ones."""
    towns = _towns(db)
    found: dict[str, Office] = {}
    for code, town, unit_name, name, backend in OFFICES:
        office = db.scalar(select(Office).where(Office.code == code))
        if office is None:
            unit = org.get_unit_by_name(db, name=unit_name)
            if unit is None:
                raise RuntimeError(f"演示单位 {unit_name} 不存在：请先载入单位演示数据")
            office = Office(
                code=code,
                name=name,
                authority=authority_of(unit_name),
                unit=unit,
                town=towns[town] if town else None,
                identity_backend=backend,
                instant_approval=True,
            )
            db.add(office)
        found[code] = office
    db.flush()
    return found


def _catalogue(db: Session) -> None:
    """The standard scope wordings, with each conflict written on both sides."""
    conflicts: dict[str, set[str]] = {code: set() for code, *_ in SCOPE}
    for code, *_rest, against in SCOPE:
        for other in against:
            conflicts[code].add(other)
            conflicts[other].add(code)
    existing = set(db.scalars(select(ScopeItem.code)))
    for position, (code, wording, industry, permit_name, guide, _) in enumerate(SCOPE, 1):
        if code in existing:
            continue
        db.add(
            ScopeItem(
                code=code,
                wording=wording,
                industry=industry,
                permit=bool(permit_name),
                permit_name=permit_name,
                guide_code=guide,
                conflicts=sorted(conflicts[code]),
                position=position * 10,
                active=code not in WITHDRAWN,
            )
        )
    db.flush()


def _towns(db: Session) -> dict[str, Region]:
    return {r.name: r for r in org.list_regions(db)}


class _Replay:
    """Registers the demo businesses day by day through the services, then their later history."""

    def __init__(self, db: Session, offices: dict[str, Office]) -> None:
        self.db = db
        self.offices = offices
        self.regions = _towns(db)
        self.rng = random.Random(92320583)
        self.today = service.local_today()
        self.zone = ZoneInfo(get_settings().timezone)
        self.people: dict[str, int] = {}  # operator → order of their ID number and phone
        self.licenses: dict[str, License] = {}

    def run(self) -> None:
        for shop in sorted(SHOPS, key=lambda s: -s.days_ago):
            app = self._register(shop)
            if app.license is not None:
                self.licenses[shop.operator] = app.license
        history: list[tuple[int, str, tuple[str, ...] | None]] = [
            (self._of(o).days_ago - days, o, None) for o, days in DEREGISTERED
        ]
        history += [(self._of(o).days_ago - days, o, scope) for o, days, scope in AMENDED]
        for days_ago, operator, scope in sorted(history, key=lambda h: -h[0]):
            self._change(operator, days_ago, scope)
        for shop in REVIEWING:
            self._register(shop)
        for code, days_ago in ABANDONED:
            self._abandon(self.offices[code], days_ago)

    def _of(self, operator: str) -> Shop:
        return next(s for s in SHOPS if s.operator == operator)

    def _moment(self, days_ago: int) -> dt.datetime:
        """A working hour of that day, in the city's time zone."""
        day = self.today - dt.timedelta(days=days_ago)
        hour, minute = self.rng.randint(9, 16), self.rng.randrange(60)
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)

    def _order(self, operator: str) -> int:
        return self.people.setdefault(operator, len(self.people) + 1)

    def _office(self, shop: Shop) -> Office:
        if shop.office:
            return self.offices[shop.office]
        return next(o for o in self.offices.values() if o.town and o.town.name == shop.town)

    def _identify(self, app: Application, operator: str, birth: str, male: bool) -> None:
        """Step 1 as the applicant does it; the phone is marked confirmed without an SMS."""
        order = self._order(operator)
        service.set_identity(
            self.db, app=app, name=operator, id_number=person_id(birth, male, order)
        )
        app.phone = phone_of(order)
        app.phone_verified_at = utcnow()

    def _step_names(self, app: Application) -> tuple[str, ...]:
        if app.channel == "kiosk":
            return tuple(s for s in flow.KIOSK_STEPS if s != "result")
        return flow.WEB_STEPS[app.kind]

    def _steps(self, app: Application, start: dt.datetime, steps: tuple[str, ...]) -> dt.datetime:
        """Records believable seconds per step; returns when the last one ended."""
        moment = start
        for step in steps:
            low, high = STEP_SECONDS[step]
            seconds = float(self.rng.randint(low, high))
            moment += dt.timedelta(seconds=seconds)
            with clock_at(moment):  # the step ends then: last_active_at as the kiosk sets it
                service.record_step(app, step=step, seconds=seconds)
        return moment

    def _business_in(self, shop: Shop) -> BusinessIn:
        town = self.regions[shop.town]
        community = self.regions.get(COMMUNITIES.get(shop.town, ""))
        return BusinessIn(
            org_form="family" if shop.family else "individual",
            family_members=[
                FamilyMember(name=name, id_number=person_id(birth, male, self._order(name)))
                for name, birth, male in shop.family
            ],
            trade_name=shop.trade_name,
            industry_word=shop.industry_word,
            form_word=shop.form_word,
            town_id=town.id,
            community_id=community.id if community else None,
            address=shop.address,
            scope_codes=list(shop.scope),
        )

    def _register(self, shop: Shop) -> Application:
        """One registration from the first screen to the decision, on its day."""
        start = self._moment(shop.days_ago)
        with clock_at(start):
            app, _token = service.start(self.db, office=self._office(shop), channel=shop.channel)
            self._identify(app, shop.operator, shop.birth, shop.male)
        done = self._steps(app, start, self._step_names(app))
        with clock_at(done):
            business.set_business(self.db, app=app, data=self._business_in(shop))
            decision.submit(self.db, app=app)
        return app

    def _change(self, operator: str, days_ago: int, scope: tuple[str, ...] | None) -> None:
        """简易注销 (scope None) or a change of scope, by the operator of the license: as
        changes.begin and changes.submit do it, without texting the fictional phone."""
        shop = self._of(operator)
        license = self.licenses.get(operator)
        if license is None:
            return
        kind = ApplicationKind.amend if scope else ApplicationKind.deregister
        start = self._moment(days_ago)
        with clock_at(start):
            app, _token = service.start(
                self.db, office=self._office(shop), channel="web", kind=kind, license=license
            )
            self._identify(app, shop.operator, shop.birth, shop.male)
        done = self._steps(app, start, self._step_names(app))
        with clock_at(done):
            if scope:
                place = self._business_in(shop)
                changes.set_amendment(
                    self.db,
                    app=app,
                    town_id=place.town_id,
                    community_id=place.community_id,
                    address=place.address,
                    scope_codes=list(scope),
                )
            decision.submit(self.db, app=app)

    def _abandon(self, office: Office, days_ago: int) -> None:
        """Someone who typed their name and number, then walked away from the kiosk."""
        start = self._moment(days_ago)
        with clock_at(start):
            app, _token = service.start(self.db, office=office, channel="kiosk")
        self._steps(app, start, ("operator", "id_number"))
        wiped = start + dt.timedelta(minutes=get_settings().licensing_abandon_minutes + 1)
        with clock_at(wiped):
            service.abandon(self.db, app=app)
