"""Progress rolled up from projects into batches and units, so that "188 projects, all started"
is a figure the system computes, never one somebody types.

Counted: the projects in the batch's programme (chosen, running, completed); candidates, those
not chosen and stopped ones are left out of the total (stopped ones are counted apart).
Started: completed, or running with a start date or a progress above 0.
Warnings are judged on the day asked for with the same rule as the supervision step
(service.lag_warning), so the figures agree with the plan even before the nightly sweep.
Weighted progress: Σ weight × progress / Σ weight, completed projects at 100.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from minsheng.core.settings import get_settings
from minsheng.projects.catalogue import local_today
from minsheng.projects.models import Batch, Project, Stage, WarningColour
from minsheng.projects.service import lag_warning, planned_percent

PROGRAMME = (Stage.chosen, Stage.running, Stage.completed)


def programme(db: Session, batch: Batch) -> list[Project]:
    return list(
        db.scalars(
            select(Project)
            .where(Project.batch_id == batch.id, Project.stage.in_(PROGRAMME))
            .options(selectinload(Project.milestones), selectinload(Project.lead_unit))
            .order_by(Project.code)
        )
    )


def is_started(project: Project) -> bool:
    if project.stage == Stage.completed:
        return True
    return project.stage == Stage.running and (
        project.started_on is not None or project.progress > 0
    )


def _progress(project: Project) -> float:
    return 100.0 if project.stage == Stage.completed else project.progress


def _weighted(projects: list[Project], value: Any) -> float:
    weight = sum(p.weight for p in projects)
    if not weight:
        return 0.0
    return round(sum(p.weight * value(p) for p in projects) / weight, 1)


def _figures(projects: list[Project], on: dt.date) -> dict[str, Any]:
    settings = get_settings()
    warnings = [lag_warning(p, on, settings) for p in projects]
    lagging = sum(w != WarningColour.none for w in warnings)
    running = sum(p.stage == Stage.running for p in projects)
    return {
        "total": len(projects),
        "started": sum(is_started(p) for p in projects),
        "completed": sum(p.stage == Stage.completed for p in projects),
        "running": running,
        "on_schedule": sum(
            p.stage == Stage.completed or (p.stage == Stage.running and w == WarningColour.none)
            for p, w in zip(projects, warnings, strict=True)
        ),
        "lagging": lagging,
        "yellow": sum(w == WarningColour.yellow for w in warnings),
        "red": sum(w == WarningColour.red for w in warnings),
        "weighted_progress": _weighted(projects, _progress),
        "planned_progress": _weighted(
            projects,
            lambda p: 100.0 if p.stage == Stage.completed else planned_percent(p, on),
        ),
    }


def headline_parts(figures: dict[str, Any]) -> list[tuple[str, dict[str, int]]]:
    """The overview's sentence as translatable pieces: "全部188个项目已全面开展" only when every
    project of the batch has started."""
    total, started, completed = figures["total"], figures["started"], figures["completed"]
    values = {"total": total, "started": started, "completed": completed}
    if total == 0:
        return [("本批次还没有确定的实事项目", {})]
    if completed == total:
        return [("全部%(total)s个项目已完成", values)]
    if started == total:
        parts = [("全部%(total)s个项目已全面开展", values)]
    else:
        parts = [("%(total)s个项目中%(started)s个已开工", values)]
    if completed:
        parts.append(("，其中%(completed)s个已完成", values))
    return parts


def headline(figures: dict[str, Any]) -> str:
    """The sentence in Chinese, as the API gives it."""
    return "".join(text % values if values else text for text, values in headline_parts(figures))


def batch_figures(db: Session, batch: Batch, on: dt.date) -> dict[str, Any]:
    """total, started, completed, on_schedule, lagging (yellow + red), red, weighted_progress
    (0-100) and more (running, yellow, stopped, planned_progress, headline) on the day `on`."""
    figures = _figures(programme(db, batch), on)
    stopped = select(func.count()).where(
        Project.batch_id == batch.id, Project.stage == Stage.stopped
    )
    figures["stopped"] = int(db.scalar(stopped) or 0)
    figures["headline"] = headline(figures)
    return figures


def unit_figures(db: Session, batch: Batch, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Per lead unit: unit name, projects, started, completed, weighted_progress, lagging;
    the units with most lagging projects first, then the slowest."""
    day = on or local_today()
    by_unit: dict[int, list[Project]] = defaultdict(list)
    for project in programme(db, batch):
        by_unit[project.lead_unit_id].append(project)
    rows = []
    for projects in by_unit.values():
        figures = _figures(projects, day)
        unit = projects[0].lead_unit
        rows.append(
            {
                "unit": unit.name,
                "unit_id": unit.id,
                "projects": figures["total"],
                "started": figures["started"],
                "completed": figures["completed"],
                "weighted_progress": figures["weighted_progress"],
                "planned_progress": figures["planned_progress"],
                "lagging": figures["lagging"],
                "red": figures["red"],
            }
        )
    rows.sort(key=lambda r: (-r["lagging"], r["weighted_progress"], r["unit"]))
    return rows
