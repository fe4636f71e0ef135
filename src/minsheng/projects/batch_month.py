"""A batch project by project: each one's progress against its plan and its warning, and the
batch's figures and units computed from those rows.

Two views share one set of formulas, the ones of rollup.py (its programme, its "started", its
weighted progress with completed projects at 100). `live_rows` reads the projects as they are
now, the warning judged on the day given (as rollup.batch_figures does): what a circular names.
`rows_as_of` rebuilds the end of a past month from the monthly reports: what the monthly batch
report prints, so that October's report reads the same in December.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import NotFound
from minsheng.core.settings import Settings, get_settings
from minsheng.projects.models import (
    STAGE_LABELS,
    WARNING_LABELS,
    Batch,
    Project,
    Stage,
    WarningColour,
)
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.rollup import is_started, programme
from minsheng.projects.service import lag_warning, planned_percent

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ProjectRow:
    """One project's standing on a day: reported progress, the plan, the lag and the colour."""

    project: Project
    stage: Stage
    progress: float
    planned: float
    started: bool
    warning: WarningColour

    @property
    def lag(self) -> float:
        return max(self.planned - self.progress, 0.0)

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def warning_label(self) -> str:
        return WARNING_LABELS[self.warning]


def month_end(month: str) -> dt.date:
    """The last day of "2026-10"; NotFound for anything that is not a month."""
    match = MONTH.match(month or "")
    if match is None:
        raise NotFound("月份应写成 2026-10 这样的格式。")
    year, mon = int(match[1]), int(match[2])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def month_label(month: str) -> str:
    """ "2026-10" as 2026年10月."""
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def percent(value: float) -> str:
    """A percentage as people write it: 65, 65.5 (one decimal at most)."""
    rounded = round(value, 1)
    return f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"


def live_rows(db: Session, batch: Batch, *, on: dt.date) -> list[ProjectRow]:
    """Every project of the programme as it is now, plan and warning judged on `on`."""
    settings = get_settings()
    return [
        ProjectRow(
            project=p,
            stage=p.stage,
            progress=100.0 if p.stage == Stage.completed else p.progress,
            planned=100.0 if p.stage == Stage.completed else planned_percent(p, on),
            started=is_started(p),
            warning=lag_warning(p, on, settings),
        )
        for p in programme(db, batch)
    ]


def rows_as_of(
    db: Session, batch: Batch, month: str, *, settings: Settings | None = None
) -> list[ProjectRow]:
    """Every project of the programme at the end of `month`, from the reports filed for it."""
    settings = settings or get_settings()
    end = month_end(month)
    projects = programme(db, batch)
    latest: dict[int, float] = {}
    if projects:
        reports = db.execute(
            select(MonthlyReport.project_id, MonthlyReport.progress)
            .where(
                MonthlyReport.project_id.in_([p.id for p in projects]),
                MonthlyReport.month <= month,
            )
            .order_by(MonthlyReport.project_id, MonthlyReport.month)
        )
        latest = {project_id: progress for project_id, progress in reports}
    rows = []
    for p in projects:
        completed = p.completed_on is not None and p.completed_on <= end
        progress = latest.get(p.id)
        if progress is None:
            # No report yet: the project's own figure if it is not newer than the month.
            progress = p.progress if p.progress_month <= month else 0.0
        # A project completed since the month was running then; one chosen is still chosen.
        stage = Stage.completed if completed else Stage(p.stage)
        if stage == Stage.completed and not completed:
            stage = Stage.running
        if completed:
            progress = 100.0
        started = completed or (
            stage == Stage.running
            and (progress > 0 or (p.started_on is not None and p.started_on <= end))
        )
        planned = 100.0 if completed else planned_percent(p, end)
        rows.append(
            ProjectRow(
                project=p,
                stage=stage,
                progress=progress,
                planned=planned,
                started=started,
                warning=warning_as_of(p, stage, progress, planned, started, end, settings),
            )
        )
    return rows


def warning_as_of(
    project: Project,
    stage: Stage,
    progress: float,
    planned: float,
    started: bool,
    on: dt.date,
    settings: Settings,
) -> WarningColour:
    """service.lag_warning's rule applied to a past day's figures (it reads the live columns)."""
    if stage != Stage.running:
        return WarningColour.none
    lag = planned - progress
    if lag >= settings.project_red_lag:
        return WarningColour.red
    late_start = not started and (on - project.start_on).days > 31
    if lag >= settings.project_yellow_lag or late_start:
        return WarningColour.yellow
    return WarningColour.none


def figures_of(rows: list[ProjectRow]) -> dict[str, float | int]:
    """The batch's counts as rollup.batch_figures counts them: total, started, completed, on
    schedule (completed, or running without a warning), lagging (yellow and red), red, yellow,
    and the progress weighted by the projects' weights."""
    weights = sum(r.project.weight for r in rows)
    weighted = sum(r.progress * r.project.weight for r in rows) / weights if weights else 0.0
    red = sum(1 for r in rows if r.warning == WarningColour.red)
    yellow = sum(1 for r in rows if r.warning == WarningColour.yellow)
    on_schedule = sum(
        1
        for r in rows
        if r.stage == Stage.completed
        or (r.stage == Stage.running and r.warning == WarningColour.none)
    )
    return {
        "total": len(rows),
        "started": sum(1 for r in rows if r.started),
        "completed": sum(1 for r in rows if r.stage == Stage.completed),
        "on_schedule": on_schedule,
        "lagging": red + yellow,
        "red": red,
        "yellow": yellow,
        "weighted_progress": round(weighted, 1),
    }


@dataclass(frozen=True)
class UnitRow:
    name: str
    projects: int
    completed: int
    lagging: int
    weighted_progress: float


def units_of(rows: list[ProjectRow]) -> list[UnitRow]:
    """The lead units of the rows, each with its projects' count, completions, lags and weighted
    progress; the units with most projects first."""
    by_unit: dict[str, list[ProjectRow]] = {}
    for row in rows:
        by_unit.setdefault(row.project.lead_unit.name, []).append(row)
    units = []
    for name, own in by_unit.items():
        figures = figures_of(own)
        units.append(
            UnitRow(
                name=name,
                projects=len(own),
                completed=int(figures["completed"]),
                lagging=int(figures["lagging"]),
                weighted_progress=float(figures["weighted_progress"]),
            )
        )
    return sorted(units, key=lambda u: (-u.projects, u.name))
