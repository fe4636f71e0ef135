"""Categories (a tree, each with time limits) and routing rules (category × place → unit)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin
from minsheng.org.models import Region, Unit


class Category(TimestampMixin, Base):
    """A kind of problem residents report, e.g. 物业管理 › 电梯故障.

    Time limits left empty are inherited from the parent; the root's come from settings.
    """

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(String(255), default="/", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(500), default="")  # space-separated, for search
    response_hours: Mapped[int | None] = mapped_column(Integer)  # accept within, working hours
    resolve_days: Mapped[int | None] = mapped_column(Integer)  # resolve within, working days
    accepts_public: Mapped[bool] = mapped_column(Boolean, default=True)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id])
    default_unit: Mapped[Unit | None] = relationship()


class RoutingRule(TimestampMixin, Base):
    """Requests of `category` (and its subcategories) in `region` (and below) go to `unit`."""

    __tablename__ = "routing_rule"
    __table_args__ = (UniqueConstraint("category_id", "region_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(String(200), default="")

    category: Mapped[Category] = relationship()
    region: Mapped[Region | None] = relationship()
    unit: Mapped[Unit] = relationship()
