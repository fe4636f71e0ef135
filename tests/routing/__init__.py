"""Shared arrangements for the routing tests: a small Kunshan (regions, units) and categories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from minsheng.org.models import Region, RegionLevel, Unit, UnitKind
from minsheng.routing import service
from minsheng.routing.models import Category
from minsheng.routing.schemas import CategoryCreate, CategoryUpdate
from tests import factories

CATEGORY_FIELDS = (
    "code",
    "name",
    "parent_id",
    "description",
    "keywords",
    "response_hours",
    "resolve_days",
    "accepts_public",
    "default_unit_id",
    "sort_order",
    "active",
)


def add_category(
    db: Session, code: str, name: str, parent: Category | None = None, **extra: object
) -> Category:
    data = CategoryCreate(code=code, name=name, parent_id=parent.id if parent else None, **extra)
    return service.create_category(db, data=data)


def change_category(db: Session, category: Category, **changes: object) -> Category:
    fields = {k: getattr(category, k) for k in CATEGORY_FIELDS}
    data = CategoryUpdate(**{**fields, **changes})
    return service.update_category(db, category=category, data=data)


def category_body(category: dict, **changes: object) -> dict:
    """A category as read from the API, turned into a full PUT body with some changes."""
    return {**{k: category[k] for k in CATEGORY_FIELDS}, **changes}


@dataclass
class Place:
    """Kunshan, two of its towns, a community in one of them, and the units that serve them."""

    city: Region
    town: Region  # 周市镇
    other_town: Region  # 巴城镇
    community: Region  # 长泾社区, in 周市镇
    centre: Unit  # the 12345 dispatch centre
    city_unit: Unit
    town_unit: Unit
    other_town_unit: Unit
    community_unit: Unit
    department: Unit


def kunshan(db: Session) -> Place:
    city = factories.RegionFactory(name="昆山市", code="320583", level=RegionLevel.city)
    town = factories.RegionFactory(
        name="周市镇", code="320583102", level=RegionLevel.town, parent=city
    )
    other_town = factories.RegionFactory(
        name="巴城镇", code="320583101", level=RegionLevel.town, parent=city
    )
    community = factories.RegionFactory(name="长泾社区", level=RegionLevel.community, parent=town)
    government = factories.UnitFactory(name="昆山市人民政府", kind=UnitKind.government)
    place = Place(
        city=city,
        town=town,
        other_town=other_town,
        community=community,
        centre=factories.UnitFactory(
            name="昆山市12345政务服务便民热线", kind=UnitKind.dispatch_centre, parent=government
        ),
        city_unit=factories.UnitFactory(name="昆山市城市管理局", parent=government),
        town_unit=factories.UnitFactory(
            name="周市镇人民政府", kind=UnitKind.town_office, region=town
        ),
        other_town_unit=factories.UnitFactory(
            name="巴城镇人民政府", kind=UnitKind.town_office, region=other_town
        ),
        community_unit=factories.UnitFactory(
            name="长泾社区居民委员会", kind=UnitKind.community, region=community
        ),
        department=factories.UnitFactory(name="昆山市住房和城乡建设局", parent=government),
    )
    db.commit()
    return place
