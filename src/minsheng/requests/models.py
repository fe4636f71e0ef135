"""A citizen request and its timeline. Contact details are personal data: masked in the trail."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin, UTCDateTime, utcnow
from minsheng.org.models import Region, Unit
from minsheng.routing.models import Category


class Channel(enum.StrEnum):
    qr_box = "qr_box"
    web = "web"
    hotline = "hotline"
    window = "window"
    reception_day = "reception_day"
    property_repair = "property_repair"
    inspection = "inspection"
    api = "api"


CHANNEL_LABELS = {
    Channel.qr_box: "扫码反映",
    Channel.web: "网上反映",
    Channel.hotline: "热线电话",
    Channel.window: "服务窗口",
    Channel.reception_day: "代表接待日",
    Channel.property_repair: "物业报修",
    Channel.inspection: "网格巡查",
    Channel.api: "系统对接",
}
# Channels an anonymous resident may name; the others are entered by staff.
PUBLIC_CHANNELS = {Channel.web, Channel.qr_box, Channel.property_repair, Channel.api}


class Status(enum.StrEnum):
    triage = "triage"  # waiting in the dispatch centre's queue
    dispatched = "dispatched"  # sent to a unit, not yet accepted
    in_progress = "in_progress"  # accepted by the unit
    closed = "closed"
    merged = "merged"


STATUS_LABELS = {
    Status.triage: "待分拣",
    Status.dispatched: "待签收",
    Status.in_progress: "办理中",
    Status.closed: "已办结",
    Status.merged: "已合并",
}


class CitizenRequest(TimestampMixin, Base):
    """One problem raised by one resident (or on their behalf), from receipt to closure."""

    __tablename__ = "citizen_request"
    __audit_mask__ = frozenset({"contact_phone", "contact_name"})
    __audit_redact__ = frozenset({"follow_token_hash"})
    __table_args__ = (
        Index("ix_citizen_request_unit_status", "unit_id", "status"),
        Index("ix_citizen_request_town_received", "town_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    follow_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=20))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200), default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="SET NULL"))
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    response_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Two staff acting at once: the second flush fails instead of overwriting the first.
    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship()
    unit: Mapped[Unit | None] = relationship()
    region: Mapped[Region | None] = relationship(foreign_keys=[region_id])
    town: Mapped[Region | None] = relationship(foreign_keys=[town_id])
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]


class RequestEvent(Base):
    """A step on a request's timeline: who did what, when, and what the resident may see."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    request: Mapped[CitizenRequest] = relationship(back_populates="events")
    unit: Mapped[Unit | None] = relationship()


class TrackingCounter(Base):
    """The last tracking number handed out on a day; numbers restart at 0001 each day."""

    __tablename__ = "tracking_counter"
    __audited__ = False

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
