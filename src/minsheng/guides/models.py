"""The catalogue of matters with their published versions, step-by-step bundles, printable cards,
synonyms for search, and what readers did with them (views, scans, votes, questions)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin, UTCDateTime, utcnow
from minsheng.org.models import Unit


class MatterStatus(enum.StrEnum):
    draft = "draft"  # created, never published: staff only
    published = "published"
    withdrawn = "withdrawn"  # no longer handled; pages say so and point elsewhere


STATUS_LABELS = {
    MatterStatus.draft: "草稿",
    MatterStatus.published: "已发布",
    MatterStatus.withdrawn: "已停止办理",
}


class Matter(TimestampMixin, Base):
    """A matter (事项) the city handles; its text lives in versions, the code never changes."""

    __tablename__ = "guide_matter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The implementing body (实施主体); its handlers edit the matter and answer its feedback.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    status: Mapped[MatterStatus] = mapped_column(
        Enum(MatterStatus, native_enum=False, length=20), default=MatterStatus.draft
    )
    # The number of the version readers see now; None until first published.
    current_number: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(String(200), default="")

    unit: Mapped[Unit] = relationship()
    versions: Mapped[list[MatterVersion]] = relationship(
        back_populates="matter", order_by="MatterVersion.number", cascade="all, delete-orphan"
    )


class MatterVersion(Base):
    """One text of a matter as published: never edited, replaced by the next number.

    The lists (materials, steps, phones, forms, questions, related codes) are JSON shaped by
    schemas.MatterContent, because a version is one immutable document read whole."""

    __tablename__ = "guide_matter_version"
    __table_args__ = (UniqueConstraint("matter_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("guide_matter.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # 行政许可, 公共服务, … (schemas.KINDS)
    summary: Mapped[str] = mapped_column(String(300), default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    legal_days: Mapped[int | None] = mapped_column(Integer)  # working days; None: 即办
    promised_days: Mapped[int | None] = mapped_column(Integer)
    fee: Mapped[str] = mapped_column(String(300), default="不收费")
    window: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    visits: Mapped[int] = mapped_column(Integer, default=1)  # 到办事现场次数
    online_url: Mapped[str] = mapped_column(String(500), default="")
    online_note: Mapped[str] = mapped_column(String(300), default="")
    phones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    forms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    change_note: Mapped[str] = mapped_column(String(300), default="")
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # set when superseded
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    matter: Mapped[Matter] = relationship(back_populates="versions")


class Bundle(TimestampMixin, Base):
    """A step-by-step journey (开小餐馆) chaining several matters in order."""

    __tablename__ = "guide_bundle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(500), default="")
    published: Mapped[bool] = mapped_column(Boolean, default=True)

    steps: Mapped[list[BundleStep]] = relationship(
        back_populates="bundle", order_by="BundleStep.position", cascade="all, delete-orphan"
    )


class BundleStep(Base):
    __tablename__ = "guide_bundle_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(
        ForeignKey("guide_bundle.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    matter_id: Mapped[int] = mapped_column(ForeignKey("guide_matter.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(100), default="")  # defaults to the matter's
    note: Mapped[str] = mapped_column(String(500), default="")  # e.g. "营业执照下来后再办"

    bundle: Mapped[Bundle] = relationship(back_populates="steps")
    matter: Mapped[Matter] = relationship()


class Card(TimestampMixin, Base):
    """A printable card (个体经营知晓卡): a selection of matters for an audience, with a QR code."""

    __tablename__ = "guide_card"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(60))
    audience: Mapped[str] = mapped_column(String(100), default="")
    intro: Mapped[str] = mapped_column(String(300), default="")
    hotline: Mapped[str] = mapped_column(String(40), default="12345")
    issuer: Mapped[str] = mapped_column(String(100), default="")  # printed at the foot
    published: Mapped[bool] = mapped_column(Boolean, default=True)

    items: Mapped[list[CardItem]] = relationship(
        back_populates="card", order_by="CardItem.position", cascade="all, delete-orphan"
    )


class CardItem(Base):
    __tablename__ = "guide_card_item"
    __table_args__ = (UniqueConstraint("card_id", "matter_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("guide_card.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    matter_id: Mapped[int] = mapped_column(ForeignKey("guide_matter.id", ondelete="RESTRICT"))

    card: Mapped[Card] = relationship(back_populates="items")
    matter: Mapped[Matter] = relationship()


class SynonymGroup(Base):
    """Words residents use for the same thing (门头 招牌 店招), managed by staff for search."""

    __tablename__ = "guide_synonym"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    words: Mapped[str] = mapped_column(String(300))  # space-separated, two or more
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Usage(Base):
    """Per matter and day: page views, QR scans and votes, for popularity and the unit's view."""

    __tablename__ = "guide_usage"
    __table_args__ = (UniqueConstraint("matter_id", "day"),)
    __audited__ = False  # counters: the audit trail is for changes people make

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("guide_matter.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)
    scans: Mapped[int] = mapped_column(Integer, default=0)
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    unhelpful: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackStatus(enum.StrEnum):
    open = "open"  # an unhelpful vote with a comment: a task for the unit
    done = "done"
    none = "none"  # a vote without anything to act on


class Feedback(Base):
    """'Was this helpful?' on a page; an unhelpful one with a comment is a task for the unit."""

    __tablename__ = "guide_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("guide_matter.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int] = mapped_column(Integer)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[FeedbackStatus] = mapped_column(
        Enum(FeedbackStatus, native_enum=False, length=10), default=FeedbackStatus.none
    )
    answer: Mapped[str] = mapped_column(String(500), default="")  # what the unit did about it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    matter: Mapped[Matter] = relationship()


class Question(Base):
    """A request filed from a guide's "not clear? ask": the request tagged with its matter."""

    __tablename__ = "guide_question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("guide_matter.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[Matter] = relationship()
