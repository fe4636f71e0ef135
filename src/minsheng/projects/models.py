"""Practical projects (实事项目): a batch, its projects, their targets, milestones and followers.

The six steps live in sibling files: collection and notice in models_collection.py, monthly
reports and supervision in models_progress.py, circulars, evaluation and mechanisms in
models_review.py. This file holds what all of them point at.
"""

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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin, UTCDateTime, utcnow
from minsheng.org.models import Unit

# Fields of practical projects, as Kunshan's circulars group them.
AREAS: dict[str, str] = {
    "education": "教育托育",
    "health": "医疗卫生",
    "elderly": "养老助残",
    "employment": "就业创业",
    "business": "营商服务",
    "housing": "住房物业",
    "transport": "交通出行",
    "environment": "生态环境",
    "safety": "安全应急",
    "culture": "文化体育",
    "rural": "乡村振兴",
    "governance": "基层治理",
}


class Batch(TimestampMixin, Base):
    """A round of collection and the batch of projects chosen from it, e.g. 2026年第一批."""

    __tablename__ = "project_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # "2026-1", used in URLs
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(Text, default="")  # who may propose, what is in scope
    collect_from: Mapped[dt.date] = mapped_column(Date)
    collect_until: Mapped[dt.date] = mapped_column(Date)
    # Deputies' vote on candidates (票决); both empty when the batch has no vote.
    vote_opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    vote_closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    vote_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Day of the month by which last month's report is due (e.g. 5).
    report_day: Mapped[int] = mapped_column(Integer, default=5)
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    projects: Mapped[list[Project]] = relationship(back_populates="batch", order_by="Project.code")


class Stage(enum.StrEnum):
    candidate = "candidate"  # shortlisted from proposals, waiting for the choice or the vote
    chosen = "chosen"  # chosen (by vote or decision), waiting for its public notice
    not_chosen = "not_chosen"
    running = "running"  # noticed and under way: monthly reports are due
    completed = "completed"
    stopped = "stopped"  # halted by decision, with a reason on the timeline


STAGE_LABELS = {
    Stage.candidate: "候选项目",
    Stage.chosen: "已确定",
    Stage.not_chosen: "未入选",
    Stage.running: "实施中",
    Stage.completed: "已完成",
    Stage.stopped: "已终止",
}


class WarningColour(enum.StrEnum):
    none = "none"
    yellow = "yellow"  # lagging the plan by the yellow threshold, or a month late to start
    red = "red"  # lagging beyond the red threshold


WARNING_LABELS = {
    WarningColour.none: "正常",
    WarningColour.yellow: "黄色预警",
    WarningColour.red: "红色预警",
}


class Project(TimestampMixin, Base):
    """One practical project: who runs it, what it must reach, by when, and how far it is."""

    __tablename__ = "project"
    __audit_mask__ = frozenset({"responsible_phone"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # "2026-1-001"
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("project_batch.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(String(20))  # a key of AREAS
    lead_unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), index=True
    )
    responsible_person: Mapped[str] = mapped_column(String(40), default="")  # 责任领导, public
    responsible_phone: Mapped[str] = mapped_column(String(20), default="")  # staff only
    budget_wan: Mapped[float | None] = mapped_column(Float)  # 万元
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    stage: Mapped[Stage] = mapped_column(
        Enum(Stage, native_enum=False, length=20), default=Stage.candidate
    )
    # Weight in roll-ups of the batch and the unit; 1 unless set.
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    # The latest reported percent (0-100) and when it was reported; kept for fast lists.
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    progress_month: Mapped[str] = mapped_column(String(7), default="")  # "2026-10"
    started_on: Mapped[dt.date | None] = mapped_column(Date)  # first report above 0
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    warning: Mapped[WarningColour] = mapped_column(
        Enum(WarningColour, native_enum=False, length=10), default=WarningColour.none
    )
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    batch: Mapped[Batch] = relationship(back_populates="projects")
    lead_unit: Mapped[Unit] = relationship()
    co_units: Mapped[list[ProjectCoUnit]] = relationship(
        back_populates="project", order_by="ProjectCoUnit.id", cascade="all, delete-orphan"
    )
    targets: Mapped[list[Target]] = relationship(
        back_populates="project", order_by="Target.position", cascade="all, delete-orphan"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project", order_by="Milestone.due_on", cascade="all, delete-orphan"
    )

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def warning_label(self) -> str:
        return WARNING_LABELS[self.warning]

    @property
    def area_label(self) -> str:
        return AREAS.get(self.area, self.area)


class ProjectCoUnit(Base):
    """A unit that shares a project with its lead unit (配合单位)."""

    __tablename__ = "project_co_unit"
    __table_args__ = (UniqueConstraint("project_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)

    project: Mapped[Project] = relationship(back_populates="co_units")
    unit: Mapped[Unit] = relationship()


class Target(Base):
    """A measurable target: "惠及企业 40000 家". The unit of measure is required."""

    __tablename__ = "project_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    measure: Mapped[str] = mapped_column(String(20))  # 家, 处, 场, 人次 ...
    planned: Mapped[float] = mapped_column(Float)
    # The latest figure reported against it (cumulative), kept for fast pages.
    achieved: Mapped[float] = mapped_column(Float, default=0.0)

    project: Mapped[Project] = relationship(back_populates="targets")


class Milestone(Base):
    """A dated point of the plan: by due_on the project should stand at planned_percent."""

    __tablename__ = "project_milestone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    planned_percent: Mapped[float] = mapped_column(Float)
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    project: Mapped[Project] = relationship(back_populates="milestones")


class ProjectRequest(Base):
    """A citizen request that led to the project (问题清单 → 履职清单)."""

    __tablename__ = "project_request"
    __table_args__ = (UniqueConstraint("project_id", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )


class Follower(Base):
    """A resident told by SMS when the project's progress moves; one row per phone."""

    __tablename__ = "project_follower"
    __table_args__ = (UniqueConstraint("project_id", "phone"),)
    __audit_mask__ = frozenset({"phone"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(20))
    # Why they follow: they pressed the button, or their request led to the project.
    reason: Mapped[str] = mapped_column(String(20), default="follow")  # follow | request
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectEvent(Base):
    """A step on the project's public timeline: noticed, reported, warned, named in a circular."""

    __tablename__ = "project_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
