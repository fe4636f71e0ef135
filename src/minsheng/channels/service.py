"""QR boxes, reception days and estates: kept by staff, looked up when a request comes in.

Flushes, never commits.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.channels.models import Estate, QrBox, ReceptionDay
from minsheng.channels.permissions import may_manage_box
from minsheng.channels.schemas import (
    BoxCreate,
    BoxPublic,
    BoxRead,
    BoxUpdate,
    EstateCreate,
    EstateRead,
    EstateUpdate,
    ReceptionDayCreate,
    ReceptionDayRead,
)
from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.org.models import Region, RegionLevel, Unit
from minsheng.requests.models import CitizenRequest

TOWN_LEVELS = {RegionLevel.town, RegionLevel.zone}

# No 0/O or 1/l/I: a code read aloud over the phone or typed from a photo must survive.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_box_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def get_box_by_code(db: Session, *, code: str) -> QrBox | None:
    return db.scalar(select(QrBox).where(QrBox.code == code.strip().lower()))


def get_box(db: Session, *, box_id: int) -> QrBox:
    box = db.get(QrBox, box_id)
    if box is None:
        raise NotFound("没有这个意见箱。")
    return box


def list_boxes(db: Session) -> list[QrBox]:
    return list(db.scalars(select(QrBox).order_by(QrBox.active.desc(), QrBox.id)))


def get_estate(db: Session, *, estate_id: int) -> Estate:
    estate = db.get(Estate, estate_id)
    if estate is None:
        raise NotFound("没有这个小区。")
    return estate


def list_estates(db: Session, *, active_only: bool = False) -> list[Estate]:
    query = select(Estate).order_by(Estate.name)
    if active_only:
        query = query.where(Estate.active.is_(True))
    return list(db.scalars(query))


def get_reception_day(db: Session, *, day_id: int) -> ReceptionDay:
    day = db.get(ReceptionDay, day_id)
    if day is None:
        raise NotFound("没有这个接待日。")
    return day


def list_reception_days(db: Session) -> list[ReceptionDay]:
    return list(db.scalars(select(ReceptionDay).order_by(ReceptionDay.held_on.desc())))


# Places and units named in a form


def _place(
    db: Session, town_id: int | None, community_id: int | None, errors: dict[str, str]
) -> tuple[Region | None, Region | None]:
    """The town and community chosen, or a message for each in `errors`."""
    town = db.get(Region, town_id) if town_id is not None else None
    if town is None or not town.active or town.level not in TOWN_LEVELS:
        errors["town_id"] = "请从列表中选择区镇"
        return None, None
    community = db.get(Region, community_id) if community_id is not None else None
    if community_id is not None and (
        community is None
        or not community.active
        or community is town
        or not community.path.startswith(town.path)
    ):
        errors["community_id"] = "所选的社区或村不在这个区镇里，请重新选择"
    return town, community


def _unit(db: Session, unit_id: int | None, field: str, errors: dict[str, str]) -> Unit | None:
    unit = db.get(Unit, unit_id) if unit_id is not None else None
    if unit_id is not None and (unit is None or not unit.active):
        errors[field] = "所选的单位不存在或已停用"
    return unit


# QR boxes


def box_url(box: QrBox) -> str:
    """What the poster's QR code holds: short, and the same for the life of the box."""
    return f"{get_settings().base_url.rstrip('/')}/b/{box.code}"


def _fresh_code(db: Session) -> str:
    while True:  # 31^10 codes: a clash is all but impossible, but cheap to rule out
        code = new_box_code()
        if get_box_by_code(db, code=code) is None:
            return code


def _check_box(
    db: Session, data: BoxCreate, staff: StaffPrincipal
) -> tuple[Region, Region | None, Unit | None]:
    errors: dict[str, str] = {}
    town, community = _place(db, data.town_id, data.community_id, errors)
    unit = _unit(db, data.unit_id, "unit_id", errors)
    if "unit_id" not in errors and not may_manage_box(staff, unit):
        errors["unit_id"] = (
            "请选择责任单位" if unit is None else "只能选择您所在的单位或其下级单位作为责任单位"
        )
    if errors:
        raise InvalidInput(errors)
    assert town is not None
    return town, community, unit


def create_box(db: Session, *, data: BoxCreate, staff: StaffPrincipal) -> QrBox:
    """Sets up a box with a new random code, ready for its poster."""
    town, community, unit = _check_box(db, data, staff)
    box = QrBox(
        code=_fresh_code(db),
        name=data.name,
        address=data.address,
        town=town,
        community=community,
        unit=unit,
        active=True,
    )
    db.add(box)
    db.flush()
    return box


def update_box(db: Session, *, box: QrBox, data: BoxUpdate, staff: StaffPrincipal) -> QrBox:
    """Changes a box's place, unit or state; its code, and so its posters, stay valid."""
    if not may_manage_box(staff, box.unit):
        raise Forbidden("这个意见箱不归您管理。")
    town, community, unit = _check_box(db, data, staff)
    box.name, box.address, box.active = data.name, data.address, data.active
    box.town, box.community, box.unit = town, community, unit
    db.flush()
    return box


def set_box_active(db: Session, *, box: QrBox, active: bool, staff: StaffPrincipal) -> QrBox:
    """Takes a box out of use (its poster then says so) or back into use."""
    if not may_manage_box(staff, box.unit):
        raise Forbidden("这个意见箱不归您管理。")
    box.active = active
    db.flush()
    return box


def box_read(box: QrBox) -> BoxRead:
    return BoxRead(
        id=box.id,
        code=box.code,
        name=box.name,
        address=box.address,
        town_id=box.town_id,
        town=box.town.name,
        community_id=box.community_id,
        community=box.community.name if box.community else None,
        unit_id=box.unit_id,
        unit=box.unit.name if box.unit else None,
        active=box.active,
        url=box_url(box),
    )


def box_public(box: QrBox) -> BoxPublic:
    return BoxPublic(
        code=box.code,
        name=box.name,
        town=box.town.name,
        community=box.community.name if box.community else None,
        address=box.address,
    )


def get_active_box(db: Session, *, code: str) -> QrBox:
    """The box a poster names, if it is still in use."""
    box = get_box_by_code(db, code=code[:40])
    if box is None or not box.active:
        raise NotFound("这个意见箱已停用或不存在。")
    return box


# Estates


def _check_estate(
    db: Session, data: EstateCreate, estate: Estate | None
) -> tuple[Region, Region | None, Unit]:
    errors: dict[str, str] = {}
    town, community = _place(db, data.town_id, data.community_id, errors)
    unit = _unit(db, data.unit_id, "unit_id", errors)
    if town is not None:
        same = db.scalar(select(Estate).where(Estate.name == data.name, Estate.town_id == town.id))
        if same is not None and same is not estate:
            errors["name"] = f"“{town.name}”已有同名的小区"
    if errors:
        raise InvalidInput(errors)
    assert town is not None and unit is not None
    return town, community, unit


def create_estate(db: Session, *, data: EstateCreate) -> Estate:
    """Adds a managed estate with its buildings and property company."""
    town, community, unit = _check_estate(db, data, None)
    estate = Estate(
        name=data.name,
        town=town,
        community=community,
        unit=unit,
        buildings="\n".join(data.buildings),
        active=True,
    )
    db.add(estate)
    db.flush()
    return estate


def update_estate(db: Session, *, estate: Estate, data: EstateUpdate) -> Estate:
    """Changes an estate; repairs already reported keep the building they named."""
    town, community, unit = _check_estate(db, data, estate)
    estate.name, estate.active, estate.buildings = data.name, data.active, "\n".join(data.buildings)
    estate.town, estate.community, estate.unit = town, community, unit
    db.flush()
    return estate


def estate_read(estate: Estate) -> EstateRead:
    return EstateRead(
        id=estate.id,
        name=estate.name,
        town_id=estate.town_id,
        town=estate.town.name,
        community_id=estate.community_id,
        community=estate.community.name if estate.community else None,
        unit_id=estate.unit_id,
        unit=estate.unit.name,
        buildings=estate.building_list,
        active=estate.active,
    )


# Reception days


def create_reception_day(db: Session, *, data: ReceptionDayCreate) -> ReceptionDay:
    """Records a reception day, so the issues raised there can be entered against it."""
    errors: dict[str, str] = {}
    town = None
    if data.town_id is not None:
        town, _ = _place(db, data.town_id, None, errors)
    if errors:
        raise InvalidInput(errors)
    day = ReceptionDay(
        held_on=data.held_on,
        place=data.place,
        deputies=data.deputies,
        town=town,
        notes=data.notes,
    )
    db.add(day)
    db.flush()
    return day


def reception_day_read(day: ReceptionDay) -> ReceptionDayRead:
    return ReceptionDayRead(
        id=day.id,
        held_on=day.held_on,
        place=day.place,
        deputies=[name for name in day.deputies.split("、") if name],
        town_id=day.town_id,
        town=day.town.name if day.town else None,
        notes=day.notes,
    )


# The requests that came in from a box, an estate or a reception day


def requests_from(
    db: Session,
    *,
    box: QrBox | None = None,
    estate: Estate | None = None,
    day: ReceptionDay | None = None,
    limit: int = 200,
) -> tuple[list[CitizenRequest], int]:
    """The latest requests from that source, newest first, and how many there are in all."""
    if box is not None:
        where = CitizenRequest.qr_box_id == box.id
    elif estate is not None:
        where = CitizenRequest.estate_id == estate.id
    elif day is not None:
        where = CitizenRequest.reception_day_id == day.id
    else:
        raise ValueError("name a box, an estate or a reception day")
    rows = db.scalars(
        select(CitizenRequest)
        .where(where)
        .order_by(CitizenRequest.received_at.desc(), CitizenRequest.id.desc())
        .limit(limit)
    )
    total = db.scalar(select(func.count()).select_from(CitizenRequest).where(where)) or 0
    return list(rows), total


def reception_day_counts(db: Session) -> dict[int, int]:
    """How many requests each reception day led to."""
    rows = db.execute(
        select(CitizenRequest.reception_day_id, func.count())
        .where(CitizenRequest.reception_day_id.is_not(None))
        .group_by(CitizenRequest.reception_day_id)
    )
    return {day_id: count for day_id, count in rows if day_id is not None}
