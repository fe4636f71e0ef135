"""What goes out for batches and projects: the public shapes, and the staff one that adds the
responsible person's phone and the version to edit with. Followers are never listed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from minsheng.projects.models import Stage, WarningColour


class WarningRead(BaseModel):
    code: WarningColour = Field(description="none、yellow（黄色预警）或 red（红色预警）")
    label: str = Field(examples=["黄色预警"])


class UnitRef(BaseModel):
    id: int
    name: str


class BatchRef(BaseModel):
    code: str
    name: str


class TargetRead(BaseModel):
    name: str
    measure: str = Field(description="计量单位，如 家、处、人次")
    planned: float
    achieved: float = Field(description="最近一次月报填报的累计完成数")
    percent: float = Field(description="完成数占计划数的百分比（可超过 100）")


class MilestoneRead(BaseModel):
    title: str
    due_on: dt.date
    planned_percent: float
    done_on: dt.date | None


class EventRead(BaseModel):
    at: dt.datetime
    kind: str
    text: str


class ProjectSummary(BaseModel):
    """A row of the list."""

    code: str
    title: str
    batch: BatchRef
    area: str
    area_label: str
    stage: Stage
    stage_label: str
    lead_unit: UnitRef
    progress: float = Field(description="最近一次月报的累计进度（%）")
    planned_progress: float = Field(description="按计划今天应达到的进度（%）")
    warning: WarningRead
    end_on: dt.date
    url: str


class ProjectsPage(BaseModel):
    items: list[ProjectSummary]
    total: int = Field(description="符合条件的项目总数")
    page: int
    per_page: int
    pages: int


class ProjectRead(ProjectSummary):
    """A project as the public sees it."""

    description: str
    co_units: list[UnitRef]
    responsible_person: str
    budget_wan: float | None = Field(description="预算（万元）")
    start_on: dt.date
    weight: float
    progress_month: str = Field(description="最近一次月报所报的月份，如 2026-10")
    started_on: dt.date | None
    completed_on: dt.date | None
    planned_on: dt.date = Field(description="planned_progress 所按的日期（今天）")
    targets: list[TargetRead]
    milestones: list[MilestoneRead]
    satisfaction: dict[str, Any] = Field(description="群众满意度：各项票数、满意率和代表测评结果")
    followers: int = Field(description="关注人数")
    request_count: int = Field(description="由多少件群众诉求而来")
    proposals: list[str] = Field(description="来源建议编号")
    timeline: list[EventRead]


class ProjectStaff(ProjectRead):
    """What staff with the projects workbench see besides: the phone and the version."""

    responsible_phone: str
    public: bool
    version: int
    request_numbers: list[str]


class BatchFigures(BaseModel):
    total: int = Field(description="列入本批次的项目数（已确定、实施中、已完成）")
    started: int
    completed: int
    running: int
    on_schedule: int
    lagging: int = Field(description="黄色和红色预警合计")
    yellow: int
    red: int
    stopped: int
    weighted_progress: float = Field(description="按权重汇总的进度（0–100）")
    planned_progress: float
    headline: str = Field(examples=["全部188个项目已全面开展"])


class UnitFigures(BaseModel):
    unit: str
    unit_id: int
    projects: int
    started: int
    completed: int
    weighted_progress: float
    planned_progress: float
    lagging: int
    red: int


class BatchRead(BaseModel):
    code: str
    name: str
    scope: str
    collect_from: dt.date
    collect_until: dt.date
    report_day: int
    vote_opens_at: dt.datetime | None
    vote_closes_at: dt.datetime | None
    public: bool
    figures: BatchFigures
    on: dt.date = Field(description="数字所按的日期（今天）")


class BatchDetail(BatchRead):
    units: list[UnitFigures]
