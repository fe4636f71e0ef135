"""A project's plan: the rules it must keep, and its rows (co-units, targets, milestones)
matched by id, so that monthly results stay with the target they measured."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput
from minsheng.org.models import Unit
from minsheng.projects.models import Milestone, Project, ProjectCoUnit, Target
from minsheng.projects.models_progress import ReportResult
from minsheng.projects.schemas_catalogue import ProjectFields


def check_plan(data: ProjectFields) -> None:
    """The rules that need several fields: end after start, milestones inside and rising."""
    errors: dict[str, str] = {}
    start, end = data.start_on, data.end_on
    assert start is not None and end is not None
    if end <= start:
        errors["end_on"] = "完成期限应晚于开始日期"
    else:
        for i, milestone in enumerate(data.milestones):
            due = milestone.due_on
            assert due is not None
            if not start <= due <= end:
                errors[f"milestones.{i}.due_on"] = (
                    f"节点日期应在项目开始（{start.isoformat()}）和完成期限（{end.isoformat()}）之间"
                )
        by_date = sorted(enumerate(data.milestones), key=lambda pair: (pair[1].due_on, pair[0]))
        for (_, before), (i, after) in zip(by_date, by_date[1:], strict=False):
            assert before.planned_percent is not None and after.planned_percent is not None
            if after.planned_percent < before.planned_percent:
                errors.setdefault(
                    f"milestones.{i}.planned_percent",
                    f"按日期排列，后面节点的计划进度不能低于前面的（{before.planned_percent:g}%）",
                )
    if errors:
        raise InvalidInput(errors)


def unit(db: Session, unit_id: int | None, field: str) -> Unit:
    unit = db.get(Unit, unit_id) if unit_id is not None and abs(unit_id) < 2**31 else None
    if unit is None or not unit.active:
        raise InvalidInput({field: "没有这个单位，或它已停用，请从列表中选择"})
    return unit


def set_co_units(db: Session, project: Project, unit_ids: list[int]) -> None:
    wanted: list[int] = []
    for unit_id in unit_ids:
        if unit_id == project.lead_unit_id:
            raise InvalidInput({"co_unit_ids": "牵头单位不必再列为配合单位"})
        if unit_id not in wanted:
            wanted.append(unit(db, unit_id, "co_unit_ids").id)
    for row in list(project.co_units):
        if row.unit_id not in wanted:
            project.co_units.remove(row)
    have = {row.unit_id for row in project.co_units}
    for unit_id in wanted:
        if unit_id not in have:
            project.co_units.append(ProjectCoUnit(unit_id=unit_id))


def set_targets(db: Session, project: Project, data: ProjectFields) -> None:
    """Targets matched by id, so monthly results stay with the target they measured."""
    existing = {t.id: t for t in project.targets}
    kept: set[int] = set()
    for i, row in enumerate(data.targets):
        if row.id is not None and row.id not in existing:
            raise InvalidInput({f"targets.{i}.name": "这项目标不属于本项目，请刷新后再改"})
        if row.id is not None:
            kept.add(row.id)
    for target_id, target in existing.items():
        if target_id in kept:
            continue
        used = db.scalar(select(ReportResult.id).where(ReportResult.target_id == target_id))
        if used is not None:
            message = f"目标“{target.name}”已有月报填报的完成数，不能删除，可修改名称或计划数"
            raise InvalidInput({"targets": message})
        project.targets.remove(target)
    for position, row in enumerate(data.targets):
        assert row.planned is not None
        target = existing[row.id] if row.id is not None else Target()
        target.position, target.name, target.measure = position, row.name, row.measure
        target.planned = row.planned
        if row.id is None:
            project.targets.append(target)


def set_milestones(project: Project, data: ProjectFields) -> None:
    existing = {m.id: m for m in project.milestones}
    kept = {row.id for row in data.milestones if row.id is not None}
    for i, row in enumerate(data.milestones):
        if row.id is not None and row.id not in existing:
            raise InvalidInput({f"milestones.{i}.title": "这个节点不属于本项目，请刷新后再改"})
    for milestone_id, milestone in existing.items():
        if milestone_id not in kept:
            project.milestones.remove(milestone)
    for row in data.milestones:
        assert row.due_on is not None and row.planned_percent is not None
        milestone = existing[row.id] if row.id is not None else Milestone()
        milestone.title, milestone.due_on = row.title, row.due_on
        milestone.planned_percent = row.planned_percent
        if row.id is None:
            project.milestones.append(milestone)
    project.milestones.sort(key=lambda m: m.due_on)
