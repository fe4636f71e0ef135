"""月报进展 and 过程监督: monthly reports with results and files; supervision notes."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
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

from minsheng.core.db import Base, UTCDateTime, utcnow
from minsheng.projects.models import Project, Target


class MonthlyReport(Base):
    """What a lead unit reports for one project and one month; one report per month."""

    __tablename__ = "project_report"
    __table_args__ = (UniqueConstraint("project_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[str] = mapped_column(String(7), index=True)  # "2026-10": the month reported on
    progress: Mapped[float] = mapped_column(Float)  # cumulative percent, 0-100
    done: Mapped[str] = mapped_column(Text)  # what was done this month
    problems: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    # Required when progress goes below the previous month's (a re-measured scope, say).
    regress_reason: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[dt.date] = mapped_column(Date)  # the batch's report day of the next month
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # filed after due_on
    via: Mapped[str] = mapped_column(String(10), default="form")  # form | excel | api

    project: Mapped[Project] = relationship()
    results: Mapped[list[ReportResult]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportResult.id"
    )
    files: Mapped[list[ReportFile]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportFile.id"
    )


class ReportResult(Base):
    """The cumulative figure reached against one target, as of the report's month."""

    __tablename__ = "project_report_result"
    __table_args__ = (UniqueConstraint("report_id", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("project_report.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("project_target.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[float] = mapped_column(Float)

    report: Mapped[MonthlyReport] = relationship(back_populates="results")
    target: Mapped[Target] = relationship()


class ReportFile(Base):
    """A photo (re-encoded without metadata, see core.images) or an attachment of a report."""

    __tablename__ = "project_report_file"
    __audit_ignore__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("project_report.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40), unique=True)  # unguessable, used in URLs
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    is_photo: Mapped[bool] = mapped_column(Boolean, default=True)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[MonthlyReport] = relationship(back_populates="files")


class NoteKind(enum.StrEnum):
    note = "note"  # 督查意见
    site_visit = "site_visit"  # 现场检查
    instruction = "instruction"  # 督办指令: the unit must answer by the deadline


NOTE_LABELS = {
    NoteKind.note: "督查意见",
    NoteKind.site_visit: "现场检查",
    NoteKind.instruction: "督办指令",
}


class SupervisionNote(Base):
    """A supervisor's note, site visit or instruction on a project; instructions need an answer."""

    __tablename__ = "project_supervision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NoteKind] = mapped_column(Enum(NoteKind, native_enum=False, length=20))
    text: Mapped[str] = mapped_column(Text)
    visited_on: Mapped[dt.date | None] = mapped_column(Date)  # site visits
    answer_by: Mapped[dt.date | None] = mapped_column(Date)  # instructions
    written_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    project: Mapped[Project] = relationship()

    @property
    def kind_label(self) -> str:
        return NOTE_LABELS[self.kind]
