"""What every step of the six-step method shares: look-ups, unit scope, events, plan and warning.

The steps' own services sit beside this file (collection.py, reports.py, supervision.py,
circulars.py, evaluation.py, mechanisms.py); they import from here, never from each other's
underscore helpers.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import Forbidden, NotFound
from minsheng.core.permissions import Permission, StaffPrincipal
from minsheng.core.settings import Settings, get_settings
from minsheng.projects.models import Batch, Project, ProjectEvent, Stage, WarningColour


def local_today() -> dt.date:
    """Today in the installation's time zone; the demo and the tests move it with clock_at."""
    return utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()


def get_batch(db: Session, *, code: str) -> Batch:
    batch = db.scalar(select(Batch).where(Batch.code == code))
    if batch is None:
        raise NotFound("没有这个实事项目批次。")
    return batch


def get_project(db: Session, *, code: str) -> Project:
    project = db.scalar(select(Project).where(Project.code == code))
    if project is None:
        raise NotFound("没有这个实事项目。")
    return project


def require(staff: StaffPrincipal, perm: Permission) -> None:
    if not staff.can(perm):
        raise Forbidden()


def require_unit(staff: StaffPrincipal, perm: Permission, project: Project) -> None:
    """The person holds `perm` in the project's lead unit or above it: units edit only their own."""
    if not staff.can(perm, project.lead_unit.path):
        raise Forbidden("这个实事项目不由您的单位牵头，您不能填报或修改。")


def record_event(
    db: Session,
    project: Project,
    kind: str,
    text: str,
    *,
    actor_label: str = "",
    public: bool = True,
) -> ProjectEvent:
    """One step on the project's timeline, shown on its public page when `public`."""
    event = ProjectEvent(
        project_id=project.id, kind=kind, text=text, actor_label=actor_label, public=public
    )
    db.add(event)
    return event


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(day: dt.date) -> str:
    """The month a report filed on `day` is about: the one before."""
    first = day.replace(day=1)
    return month_key(first - dt.timedelta(days=1))


def report_due_on(batch: Batch, month: str) -> dt.date:
    """A month's report is due on the batch's report day of the following month."""
    year, mon = (int(part) for part in month.split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return dt.date(year, mon, min(batch.report_day, 28))


def planned_percent(project: Project, on: dt.date) -> float:
    """Where the plan says the project should stand on `on`: straight lines between the start
    (0), the milestones, and the end (100)."""
    points = [(project.start_on, 0.0)]
    milestones = sorted(project.milestones, key=lambda m: m.due_on)
    points += [(m.due_on, m.planned_percent) for m in milestones]
    points.append((project.end_on, 100.0))
    if on <= points[0][0]:
        return 0.0
    for (day0, pct0), (day1, pct1) in zip(points, points[1:], strict=False):
        if on <= day1:
            span = (day1 - day0).days
            if span <= 0:
                return pct1
            return pct0 + (pct1 - pct0) * (on - day0).days / span
    return 100.0


def measured_on(project: Project, on: dt.date) -> dt.date:
    """The day the project's latest figure stands for: the end of the month last reported, or of
    the latest month whose report was due by `on` if that is later (a missing report lags)."""
    due = previous_month(on)
    if on < report_due_on(project.batch, due):
        due = previous_month(on.replace(day=1) - dt.timedelta(days=1))
    month = max(due, project.progress_month or due)
    return min(on, _month_end(month))


def _month_end(month: str) -> dt.date:
    year, mon = (int(part) for part in month.split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return dt.date(year, mon, 1) - dt.timedelta(days=1)


def lag_warning(project: Project, on: dt.date, settings: Settings) -> WarningColour:
    """Yellow when lagging the plan by the yellow threshold or a month late to start; red beyond
    the red threshold. The figure is compared with the plan on the day it stands for, not with
    today's plan, so that a report on time is not behind merely because a month has passed.
    Only running projects are warned."""
    if project.stage != Stage.running:
        return WarningColour.none
    lag = planned_percent(project, measured_on(project, on)) - project.progress
    if lag >= settings.project_red_lag:
        return WarningColour.red
    late_start = project.started_on is None and (on - project.start_on).days > 31
    if lag >= settings.project_yellow_lag or late_start:
        return WarningColour.yellow
    return WarningColour.none
