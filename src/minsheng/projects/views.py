"""Projects and batches as the API shows them; the responsible phone only in the staff shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.projects import follow, links, ratings, rollup
from minsheng.projects.models import Batch, Project, ProjectEvent
from minsheng.projects.schemas_public import (
    BatchDetail,
    BatchFigures,
    BatchRead,
    BatchRef,
    EventRead,
    MilestoneRead,
    ProjectRead,
    ProjectStaff,
    ProjectSummary,
    TargetRead,
    UnitFigures,
    UnitRef,
    WarningRead,
)
from minsheng.projects.service import planned_percent


def target_percent(achieved: float, planned: float) -> float:
    return round(achieved * 100 / planned, 1) if planned else 0.0


def public_events(db: Session, project: Project) -> list[ProjectEvent]:
    """The public timeline, newest first."""
    return list(
        db.scalars(
            select(ProjectEvent)
            .where(ProjectEvent.project_id == project.id, ProjectEvent.public.is_(True))
            .order_by(ProjectEvent.at.desc(), ProjectEvent.id.desc())
        )
    )


def summary(project: Project, on: dt.date) -> ProjectSummary:
    return ProjectSummary(
        code=project.code,
        title=project.title,
        batch=BatchRef(code=project.batch.code, name=project.batch.name),
        area=project.area,
        area_label=project.area_label,
        stage=project.stage,
        stage_label=project.stage_label,
        lead_unit=UnitRef(id=project.lead_unit.id, name=project.lead_unit.name),
        progress=project.progress,
        planned_progress=round(planned_percent(project, on), 1),
        warning=WarningRead(code=project.warning, label=project.warning_label),
        end_on=project.end_on,
        url=f"/projects/{project.code}",
    )


def read(db: Session, project: Project, on: dt.date, *, staff: bool) -> ProjectRead:
    """The whole project; `staff` adds what only the workbench may see."""
    base = summary(project, on).model_dump()
    base |= {
        "description": project.description,
        "co_units": [UnitRef(id=c.unit.id, name=c.unit.name) for c in project.co_units],
        "responsible_person": project.responsible_person,
        "budget_wan": project.budget_wan,
        "start_on": project.start_on,
        "weight": project.weight,
        "progress_month": project.progress_month,
        "started_on": project.started_on,
        "completed_on": project.completed_on,
        "planned_on": on,
        "targets": [
            TargetRead(
                name=t.name,
                measure=t.measure,
                planned=t.planned,
                achieved=t.achieved,
                percent=target_percent(t.achieved, t.planned),
            )
            for t in project.targets
        ],
        "milestones": [
            MilestoneRead(
                title=m.title,
                due_on=m.due_on,
                planned_percent=m.planned_percent,
                done_on=m.done_on,
            )
            for m in project.milestones
        ],
        "satisfaction": ratings.summary(db, project),
        "followers": follow.count(db, project),
        "request_count": links.request_count(db, project),
        "proposals": [p.number for p in links.proposals_of(db, project)],
        "timeline": [
            EventRead(at=e.at, kind=e.kind, text=e.text) for e in public_events(db, project)
        ],
    }
    if not staff:
        return ProjectRead(**base)
    return ProjectStaff(
        **base,
        responsible_phone=project.responsible_phone,
        public=project.public,
        version=project.version,
        request_numbers=links.request_numbers(db, project),
    )


def batch_read(db: Session, batch: Batch, on: dt.date, *, units: bool = False) -> BatchRead:
    values: dict[str, Any] = {
        "code": batch.code,
        "name": batch.name,
        "scope": batch.scope,
        "collect_from": batch.collect_from,
        "collect_until": batch.collect_until,
        "report_day": batch.report_day,
        "vote_opens_at": batch.vote_opens_at,
        "vote_closes_at": batch.vote_closes_at,
        "public": batch.public,
        "figures": BatchFigures(**rollup.batch_figures(db, batch, on)),
        "on": on,
    }
    if not units:
        return BatchRead(**values)
    rows = [UnitFigures(**row) for row in rollup.unit_figures(db, batch, on)]
    return BatchDetail(**values, units=rows)
