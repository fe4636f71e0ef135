"""Regions and units, each a tree with a materialised path for scoped permission checks."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin


class RegionLevel(enum.StrEnum):
    city = "city"
    town = "town"
    zone = "zone"
    community = "community"
    village = "village"


REGION_LEVEL_LABELS = {
    RegionLevel.city: "市",
    RegionLevel.town: "镇",
    RegionLevel.zone: "区（开发区、度假区）",
    RegionLevel.community: "社区",
    RegionLevel.village: "村",
}

# Which levels may sit under which: keeps the tree city → towns/zones → communities/villages.
CHILD_LEVELS = {
    None: {RegionLevel.city},
    RegionLevel.city: {RegionLevel.town, RegionLevel.zone},
    RegionLevel.town: {RegionLevel.community, RegionLevel.village},
    RegionLevel.zone: {RegionLevel.community, RegionLevel.village},
    RegionLevel.community: set(),
    RegionLevel.village: set(),
}


class UnitKind(enum.StrEnum):
    city = "city"  # the one root: whoever holds a role here acts city-wide
    government = "government"
    department = "department"
    dispatch_centre = "dispatch_centre"
    town_office = "town_office"
    community = "community"
    company = "company"
    institution = "institution"
    party_congress = "party_congress"


UNIT_KIND_LABELS = {
    UnitKind.city: "全市（根单位）",
    UnitKind.government: "人民政府",
    UnitKind.department: "职能部门",
    UnitKind.dispatch_centre: "派单中心",
    UnitKind.town_office: "区镇机构",
    UnitKind.community: "社区居委会/村委会",
    UnitKind.company: "企业（如物业公司）",
    UnitKind.institution: "事业单位",
    UnitKind.party_congress: "党委、人大、政协机关",
}


class Region(TimestampMixin, Base):
    """A place on the division tree; `code` is the official statistical code where one exists."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(String(255), default="/", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    @property
    def level_label(self) -> str:
        return REGION_LEVEL_LABELS[self.level]


class Unit(TimestampMixin, Base):
    """A body that handles work: a department, a town office, a community committee, a company."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[UnitKind] = mapped_column(Enum(UnitKind, native_enum=False, length=30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    path: Mapped[str] = mapped_column(String(255), default="/", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])
    region: Mapped[Region | None] = relationship()

    @property
    def kind_label(self) -> str:
        return UNIT_KIND_LABELS[self.kind]
