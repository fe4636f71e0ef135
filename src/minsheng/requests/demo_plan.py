"""Who reports what, where and when in the demo year: one plan per request, drawn from a seeded
random generator so that the same day gives the same year."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from minsheng.channels.models import Estate, QrBox, ReceptionDay
from minsheng.org.models import Region
from minsheng.requests import demo_texts as texts
from minsheng.requests.demo_answers import DUPLICATE_OPENERS
from minsheng.requests.demo_texts import Story
from minsheng.requests.models import Channel, Priority
from minsheng.requests.schemas import Contact

# Shares of the year's requests by channel; reception days bring their own few on their dates.
CHANNEL_SHARES = {
    Channel.hotline: 38,
    Channel.web: 22,
    Channel.qr_box: 8,
    Channel.property_repair: 9,
    Channel.window: 6,
    Channel.inspection: 5,
    Channel.api: 3,
}
STAFF_CHANNELS = {Channel.hotline, Channel.window, Channel.reception_day, Channel.inspection}
# Roughly by population: the old town and the two big zones raise most.
TOWN_WEIGHTS = {
    "玉山镇": 20,
    "昆山开发区": 14,
    "昆山高新区": 12,
    "花桥镇": 10,
    "周市镇": 9,
    "张浦镇": 8,
    "陆家镇": 7,
    "巴城镇": 7,
    "千灯镇": 6,
    "淀山湖镇": 3,
    "周庄镇": 2,
    "锦溪镇": 2,
    "昆山旅游度假区": 2,
}
CATEGORY_WEIGHTS = {
    "urban": 1,
    "urban.stall": 6,
    "urban.building": 4,
    "urban.litter": 6,
    "urban.streetlight": 4,
    "environment.noise": 9,
    "environment.fumes": 4,
    "environment.water": 2,
    "housing.property": 8,
    "housing.leak": 4,
    "housing.elevator": 3,
    "traffic.bus": 3,
    "traffic.parking": 6,
    "traffic.signal": 2,
    "traffic.road": 4,
    "market.food": 3,
    "market.price": 4,
    "labour.wages": 4,
    "labour.insurance": 4,
    "education.enrol": 3,
    "education.care": 2,
    "health": 3,
    "utilities": 1,
    "utilities.water": 3,
    "utilities.power": 2,
    "safety": 1,
    "safety.fire": 3,
    "safety.gas": 2,
    "agriculture": 1,
    "civility": 3,
    "consult": 5,
    "other": 2,
}
# Months a kind of problem comes twice as often: summer noise and outages, enrolment season,
# wages before the Spring Festival, the wheat harvest, dark winter evenings.
PEAKS = {
    "environment.noise": {5, 6, 7, 8, 9},
    "environment.fumes": {6, 7, 8},
    "utilities.power": {7, 8},
    "utilities.water": {7, 8},
    "education.enrol": {4, 5, 6, 7, 8},
    "education.care": {6, 7},
    "labour.wages": {12, 1, 2},
    "agriculture": {5, 6, 10},
    "urban.streetlight": {11, 12, 1, 2},
}
# When calls and messages come in, by local hour.
HOURS: tuple[float, ...] = (
    *(0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3, 4, 4, 3.5),
    *(2, 3, 3.5, 3.5, 3, 2.5, 2, 2.5, 2.5, 2, 1.2, 0.6),
)
OFFICE_HOURS = tuple(4.0 if h in (9, 10, 11, 13, 14, 15, 16) else 0.0 for h in range(24))
MORNING_HOURS = tuple(4.0 if h in (9, 10, 11) else 0.0 for h in range(24))
# Categories that go to the city-wide emergency limits when the hotline judges them so.
EMERGENCIES = {"safety.gas", "housing.elevator"}
COMPLEX = {"urban.building", "environment.water", "traffic.bus", "labour.wages"}
DUPLICATE_SHARE = 0.03


@dataclass
class Plan:
    """One request of the demo year, before it is submitted."""

    received_at: dt.datetime
    channel: Channel
    category: str
    story: Story
    town: Region
    slots: dict[str, str]
    community: Region | None = None
    contact: Contact | None = None
    confidential: bool = False
    priority: Priority = Priority.normal
    box: QrBox | None = None
    estate: Estate | None = None
    building: str = ""
    reception_day: ReceptionDay | None = None
    duplicate_of: int | None = None  # index of the earlier plan it repeats
    hold: bool = False  # left in the triage queue: the operator has not got to it yet
    never_accepted: bool = False
    stall: bool = False  # accepted, then left open past its limit
    index: int = 0
    rng: random.Random = field(default_factory=random.Random)

    @property
    def title(self) -> str:
        return fill(self.story.title, self.slots)[:100]


def fill(template: str, slots: dict[str, str], **more: str) -> str:
    return template.format_map({**slots, **more})


@dataclass
class Places:
    """What the org and channels demos created, as the plans need it."""

    towns: dict[str, Region]
    communities: dict[str, list[Region]]  # by town name
    inspection_town: Region
    inspection_community: Region | None
    boxes: list[QrBox]
    estates: list[Estate]
    reception_days: list[ReceptionDay]
    categories: set[str]


def _phone(rng: random.Random) -> str:
    return rng.choice(texts.PHONE_PREFIXES) + f"{rng.randrange(10_000):04d}"


def _contact(rng: random.Random) -> Contact:
    surname = rng.choice(texts.SURNAMES)
    # Callers often give only a family name and a courtesy title.
    if rng.random() < 0.35:
        name = surname + rng.choice(("先生", "女士", "阿姨", "师傅"))
    else:
        name = surname + rng.choice(texts.GIVEN_NAMES)
    return Contact(name=name, phone=_phone(rng))


def _slots(
    rng: random.Random, town: Region, estate: str = "", building: str = ""
) -> dict[str, str]:
    roads, estates = texts.PLACES.get(town.name, texts.PLACES["玉山镇"])
    road, road2 = rng.sample(roads, 2)
    short = texts.SHORT_TOWN.get(town.name, town.name.removesuffix("镇"))
    fee = rng.choice((100, 150, 200, 300, 500, 2000, 3000))
    return {
        "town": town.name,
        "town_short": short,
        "road": road,
        "road2": road2,
        "no": str(rng.randrange(1, 400)),
        "estate": estate or rng.choice(estates),
        "building": building or f"{rng.randrange(1, 30)}幢",
        "room": f"{rng.randrange(1, 18)}0{rng.randrange(1, 4)}室",
        "night": rng.choice(texts.NIGHT),
        "since": rng.choice(texts.SINCE),
        "bus": f"{rng.choice((3, 6, 9, 12, 15, 101, 107, 113, 121, 128))}路",
        "school": f"{short}{rng.choice(('中心小学', '实验小学', '第二中心小学'))}",
        "village": rng.choice(texts.VILLAGES),
        "n": str(rng.randrange(2, 9)),
        "fee": str(fee),
        "fee2": str(fee + rng.choice((50, 100, 150))),
        "month": str(rng.randrange(1, 13)),
    }


def _moment(
    rng: random.Random, day: dt.date, tz: ZoneInfo, hours: tuple[float, ...]
) -> dt.datetime:
    hour = rng.choices(range(24), weights=hours)[0]
    local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tz)
    return local.astimezone(dt.UTC)


def _category(rng: random.Random, codes: list[str], month: int) -> str:
    weights = [CATEGORY_WEIGHTS.get(c, 1) * (2 if month in PEAKS.get(c, ()) else 1) for c in codes]
    return rng.choices(codes, weights=weights)[0]


def _general(
    rng: random.Random,
    plan_at: dt.datetime,
    channel: Channel,
    places: Places,
    codes: list[str],
    tz: ZoneInfo,
) -> Plan:
    names = [n for n in TOWN_WEIGHTS if n in places.towns]
    town = places.towns[rng.choices(names, weights=[TOWN_WEIGHTS[n] for n in names])[0]]
    communities = places.communities.get(town.name, [])
    community = rng.choice(communities) if communities and rng.random() < 0.35 else None
    category = _category(rng, codes, plan_at.astimezone(tz).month)
    stories = texts.STORIES[category]
    # What cannot wait is phoned in rather than written.
    weights = [3 if s.urgent and channel == Channel.hotline else 1 for s in stories]
    story = rng.choices(stories, weights=weights)[0]
    return Plan(plan_at, channel, category, story, town, _slots(rng, town), community=community)


def _with_reporter(rng: random.Random, plan: Plan) -> Plan:
    """Who is on the line, and what the staff who entered it judged of its urgency."""
    share = {Channel.web: 0.7, Channel.qr_box: 0.5, Channel.api: 0.8, Channel.inspection: 0.0}
    if rng.random() < share.get(plan.channel, 1.0):
        plan.contact = _contact(rng)
        plan.confidential = plan.channel in (Channel.web, Channel.hotline) and rng.random() < 0.06
        if plan.channel == Channel.hotline and rng.random() < 0.15:
            plan.contact = Contact(name="", phone=plan.contact.phone)  # would not give a name
    if plan.channel in STAFF_CHANNELS:
        if plan.story.urgent and plan.channel == Channel.hotline:
            urgent = Priority.emergency if plan.category in EMERGENCIES else Priority.urgent
            plan.priority = urgent
        elif plan.category in COMPLEX and rng.random() < 0.4:
            plan.priority = Priority.complex
    return plan


def make_plans(
    places: Places, *, count: int, now: dt.datetime, tz: ZoneInfo, seed: int
) -> list[Plan]:
    """The year's requests up to `now`, in the order they came in."""
    rng = random.Random(seed)
    today = now.astimezone(tz).date()
    days = [today - dt.timedelta(days=n) for n in range(365, -1, -1)]
    day_weights = [1.0 if d.weekday() < 5 else 0.6 for d in days]
    codes = [c for c in CATEGORY_WEIGHTS if c in places.categories and c in texts.STORIES]
    plans = _reception_plans(rng, places, days[0], today, codes, tz)
    shares = dict(CHANNEL_SHARES)
    if not places.boxes:
        shares.pop(Channel.qr_box)
    if not places.estates:
        shares.pop(Channel.property_repair)
    channels = list(shares)
    for _ in range(max(count - len(plans), 0)):
        channel = rng.choices(channels, weights=[shares[c] for c in channels])[0]
        day = rng.choices(days, weights=day_weights)[0]
        hours = OFFICE_HOURS if channel in (Channel.window, Channel.inspection) else HOURS
        plans.append(_placed(rng, _moment(rng, day, tz, hours), channel, places, codes, tz))
    # The last three quarters of an hour belong to the consultations still waiting.
    plans = [p for p in plans if p.received_at < now - dt.timedelta(minutes=45)]
    plans.extend(_waiting(rng, now, places, codes, tz))
    plans.sort(key=lambda p: p.received_at)
    for index, plan in enumerate(plans):
        plan.index = index
        plan.rng = random.Random(rng.getrandbits(64))
    _duplicates(rng, plans)
    for plan in plans:
        _with_reporter(plan.rng, plan)
    _stalls(plans, now)
    return plans


def _reception_plans(
    rng: random.Random,
    places: Places,
    first: dt.date,
    today: dt.date,
    codes: list[str],
    tz: ZoneInfo,
) -> list[Plan]:
    """Three to six issues raised at each reception day of the year, in its town."""
    plans = []
    general = [c for c in codes if c not in texts.REPAIR_CATEGORIES]
    for session in places.reception_days:
        if not first <= session.held_on <= today:
            continue
        for _ in range(rng.randrange(3, 7)):
            at = _moment(rng, session.held_on, tz, MORNING_HOURS)
            plan = _general(rng, at, Channel.reception_day, places, general, tz)
            plan.reception_day, plan.community = session, None
            if session.town is not None:
                plan.town, plan.slots = session.town, _slots(rng, session.town)
            plans.append(plan)
    return plans


def _placed(
    rng: random.Random,
    at: dt.datetime,
    channel: Channel,
    places: Places,
    codes: list[str],
    tz: ZoneInfo,
) -> Plan:
    """A plan whose channel fixes its place: a box, an estate, the gridworker's rounds."""
    if channel == Channel.qr_box:
        box = rng.choice(places.boxes)
        options = [c for c in texts.BOX_CATEGORIES if c in places.categories]
        category = rng.choice(options)
        plan = Plan(
            at,
            channel,
            category,
            rng.choice(texts.STORIES[category]),
            box.town,
            _slots(rng, box.town),
            box=box,
        )
        return plan
    if channel == Channel.property_repair:
        estate = rng.choice(places.estates)
        building = rng.choice(estate.building_list) if estate.building_list else ""
        options = [c for c in texts.REPAIR_CATEGORIES if c in places.categories]
        category = rng.choice(options)
        slots = _slots(rng, estate.town, estate.name, building or "楼栋")
        return Plan(
            at,
            channel,
            category,
            rng.choice(texts.STORIES[category]),
            estate.town,
            slots,
            estate=estate,
            building=building,
        )
    if channel == Channel.inspection:
        town = places.inspection_town
        options = [c for c in texts.INSPECTION_CATEGORIES if c in places.categories]
        category = rng.choice(options)
        slots = _slots(rng, town)
        if places.inspection_community is not None:
            slots["village"] = places.inspection_community.name
        return Plan(
            at,
            channel,
            category,
            rng.choice(texts.STORIES[category]),
            town,
            slots,
            community=places.inspection_community,
        )
    general = [c for c in codes if c not in texts.REPAIR_CATEGORIES]
    return _general(rng, at, channel, places, general, tz)


def _waiting(
    rng: random.Random, now: dt.datetime, places: Places, codes: list[str], tz: ZoneInfo
) -> list[Plan]:
    """The last minutes: a few consultations the operator has not dispatched yet."""
    code = "consult" if "consult" in codes else codes[0]
    plans = []
    for minutes in (38, 21, 7):
        at = now - dt.timedelta(minutes=minutes, seconds=rng.randrange(60))
        plan = _general(rng, at, Channel.web, places, [code], tz)
        plan.hold = True
        plans.append(plan)
    return plans


def _duplicates(rng: random.Random, plans: list[Plan]) -> None:
    """A few residents report what a neighbour reported days before; the centre merges them."""
    general = {Channel.hotline, Channel.web, Channel.window, Channel.api}
    for plan in plans:
        if plan.channel not in general or plan.hold or rng.random() >= DUPLICATE_SHARE:
            continue
        for earlier in reversed(plans[max(plan.index - 300, 0) : plan.index]):
            if plan.received_at - earlier.received_at > dt.timedelta(days=10):
                break
            if (
                earlier.category == plan.category
                and earlier.channel in general
                and earlier.duplicate_of is None
                and earlier.received_at < plan.received_at
                and not earlier.hold
            ):
                plan.duplicate_of = earlier.index
                plan.story, plan.town, plan.community = (
                    earlier.story,
                    earlier.town,
                    earlier.community,
                )
                plan.slots = {**earlier.slots, "opener": rng.choice(DUPLICATE_OPENERS)}
                break


def _stalls(plans: list[Plan], now: dt.datetime) -> None:
    """Some requests are still waiting for a unit at the end: never accepted, or accepted and
    left past their limit. A few every month, more in the last weeks, at least a handful."""
    recent = [
        p
        for p in plans
        if not p.hold and p.duplicate_of is None and now - p.received_at < dt.timedelta(days=20)
    ]
    for plan in recent[:2]:
        plan.never_accepted = True
    for plan in recent[2:5]:
        plan.stall = True
    for plan in plans:
        if plan.hold or plan.duplicate_of is not None or plan.never_accepted:
            continue
        age = now - plan.received_at
        share = 0.03 if age < dt.timedelta(days=60) else 0.002
        if plan.rng.random() < share:
            plan.stall = True
