"""Places as the options of a form's selects: towns, and their communities grouped by town."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from minsheng.org import service
from minsheng.org.models import Region, RegionLevel

Options = list[tuple[str, str]]
Groups = list[tuple[str | None, Options]]
TOWN_LEVELS = (RegionLevel.town, RegionLevel.zone)


def region_key(region: Region) -> str:
    """What a request form sends for a place: the division code, else the id."""
    return region.code or str(region.id)


def region_id(region: Region) -> str:
    return str(region.id)


def places(db: Session, key: Callable[[Region], str] = region_key) -> tuple[Options, Groups]:
    """The active towns and zones, and their communities and villages grouped by town."""
    regions = service.list_regions(db, active_only=True)
    towns = [r for r in regions if r.level in TOWN_LEVELS]
    communities: Groups = []
    for town in towns:
        below = [(key(r), r.name) for r in regions if r.path.startswith(town.path) and r != town]
        if below:
            communities.append((town.name, below))
    return [(key(t), t.name) for t in towns], communities
