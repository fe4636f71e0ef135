"""A QR suggestion box at a place, a deputies' reception day, a managed estate for repairs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin
from minsheng.org.models import Region, Unit


class QrBox(TimestampMixin, Base):
    """码上反映: a poster with a QR code at a place; scanning opens the form with the place set."""

    __tablename__ = "qr_box"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # In the poster's URL; random, so boxes cannot be enumerated and filled with junk.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    town_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    # Requests from this box go here first, whatever the category's routing says.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    town: Mapped[Region] = relationship(foreign_keys=[town_id])
    community: Mapped[Region | None] = relationship(foreign_keys=[community_id])
    unit: Mapped[Unit | None] = relationship()


class ReceptionDay(TimestampMixin, Base):
    """人大代表接待日: deputies meet residents; each issue raised becomes a linked request."""

    __tablename__ = "reception_day"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    deputies: Mapped[str] = mapped_column(String(500))  # names, separated by 、
    town_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    notes: Mapped[str] = mapped_column(Text, default="")

    town: Mapped[Region | None] = relationship()


class Estate(TimestampMixin, Base):
    """A managed residential estate; repairs reported there go to its property company."""

    __tablename__ = "estate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    town_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    buildings: Mapped[str] = mapped_column(Text, default="")  # one per line: 1幢, 2幢, ...
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    town: Mapped[Region] = relationship(foreign_keys=[town_id])
    community: Mapped[Region | None] = relationship(foreign_keys=[community_id])
    unit: Mapped[Unit] = relationship()

    @property
    def building_list(self) -> list[str]:
        return [b.strip() for b in self.buildings.splitlines() if b.strip()]
