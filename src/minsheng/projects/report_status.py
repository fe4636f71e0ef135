"""Where each project stands with a month's report: filed, filed late, due, or missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from minsheng.core.permissions import StaffPrincipal
from minsheng.org.models import Unit
from minsheng.projects import service
from minsheng.projects.models import Project, Stage
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS

STATE_LABELS = {
    "filed": "已填报",
    "late": "逾期填报",
    "due": "待填报",
    "missing": "逾期未报",
}


@dataclass(frozen=True)
class MonthStatus:
    project: Project
    month: str
    due_on: dt.date
    report: MonthlyReport | None
    state: str  # a key of STATE_LABELS

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def owes(project: Project, month: str) -> bool:
    """A running project owes a report for every month from its start month on."""
    return project.stage == Stage.running and month >= service.month_key(project.start_on)


def state_of(report: MonthlyReport | None, due_on: dt.date, today: dt.date) -> str:
    if report is not None:
        return "late" if report.late else "filed"
    return "missing" if today > due_on else "due"


def statuses(db: Session, projects: list[Project], month: str, today: dt.date) -> list[MonthStatus]:
    """The month's state for each project that owes a report for it, in the projects' order."""
    owing = [p for p in projects if owes(p, month)]
    found = {
        r.project_id: r
        for r in db.scalars(
            select(MonthlyReport).where(
                MonthlyReport.month == month,
                MonthlyReport.project_id.in_([p.id for p in owing] or [0]),
            )
        )
    }
    rows = []
    for project in owing:
        due_on = service.report_due_on(project.batch, month)
        report = found.get(project.id)
        rows.append(MonthStatus(project, month, due_on, report, state_of(report, due_on, today)))
    return rows


def reporting_projects(db: Session, staff: StaffPrincipal) -> list[Project]:
    """Running projects whose reports this person files: their units' (or, for the programme
    office, every unit's under them)."""
    paths = set(staff.units_for(REPORT_PROGRESS)) | set(staff.units_for(MANAGE_PROJECTS))
    if not paths:
        return []
    query = (
        select(Project)
        .join(Unit, Unit.id == Project.lead_unit_id)
        .where(Project.stage == Stage.running, or_(*(Unit.path.startswith(p) for p in paths)))
        .options(
            selectinload(Project.targets),
            selectinload(Project.batch),
            selectinload(Project.lead_unit),
        )
        .order_by(Project.code)
    )
    return list(db.scalars(query))
