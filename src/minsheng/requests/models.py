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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
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
    open311 = "open311"  # an integration through the Open311 endpoint, never named by residents


CHANNEL_LABELS = {
    Channel.qr_box: "扫码反映",
    Channel.web: "网上反映",
    Channel.hotline: "热线电话",
    Channel.window: "服务窗口",
    Channel.reception_day: "代表接待日",
    Channel.property_repair: "物业报修",
    Channel.inspection: "网格巡查",
    Channel.api: "系统对接",
    Channel.open311: "Open311对接",
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


class Priority(enum.StrEnum):
    emergency = "emergency"  # a danger to people: hours, not days
    urgent = "urgent"  # water, power, heating out: a day
    normal = "normal"  # the category's own limits
    complex = "complex"  # needs several units or works: longer resolution limit


PRIORITY_LABELS = {
    Priority.emergency: "紧急",
    Priority.urgent: "加急",
    Priority.normal: "一般",
    Priority.complex: "复杂",
}


class Outcome(enum.StrEnum):
    resolved = "resolved"
    explained = "explained"  # answered with an explanation (policy, already planned, ...)
    not_ours = "not_ours"  # not a government matter, or not this city's
    merged = "merged"


OUTCOME_LABELS = {
    Outcome.resolved: "已解决",
    Outcome.explained: "已解释说明",
    Outcome.not_ours: "不属于职责范围",
    Outcome.merged: "已并入其他诉求",
}


class DueColour(enum.StrEnum):
    """How close a request is to its limit, as the periodic job last saw it."""

    none = "none"
    yellow = "yellow"  # most of the limit used
    red = "red"  # past the limit


DUE_LABELS = {DueColour.none: "正常", DueColour.yellow: "即将超期", DueColour.red: "已超期"}


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
    priority: Mapped[Priority] = mapped_column(
        Enum(Priority, native_enum=False, length=20), default=Priority.normal
    )
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[Outcome | None] = mapped_column(Enum(Outcome, native_enum=False, length=20))
    due_colour: Mapped[DueColour] = mapped_column(
        Enum(DueColour, native_enum=False, length=10), default=DueColour.none
    )
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # For the supervisor: reopened after a poor rating, or escalated past its limit.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Allowed on the public list: not confidential and the reporter did not object.
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    qr_box_id: Mapped[int | None] = mapped_column(ForeignKey("qr_box.id", ondelete="SET NULL"))
    reception_day_id: Mapped[int | None] = mapped_column(
        ForeignKey("reception_day.id", ondelete="SET NULL")
    )
    estate_id: Mapped[int | None] = mapped_column(ForeignKey("estate.id", ondelete="SET NULL"))
    building: Mapped[str] = mapped_column(String(40), default="")
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
    merged_into: Mapped[CitizenRequest | None] = relationship(remote_side=[id])
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    co_units: Mapped[list[RequestCoUnit]] = relationship(
        back_populates="request", order_by="RequestCoUnit.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[RequestPhoto]] = relationship(
        back_populates="request", order_by="RequestPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS[self.priority]

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome] if self.outcome else ""

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.closed, Status.merged)

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
    photos: Mapped[list[RequestPhoto]] = relationship(
        back_populates="event", order_by="RequestPhoto.id"
    )


class RequestCoUnit(Base):
    """A unit that shares a split request with its lead unit (协办单位)."""

    __tablename__ = "request_co_unit"
    __table_args__ = (UniqueConstraint("request_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    task: Mapped[str] = mapped_column(String(500), default="")
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[CitizenRequest] = relationship(back_populates="co_units")
    unit: Mapped[Unit] = relationship()


class RequestPhoto(Base):
    """A photo with the report or a reply, re-encoded without its metadata."""

    __tablename__ = "request_photo"
    __audit_ignore__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_event.id", ondelete="SET NULL")
    )
    # Unguessable, so that a photo's address does not walk to the next one.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[CitizenRequest] = relationship(back_populates="photos")
    event: Mapped[RequestEvent | None] = relationship(back_populates="photos")


class ExtensionStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


EXTENSION_LABELS = {
    ExtensionStatus.pending: "待审批",
    ExtensionStatus.approved: "已同意",
    ExtensionStatus.refused: "未同意",
}


class Extension(Base):
    """A unit asks for more working days; a supervisor approves or refuses."""

    __tablename__ = "request_extension"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        Enum(ExtensionStatus, native_enum=False, length=10), default=ExtensionStatus.pending
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    due_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[CitizenRequest] = relationship()

    @property
    def status_label(self) -> str:
        return EXTENSION_LABELS[self.status]


class TrackingCounter(Base):
    """The last tracking number handed out on a day; numbers restart at 0001 each day."""

    __tablename__ = "tracking_counter"
    __audited__ = False

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
