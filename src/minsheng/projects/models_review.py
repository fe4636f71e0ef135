"""问题通报, 绩效评估, 建章立制: circulars, evaluation schemes and ratings, lasting mechanisms."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin, UTCDateTime, utcnow
from minsheng.feedback.models import Satisfaction
from minsheng.org.models import Unit
from minsheng.projects.models import Batch, Project


class CircularStatus(enum.StrEnum):
    draft = "draft"
    approved = "approved"  # approved by a second supervisor, not yet public
    published = "published"
    superseded = "superseded"  # replaced by a corrected circular; never edited once published


CIRCULAR_LABELS = {
    CircularStatus.draft: "草稿",
    CircularStatus.approved: "已审核",
    CircularStatus.published: "已发布",
    CircularStatus.superseded: "已更正",
}


class Circular(TimestampMixin, Base):
    """A circular (通报) on a batch for a period: figures, lagging projects, required actions."""

    __tablename__ = "project_circular"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("project_batch.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[str] = mapped_column(String(40), unique=True)  # 昆实事通〔2026〕3号
    title: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(7))  # the month reported on, "2026-10"
    body: Mapped[str] = mapped_column(Text, default="")  # the editable text around the tables
    # The counts as drafted (started, completed, on schedule, lagging): JSON, frozen on publish.
    figures: Mapped[str] = mapped_column(Text, default="{}")
    rectify_by: Mapped[dt.date] = mapped_column(Date)  # default deadline for named units
    status: Mapped[CircularStatus] = mapped_column(
        Enum(CircularStatus, native_enum=False, length=20), default=CircularStatus.draft
    )
    drafted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_circular.id", ondelete="SET NULL")
    )

    batch: Mapped[Batch] = relationship()
    items: Mapped[list[CircularItem]] = relationship(
        back_populates="circular", cascade="all, delete-orphan", order_by="CircularItem.position"
    )

    @property
    def status_label(self) -> str:
        return CIRCULAR_LABELS[self.status]


class CircularItem(Base):
    """A project named in a circular: its status, the cause, the action required, the answer."""

    __tablename__ = "project_circular_item"
    __table_args__ = (UniqueConstraint("circular_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circular_id: Mapped[int] = mapped_column(
        ForeignKey("project_circular.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    situation: Mapped[str] = mapped_column(Text, default="")  # progress vs plan, as drafted
    cause: Mapped[str] = mapped_column(Text, default="")
    required_action: Mapped[str] = mapped_column(Text, default="")
    leader: Mapped[str] = mapped_column(String(40), default="")  # responsible leader
    deadline: Mapped[dt.date] = mapped_column(Date)
    # The named unit's rectification answer (整改情况).
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    circular: Mapped[Circular] = relationship(back_populates="items")
    project: Mapped[Project] = relationship()


class Indicator(Base):
    """A weighted indicator of a batch's evaluation scheme: progress, timeliness, targets..."""

    __tablename__ = "project_indicator"
    __table_args__ = (UniqueConstraint("batch_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("project_batch.id", ondelete="CASCADE"), index=True
    )
    # progress | timeliness | targets | quality | satisfaction: how the score is computed.
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40))
    weight: Mapped[float] = mapped_column(Float)  # weights of a batch add up to 100


class QualityScore(Base):
    """The supervisors' quality mark for a project (0-100), with the reason behind it."""

    __tablename__ = "project_quality"
    __table_args__ = (UniqueConstraint("project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text)
    scored_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    scored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectRating(Base):
    """A resident's satisfaction with a project: one per phone number (hashed) per project."""

    __tablename__ = "project_rating"
    # Comments may name people; the trail records that one was written, masked.
    __audit_mask__ = frozenset({"comment"})
    __table_args__ = (UniqueConstraint("project_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    phone_hash: Mapped[str] = mapped_column(String(64))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="SET NULL"))
    satisfaction: Mapped[Satisfaction] = mapped_column(
        Enum(Satisfaction, native_enum=False, length=20)
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    via: Mapped[str] = mapped_column(String(10), default="page")  # page | site (QR at the site)
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeputyRating(Base):
    """A deputy's vote in the committee's satisfaction survey: one per deputy and project."""

    __tablename__ = "project_deputy_rating"
    # Comments may name people; the trail records that one was written, masked.
    __audit_mask__ = frozenset({"comment"})
    __table_args__ = (UniqueConstraint("project_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    deputy_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="RESTRICT"))
    satisfaction: Mapped[Satisfaction] = mapped_column(
        Enum(Satisfaction, native_enum=False, length=20)
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MechanismKind(enum.StrEnum):
    rule = "rule"  # 制度
    procedure = "procedure"  # 工作机制 / 常态化流程
    document = "document"  # 规范性文件


MECHANISM_LABELS = {
    MechanismKind.rule: "制度",
    MechanismKind.procedure: "长效工作机制",
    MechanismKind.document: "规范性文件",
}


class Mechanism(TimestampMixin, Base):
    """A lasting mechanism (长效机制) that a finished project left behind, listed publicly."""

    __tablename__ = "project_mechanism"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # "JZ2026-001"
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MechanismKind] = mapped_column(Enum(MechanismKind, native_enum=False, length=20))
    issuing_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))

    issuing_unit: Mapped[Unit] = relationship()
    versions: Mapped[list[MechanismVersion]] = relationship(
        back_populates="mechanism",
        cascade="all, delete-orphan",
        order_by="MechanismVersion.number",
    )

    @property
    def kind_label(self) -> str:
        return MECHANISM_LABELS[self.kind]


class MechanismVersion(Base):
    """One version of a mechanism's text or file; a new version never overwrites the old."""

    __tablename__ = "project_mechanism_version"
    __table_args__ = (UniqueConstraint("mechanism_id", "number"),)
    __audit_ignore__ = frozenset({"file_content"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(
        ForeignKey("project_mechanism.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ...
    text: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_type: Mapped[str] = mapped_column(String(100), default="")
    file_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")  # what changed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    mechanism: Mapped[Mechanism] = relationship(back_populates="versions")


class MechanismLink(Base):
    """A project or a citizen request that led to a mechanism."""

    __tablename__ = "project_mechanism_link"
    __table_args__ = (UniqueConstraint("mechanism_id", "project_id", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(
        ForeignKey("project_mechanism.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )
