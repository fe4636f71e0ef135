"""Where a request filed over Open311 is: coordinates, an address naming a town or community,
or a division code as address_id. Regions have no geometry yet, so coordinates alone leave the
place to routing and the dispatch centre."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.open311.formats import Open311Error
from minsheng.open311.params import Params, clean_text, one
from minsheng.org.models import Region, RegionLevel

TOWN_LEVELS = (RegionLevel.town, RegionLevel.zone)
PLACE_LEVELS = (RegionLevel.community, RegionLevel.village)
# FixMyStreet's way of saying "no exact address": the coordinates are what it has.
NOT_PINPOINTED = "#NOTPINPOINTED#"


@dataclass
class Place:
    town: Region | None = None
    community: Region | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


def _coordinate(name: str, text: str, bound: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, f"{name} 不是数字：{text[:30]}") from None
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise Open311Error(400, f"{name} 超出范围（-{bound:g} 到 {bound:g}）：{text[:30]}")
    return value


def _regions(db: Session, levels: tuple[RegionLevel, ...]) -> list[Region]:
    query = select(Region).where(Region.active.is_(True), Region.level.in_(levels))
    return list(db.scalars(query))


def _town_of(db: Session, region: Region) -> Region | None:
    if region.level in TOWN_LEVELS:
        return region
    parent = db.get(Region, region.parent_id) if region.parent_id else None
    return parent if parent is not None and parent.level in TOWN_LEVELS else None


def _named_in(db: Session, text: str) -> tuple[Region | None, Region | None]:
    """The town and community whose names the address mentions (the most specific wins)."""
    towns = sorted(
        (t for t in _regions(db, TOWN_LEVELS) if t.name in text), key=lambda t: -len(t.name)
    )
    town = towns[0] if towns else None
    places = [p for p in _regions(db, PLACE_LEVELS) if p.name in text]
    if town is not None:
        places = [p for p in places if p.path.startswith(town.path)]
    if len({p.parent_id for p in places}) == 1:
        community = max(places, key=lambda p: len(p.name))
        return _town_of(db, community), community
    return town, None


def locate(db: Session, params: Params) -> Place:
    """lat and long, or address_string, or address_id (a division code): at least one."""
    lat, lon = one(params, "lat"), one(params, "long")
    address = clean_text("address_string", one(params, "address_string"), 200)
    address_id = one(params, "address_id")
    if address_id == NOT_PINPOINTED:
        address_id = ""
    if not ((lat and lon) or address or address_id):
        raise Open311Error(400, "缺少位置：请提供 lat 和 long，或 address_string，或 address_id")
    place = Place(address=address)
    if lat or lon:
        if not (lat and lon):
            raise Open311Error(400, "lat 和 long 要一起提供")
        place.latitude = _coordinate("lat", lat, 90)
        place.longitude = _coordinate("long", lon, 180)
    if address_id:
        region = db.scalar(
            select(Region).where(Region.code == address_id[:12], Region.active.is_(True))
        )
        if (
            region is None
            or len(address_id) > 12
            or region.level not in (*TOWN_LEVELS, *PLACE_LEVELS)
        ):
            raise Open311Error(400, f"address_id 不是本市的区镇或社区、村代码：{address_id[:30]}")
        place.town = _town_of(db, region)
        place.community = region if region.level in PLACE_LEVELS else None
    elif address:
        place.town, place.community = _named_in(db, address)
    return place
