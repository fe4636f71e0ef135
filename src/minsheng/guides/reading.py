"""What a matter's mobile page shows, worked out from one version: the materials as a checklist with
their counts, the time limits and trips in words, the map link, the phones with the digits a tel:
link dials, and the related matters looked up. Wording is a Phrase (a msgid and its values), so the
template translates it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from minsheng.core.settings import get_settings
from minsheng.guides import service
from minsheng.guides.models import Matter, MatterStatus, MatterVersion
from minsheng.guides.schemas import PHONE_KINDS, dial

AMAP_MARKER = "https://uri.amap.com/marker"
AMAP_SEARCH = "https://uri.amap.com/search"


@dataclass(frozen=True)
class Phrase:
    """Words for the template to translate: `_(text, **values)`."""

    text: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MaterialLine:
    number: int  # 1-based, the checkbox's value and id
    name: str
    counts: list[Phrase]
    required: bool
    note: str


@dataclass(frozen=True)
class PhoneLine:
    kind: str  # 咨询电话 / 投诉电话
    label: str
    number: str  # as printed: 0512-57512345转8001
    dial: str  # digits only: 051257512345


@dataclass(frozen=True)
class RelatedLine:
    code: str
    title: str
    withdrawn: bool


@dataclass(frozen=True)
class Reading:
    """Everything the page shows beyond the version's plain text fields."""

    matter: Matter
    version: MatterVersion
    materials: list[MaterialLine]
    time_limits: list[Phrase]
    trips: Phrase
    map_url: str | None
    phones: list[PhoneLine]
    related: list[RelatedLine]
    valid_from: dt.date
    valid_to: dt.date | None
    checklist_key: str


def local_date(value: dt.datetime | None) -> dt.date | None:
    """A stored UTC time as the local calendar day."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(get_settings().timezone)).date()


def material_lines(version: MatterVersion) -> list[MaterialLine]:
    """The materials in order, each with "原件 1 份 / 复印件 1 份" as phrases."""
    lines = []
    for number, item in enumerate(version.materials or [], start=1):
        counts = []
        if item.get("originals"):
            counts.append(Phrase("原件 %(n)s 份", {"n": item["originals"]}))
        if item.get("copies"):
            counts.append(Phrase("复印件 %(n)s 份", {"n": item["copies"]}))
        lines.append(
            MaterialLine(
                number=number,
                name=str(item.get("name", "")),
                counts=counts,
                required=bool(item.get("required", True)),
                note=str(item.get("note", "")),
            )
        )
    return lines


def time_limits(version: MatterVersion) -> list[Phrase]:
    """法定 N 个工作日 / 承诺 N 个工作日 / 即办; no statutory limit stated means 即办."""
    legal, promised = version.legal_days, version.promised_days
    phrases = []
    if legal:
        phrases.append(Phrase("法定 %(n)s 个工作日", {"n": legal}))
    elif promised is None:
        phrases.append(Phrase("即办（当场办结）"))
    if promised == 0:
        phrases.append(Phrase("承诺即办（当场办结）"))
    elif promised:
        phrases.append(Phrase("承诺 %(n)s 个工作日", {"n": promised}))
    return phrases


def trips(version: MatterVersion) -> Phrase:
    """到现场次数 in the words of 最多跑一次."""
    if version.visits == 0:
        return Phrase("全程网办，不用跑")
    if version.visits == 1:
        return Phrase("最多跑一次")
    return Phrase("最多跑 %(n)s 次", {"n": version.visits})


def map_link(version: MatterVersion) -> str | None:
    """A marker on Amap when the place has coordinates, else an Amap search by its address."""
    name = version.window or version.place or version.title
    if version.latitude is not None and version.longitude is not None:
        position = f"{version.longitude:.6f},{version.latitude:.6f}"
        return f"{AMAP_MARKER}?" + urlencode({"position": position, "name": name})
    if version.place:
        return f"{AMAP_SEARCH}?" + urlencode({"keyword": version.place})
    return None


def phone_lines(version: MatterVersion) -> list[PhoneLine]:
    return [
        PhoneLine(
            kind=PHONE_KINDS.get(str(p.get("kind")), PHONE_KINDS["consult"]),
            label=str(p.get("label", "")),
            number=str(p["number"]),
            dial=dial(str(p["number"])),
        )
        for p in version.phones or []
        if p.get("number")
    ]


def related_lines(db: Session, codes: list[str]) -> list[RelatedLine]:
    """The related matters readers may open, in the order given; drafts and gone codes left out."""
    if not codes:
        return []
    found = {
        m.code: m
        for m in db.scalars(
            select(Matter).where(Matter.code.in_(codes)).options(selectinload(Matter.versions))
        )
    }
    lines = []
    for code in dict.fromkeys(codes):
        matter = found.get(code)
        current = service.current_version(matter) if matter is not None else None
        if matter is None or current is None or matter.status == MatterStatus.draft:
            continue
        withdrawn = matter.status == MatterStatus.withdrawn
        lines.append(RelatedLine(code=code, title=current.title, withdrawn=withdrawn))
    return lines


def checklist_key(matter: Matter, version: MatterVersion) -> str:
    """Where the phone keeps the ticks: a new version starts a fresh list."""
    return f"{matter.code}:v{version.number}"


def read(db: Session, *, matter: Matter, version: MatterVersion) -> Reading:
    """Everything the page of this version shows, computed."""
    return Reading(
        matter=matter,
        version=version,
        materials=material_lines(version),
        time_limits=time_limits(version),
        trips=trips(version),
        map_url=map_link(version),
        phones=phone_lines(version),
        related=related_lines(db, list(version.related or [])),
        valid_from=local_date(version.valid_from) or service.local_today(),
        valid_to=local_date(version.valid_to),
        checklist_key=checklist_key(matter, version),
    )
