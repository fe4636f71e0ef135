"""The catalogue: batches and projects with their plan (targets, milestones, co-units, links).

The programme office (MANAGE_PROJECTS) keeps the plan; the lead unit keeps its description and
responsible person up to date and reports progress in the monthly reports (reports.py). Stage
changes are in stages.py.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.projects import links, plan, reports
from minsheng.projects.models import Batch, Project, Stage
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS
from minsheng.projects.schemas_batches import BatchCreate, BatchFields
from minsheng.projects.schemas_catalogue import (
    DETAIL_FIELDS,
    PLAN_FIELDS,
    ProjectCreate,
    ProjectFields,
)
from minsheng.projects.service import lag_warning, local_today, record_event, require
from minsheng.web.forms import field_message

Schema = TypeVar("Schema", bound=BaseModel)

# What a plan change says on the public timeline.
FIELD_LABELS = {
    "title": "名称",
    "area": "领域",
    "lead_unit_id": "牵头单位",
    "co_unit_ids": "配合单位",
    "budget_wan": "预算",
    "start_on": "开始日期",
    "end_on": "完成期限",
    "weight": "权重",
    "targets": "目标",
    "milestones": "进度节点",
    "request_numbers": "来源诉求",
    "proposal_numbers": "来源建议",
    "public": "公开设置",
}


def validated(schema: type[Schema], data: dict[str, Any]) -> Schema:
    """Validates data, raising InvalidInput keyed by dotted field paths (targets.0.measure)."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            key = ".".join(str(p) for p in error.get("loc") or ()) or "__all__"
            fields.setdefault(key, field_message(error))
        raise InvalidInput(fields) from None


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A time typed without a zone is the installation's wall-clock time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(get_settings().timezone))


# Batches


def list_batches(db: Session, *, public_only: bool = False) -> list[Batch]:
    """Newest first: the batch people look for is usually this year's."""
    query = select(Batch).order_by(Batch.collect_from.desc(), Batch.code.desc())
    if public_only:
        query = query.where(Batch.public.is_(True))
    return list(db.scalars(query))


def get_public_batch(db: Session, *, code: str) -> Batch:
    batch = db.scalar(select(Batch).where(Batch.code == code[:20], Batch.public.is_(True)))
    if batch is None:
        raise NotFound("没有这个实事项目批次。")
    return batch


def get_public_project(db: Session, *, code: str) -> Project:
    """A project the public may see: itself and its batch public."""
    project = db.scalar(select(Project).where(Project.code == code[:20]))
    if project is None or not (project.public and project.batch.public):
        raise NotFound("没有这个实事项目。")
    return project


def _check_batch(data: BatchFields) -> None:
    errors: dict[str, str] = {}
    if data.collect_from is None:
        errors["collect_from"] = "请填写征集开始日期"
    if data.collect_until is None:
        errors["collect_until"] = "请填写征集截止日期"
    elif data.collect_from and data.collect_until < data.collect_from:
        errors["collect_until"] = "征集截止日期不能早于开始日期"
    opens, closes = _local(data.vote_opens_at), _local(data.vote_closes_at)
    if (opens is None) != (closes is None):
        missing = "vote_closes_at" if closes is None else "vote_opens_at"
        errors[missing] = "票决的开始和截止时间要么都填，要么都不填"
    elif opens and closes and closes <= opens:
        errors["vote_closes_at"] = "票决截止时间应晚于开始时间"
    if errors:
        raise InvalidInput(errors)


def _apply_batch(batch: Batch, data: BatchFields) -> None:
    batch.name, batch.scope, batch.report_day = data.name, data.scope, data.report_day
    assert data.collect_from is not None and data.collect_until is not None
    batch.collect_from, batch.collect_until = data.collect_from, data.collect_until
    batch.vote_opens_at = _local(data.vote_opens_at)
    batch.vote_closes_at = _local(data.vote_closes_at)
    batch.public = data.public


def create_batch(db: Session, *, staff: StaffPrincipal, data: BatchCreate) -> Batch:
    """A new round of collection and its batch of projects."""
    require(staff, MANAGE_PROJECTS)
    _check_batch(data)
    if db.scalar(select(Batch.id).where(Batch.code == data.code)) is not None:
        raise InvalidInput({"code": f"批次编号 {data.code} 已被使用"})
    batch = Batch(code=data.code)
    _apply_batch(batch, data)
    db.add(batch)
    db.flush()
    return batch


def update_batch(db: Session, *, staff: StaffPrincipal, batch: Batch, data: BatchFields) -> Batch:
    require(staff, MANAGE_PROJECTS)
    _check_batch(data)
    _apply_batch(batch, data)
    db.flush()
    return batch


def batch_values(batch: Batch) -> dict[str, Any]:
    return {
        "code": batch.code,
        "name": batch.name,
        "scope": batch.scope,
        "collect_from": batch.collect_from,
        "collect_until": batch.collect_until,
        "report_day": batch.report_day,
        "vote_opens_at": batch.vote_opens_at,
        "vote_closes_at": batch.vote_closes_at,
        "public": batch.public,
    }


# Who may change what


def can_edit_plan(staff: StaffPrincipal, project: Project) -> bool:
    return staff.can(MANAGE_PROJECTS, project.lead_unit.path)


def can_edit_details(staff: StaffPrincipal, project: Project) -> bool:
    """The programme office, or the lead unit's own handlers."""
    return can_edit_plan(staff, project) or staff.can(REPORT_PROGRESS, project.lead_unit.path)


def plan_open(project: Project) -> bool:
    """Whether the plan may still change: not once the project is completed, stopped or not
    chosen (what it promised stays on record)."""
    return project.stage not in (Stage.completed, Stage.stopped, Stage.not_chosen)


def check_version(project: Project, version: int | None) -> None:
    """The form or API call was made on the version the person saw; else someone came first."""
    if version is not None and version != project.version:
        raise Conflict(
            "这个项目刚刚被其他人修改过，您看到的不是最新情况。请刷新后再操作。", code="stale"
        )


def touch(project: Project) -> None:
    # Moves the version even when only child rows (targets, milestones) change.
    project.updated_at = utcnow()


# Projects


def project_values(db: Session, project: Project) -> dict[str, Any]:
    """The project as the edit form and a partial API change start from."""
    return {
        "title": project.title,
        "description": project.description,
        "area": project.area,
        "lead_unit_id": project.lead_unit_id,
        "co_unit_ids": [c.unit_id for c in project.co_units],
        "responsible_person": project.responsible_person,
        "responsible_phone": project.responsible_phone,
        "budget_wan": project.budget_wan,
        "start_on": project.start_on,
        "end_on": project.end_on,
        "weight": project.weight,
        "targets": [
            {"id": t.id, "name": t.name, "measure": t.measure, "planned": t.planned}
            for t in project.targets
        ],
        "milestones": [
            {
                "id": m.id,
                "title": m.title,
                "due_on": m.due_on,
                "planned_percent": m.planned_percent,
            }
            for m in project.milestones
        ],
        "request_numbers": links.request_numbers(db, project),
        "proposal_numbers": links.proposal_numbers(db, project),
        "public": project.public,
    }


def _apply(db: Session, project: Project, data: ProjectFields, *, staff: StaffPrincipal) -> None:
    lead = plan.unit(db, data.lead_unit_id, "lead_unit_id")
    if not staff.can(MANAGE_PROJECTS, lead.path):
        raise InvalidInput({"lead_unit_id": "您只能为本单位及下级单位管理的项目指定牵头单位"})
    project.lead_unit_id, project.lead_unit = lead.id, lead
    project.title, project.description, project.area = data.title, data.description, data.area
    project.responsible_person = data.responsible_person
    project.responsible_phone = data.responsible_phone
    project.budget_wan, project.weight, project.public = data.budget_wan, data.weight, data.public
    assert data.start_on is not None and data.end_on is not None
    project.start_on, project.end_on = data.start_on, data.end_on
    plan.set_co_units(db, project, data.co_unit_ids)
    plan.set_targets(db, project, data)
    plan.set_milestones(project, data)


def _next_code(db: Session, batch: Batch) -> str:
    prefix = f"{batch.code}-"
    codes = db.scalars(select(Project.code).where(Project.code.startswith(prefix)))
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r".*-(\d+)", c))]
    code = f"{prefix}{max(numbers, default=0) + 1:03d}"
    if len(code) > 20:
        raise InvalidInput({"code": "批次编号较长，请自己填写项目编号（最多 20 个字符）"})
    return code


def create_project(db: Session, *, staff: StaffPrincipal, data: ProjectCreate) -> Project:
    """A project entered by the programme office (from a shortlist, or an existing plan)."""
    require(staff, MANAGE_PROJECTS)
    batch = db.scalar(select(Batch).where(Batch.code == data.batch[:20]))
    if batch is None:
        raise InvalidInput({"batch": "没有这个批次，请从列表中选择"})
    plan.check_plan(data)
    code = data.code or _next_code(db, batch)
    if db.scalar(select(Project.id).where(Project.code == code)) is not None:
        raise InvalidInput({"code": f"项目编号 {code} 已被其他项目使用"})
    with db.no_autoflush:  # nothing is written until the whole plan has been checked
        project = Project(code=code, batch=batch, stage=data.stage, progress=0.0, progress_month="")
        _apply(db, project, data, staff=staff)
        project.warning = lag_warning(project, local_today(), get_settings())
    db.add(project)
    db.flush()
    links.set_links(db, project, data.request_numbers, data.proposal_numbers)
    record_event(
        db,
        project,
        "created",
        f"列入{batch.name}（{project.stage_label}）",
        actor_label=staff.display_name,
    )
    db.flush()
    return project


def _changed(before: dict[str, Any], after: dict[str, Any], fields: frozenset[str]) -> list[str]:
    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if not (k == "id" and v is None)}
        return value

    return [f for f in sorted(fields) if plain(before.get(f)) != plain(after.get(f))]


def update_project(
    db: Session,
    *,
    staff: StaffPrincipal,
    project: Project,
    changes: dict[str, Any],
    version: int | None,
) -> Project:
    """Changes some fields (the rest stay). The plan is the programme office's; the lead unit
    may change the description and the responsible person."""
    if not can_edit_details(staff, project):
        raise Forbidden("这个实事项目不由您的单位牵头，您不能修改。")
    check_version(project, version)
    before = project_values(db, project)
    data = validated(ProjectFields, before | changes)
    after = data.model_dump()
    plan_changes = _changed(before, after, PLAN_FIELDS)
    if plan_changes and not can_edit_plan(staff, project):
        raise Forbidden(
            "项目计划（名称、单位、目标、预算、日期、进度节点）由实事项目主管部门修改。"
        )
    if plan_changes and not plan_open(project):
        raise Conflict(f"这个项目为“{project.stage_label}”，计划不能再修改。", code="closed")
    if not plan_changes and not _changed(before, after, DETAIL_FIELDS):
        return project
    plan.check_plan(data)
    # One write of the project row, so that one change moves the version by one.
    with db.no_autoflush:
        if plan_changes:
            _apply(db, project, data, staff=staff)
            # A new plan may put the project behind (or back on) schedule today.
            reports.refresh_warning(db, project, local_today(), get_settings())
        else:
            project.description = data.description
            project.responsible_person = data.responsible_person
            project.responsible_phone = data.responsible_phone
        touch(project)
    db.flush()
    if plan_changes:
        links.set_links(db, project, data.request_numbers, data.proposal_numbers)
        named = "、".join(FIELD_LABELS[f] for f in plan_changes)
        text, public = f"项目计划调整：{named}", True
    else:
        text, public = "更新了项目内容或责任人", False
    record_event(db, project, "changed", text, actor_label=staff.display_name, public=public)
    db.flush()
    return project
