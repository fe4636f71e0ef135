"""Keeping the region and unit trees: create, update, move, deactivate. Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.tree import get_parent, place, tree_order
from minsheng.org.models import (
    CHILD_LEVELS,
    REGION_LEVEL_LABELS,
    UNIT_KIND_LABELS,
    Region,
    RegionLevel,
    Unit,
    UnitKind,
)
from minsheng.org.permissions import MANAGE_ORG
from minsheng.org.schemas import RegionCreate, RegionUpdate, UnitCreate, UnitUpdate

LEVEL_ORDER = list(REGION_LEVEL_LABELS)
# Within a parent: the dispatch centre, departments and institutions before the town governments.
KIND_ORDER = [
    UnitKind.city,
    UnitKind.dispatch_centre,
    UnitKind.department,
    UnitKind.institution,
    UnitKind.government,
    UnitKind.town_office,
    UnitKind.community,
    UnitKind.party_congress,
    UnitKind.company,
]
assert set(KIND_ORDER) == set(UNIT_KIND_LABELS)

# Regions


def _region_key(region: Region) -> tuple[int, str, str]:
    return (LEVEL_ORDER.index(region.level), region.code or "~", region.name)


def list_regions(db: Session, *, active_only: bool = False) -> list[Region]:
    """The whole region tree in display order (parents before children)."""
    query = select(Region)
    if active_only:
        query = query.where(Region.active.is_(True))
    return tree_order(list(db.scalars(query)), _region_key)


def get_region(db: Session, *, region_id: int) -> Region:
    region = db.get(Region, region_id)
    if region is None:
        raise NotFound("没有找到这个区划。")
    return region


def get_region_by_code(db: Session, *, code: str) -> Region | None:
    return db.scalar(select(Region).where(Region.code == code))


def find_region(db: Session, *, key: str) -> Region | None:
    """A region by its division code (6, 9 or 12 digits) or, for short numbers, its id."""
    key = key.strip()
    if not key.isdigit():
        return None
    if len(key) >= 6:
        return get_region_by_code(db, code=key)
    return db.get(Region, int(key))


def _check_region(db: Session, data: RegionCreate, region: Region | None) -> Region | None:
    parent = get_parent(db, Region, data.parent_id, "parent_id")
    allowed = CHILD_LEVELS[parent.level if parent else None]
    if data.level not in allowed:
        where = f"“{parent.name}”之下" if parent else "最上层"
        if not allowed:
            raise InvalidInput({"level": f"{where}不能再设下级区划"})
        names = "、".join(REGION_LEVEL_LABELS[level] for level in RegionLevel if level in allowed)
        raise InvalidInput({"level": f"{where}只能设{names}"})
    if data.code:
        same = get_region_by_code(db, code=data.code)
        if same is not None and same is not region:
            raise InvalidInput({"code": f"区划代码 {data.code} 已被“{same.name}”使用"})
    sibling = db.scalar(
        select(Region).where(Region.name == data.name, Region.parent_id == data.parent_id)
    )
    if sibling is not None and sibling is not region:
        raise InvalidInput({"name": f"同一上级下已有“{data.name}”"})
    return parent


def create_region(db: Session, *, data: RegionCreate) -> Region:
    """Adds a region under its parent."""
    parent = _check_region(db, data, None)
    region = Region(name=data.name, code=data.code, level=data.level)
    db.add(region)
    place(db, region, parent)
    return region


def update_region(db: Session, *, region: Region, data: RegionUpdate) -> Region:
    """Renames, recodes, moves or deactivates a region."""
    parent = _check_region(db, data, region)
    if not data.active and region.active:
        active_children = db.scalar(
            select(func.count())
            .select_from(Region)
            .where(Region.parent_id == region.id, Region.active)
        )
        if active_children:
            raise Conflict("请先停用它的下级区划。")
    region.name, region.code, region.level, region.active = (
        data.name,
        data.code,
        data.level,
        data.active,
    )
    if region.parent_id != data.parent_id:
        place(db, region, parent)
    db.flush()
    return region


# Units


def list_units(
    db: Session, *, active_only: bool = False, under_path: str | None = None
) -> list[Unit]:
    """Units in tree order, optionally only those under one unit."""
    query = select(Unit)
    if active_only:
        query = query.where(Unit.active.is_(True))
    if under_path:
        query = query.where(Unit.path.startswith(under_path))
    return tree_order(list(db.scalars(query)), _unit_key)


def _unit_key(unit: Unit) -> tuple[int, str]:
    return (KIND_ORDER.index(unit.kind), unit.name)


def get_unit(db: Session, *, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None:
        raise NotFound("没有找到这个单位。")
    return unit


def get_unit_by_name(db: Session, *, name: str) -> Unit | None:
    return db.scalar(select(Unit).where(Unit.name == name))


def _check_unit(db: Session, data: UnitCreate, unit: Unit | None) -> Unit | None:
    parent = get_parent(db, Unit, data.parent_id, "parent_id")
    if data.region_id is not None and db.get(Region, data.region_id) is None:
        raise InvalidInput({"region_id": "所选的区划不存在"})
    same = get_unit_by_name(db, name=data.name)
    if same is not None and same is not unit:
        raise InvalidInput({"name": f"已有名为“{data.name}”的单位"})
    return parent


def _check_scope(
    by: StaffPrincipal | None, unit: Unit | None, parent: Unit | None, *, moving: bool = True
) -> None:
    """A manager acts only within the units they hold the role in; top level needs a root."""
    if by is None or by.can_everywhere(MANAGE_ORG):  # the system, or a city-wide manager
        return
    if unit is not None and not by.can(MANAGE_ORG, unit.path):
        raise Forbidden("这个单位不在您管理的范围内。")
    if not moving:
        return
    if parent is None and not by.can_everywhere(MANAGE_ORG):
        raise InvalidInput({"parent_id": "请选择您管理范围内的上级单位"})
    if parent is not None and not by.can(MANAGE_ORG, parent.path):
        raise InvalidInput({"parent_id": "所选的上级单位不在您管理的范围内"})


def create_unit(db: Session, *, data: UnitCreate, by: StaffPrincipal | None = None) -> Unit:
    """Adds a unit under its parent unit."""
    parent = _check_unit(db, data, None)
    _check_scope(by, None, parent)
    unit = Unit(
        name=data.name, kind=data.kind, region_id=data.region_id, contact_phone=data.contact_phone
    )
    db.add(unit)
    place(db, unit, parent)
    return unit


def update_unit(
    db: Session, *, unit: Unit, data: UnitUpdate, by: StaffPrincipal | None = None
) -> Unit:
    """Changes a unit's details, moves it, or deactivates it."""
    parent = _check_unit(db, data, unit)
    _check_scope(by, unit, parent, moving=unit.parent_id != data.parent_id)
    if not data.active and unit.active:
        active_children = db.scalar(
            select(func.count()).select_from(Unit).where(Unit.parent_id == unit.id, Unit.active)
        )
        if active_children:
            raise Conflict("请先停用它的下级单位。")
    unit.name, unit.kind, unit.region_id = data.name, data.kind, data.region_id
    unit.contact_phone, unit.active = data.contact_phone, data.active
    if unit.parent_id != data.parent_id:
        place(db, unit, parent)
    db.flush()
    return unit
