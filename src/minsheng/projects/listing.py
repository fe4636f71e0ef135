"""Finding projects: the filters the public list, the staff workbench and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from minsheng.org.models import Unit
from minsheng.projects.models import Batch, Project, Stage, WarningColour

# What the public list shows unless a stage is asked for: the programme, not the candidates.
PUBLIC_STAGES = (Stage.chosen, Stage.running, Stage.completed, Stage.stopped)
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class ProjectFilters:
    batch: str | None = None
    area: str | None = None
    unit_id: int | None = None
    stage: Stage | None = None
    warning: WarningColour | None = None
    q: str | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(filters: ProjectFilters, *, public_only: bool) -> Select[Project]:
    query = select(Project).join(Batch, Batch.id == Project.batch_id)
    if public_only:
        query = query.where(Project.public.is_(True), Batch.public.is_(True))
    if filters.batch:
        query = query.where(Batch.code == filters.batch[:20])
    if filters.area:
        query = query.where(Project.area == filters.area[:20])
    if filters.unit_id is not None:
        # An id beyond any integer column matches nothing rather than failing in the database.
        in_range = abs(filters.unit_id) < 2**31
        query = query.where(Project.lead_unit_id == filters.unit_id if in_range else false())
    if filters.stage is not None:
        query = query.where(Project.stage == filters.stage)
    elif public_only:
        query = query.where(Project.stage.in_(PUBLIC_STAGES))
    if filters.warning is not None:
        query = query.where(Project.warning == filters.warning)
    if filters.q and filters.q.strip():
        words = filters.q.strip()[:100]
        query = query.where(
            or_(Project.title.like(_like(words), escape="\\"), Project.code == words)
        )
    return query


def search(
    db: Session,
    *,
    filters: ProjectFilters,
    public_only: bool,
    limit: int,
    offset: int,
    first_paths: list[str] | None = None,
) -> tuple[list[Project], int]:
    """A page of projects matching `filters` (by code), and how many match in all.
    `first_paths` puts the projects led by those units (a handler's own) at the top."""
    query = _filtered(filters, public_only=public_only)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    order: list[Any] = [Project.code]
    if first_paths:
        query = query.join(Unit, Unit.id == Project.lead_unit_id)
        own = or_(*(Unit.path.startswith(p) for p in first_paths))
        order.insert(0, case((own, 0), else_=1))
    page = (
        query.options(
            selectinload(Project.lead_unit),
            selectinload(Project.batch),
            selectinload(Project.milestones),
        )
        .order_by(*order)
        .limit(min(limit, MAX_PER_PAGE))
        .offset(offset)
    )
    return list(db.scalars(page)), int(total)


def pages(total: int, per_page: int) -> int:
    return max((total + per_page - 1) // per_page, 1)


def lead_units(db: Session, *, public_only: bool) -> list[Unit]:
    """The units that lead at least one project, for the unit filter."""
    query = (
        select(Unit)
        .join(Project, Project.lead_unit_id == Unit.id)
        .join(Batch, Batch.id == Project.batch_id)
        .distinct()
    )
    if public_only:
        query = query.where(Project.public.is_(True), Batch.public.is_(True))
    return sorted(db.scalars(query), key=lambda u: u.name)
