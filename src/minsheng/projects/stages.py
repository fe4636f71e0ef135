"""A project's stage: candidate → chosen or not chosen (the collection step's choice or the
deputies' vote) → running (once noticed) → completed, or stopped with a public reason.

Each change is a public step on the project's timeline; completion and stopping are told to
the followers.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.projects import follow, reports
from minsheng.projects.catalogue import can_edit_plan, check_version, local_today, touch
from minsheng.projects.models import Project, Stage, WarningColour
from minsheng.projects.service import record_event


def _require_stage(project: Project, allowed: tuple[Stage, ...], doing: str) -> None:
    if project.stage not in allowed:
        raise Conflict(f"这个项目目前为“{project.stage_label}”，不能{doing}。", code="wrong_stage")


def _write(db: Session, project: Project) -> None:
    """The project row written once, before the timeline and the SMS: one step, one version."""
    touch(project)
    db.flush()


def _manager(staff: StaffPrincipal, project: Project) -> None:
    if not can_edit_plan(staff, project):
        raise Forbidden("只有实事项目主管部门可以改变项目的阶段。")


def choose(
    db: Session, *, project: Project, chosen: bool, actor_label: str, note: str = ""
) -> Project:
    """Candidate → chosen or not chosen. Called by the collection step (its decision or the
    published vote), which checks its own permission."""
    _require_stage(project, (Stage.candidate,), "确定是否入选")
    project.stage = Stage.chosen if chosen else Stage.not_chosen
    _write(db, project)
    text = "确定为实事项目" if chosen else "未入选实事项目"
    record_event(
        db,
        project,
        "chosen" if chosen else "not_chosen",
        f"{text}。{note}".rstrip("。") + "。",
        actor_label=actor_label,
    )
    db.flush()
    return project


def start(
    db: Session,
    *,
    project: Project,
    actor_label: str,
    staff: StaffPrincipal | None = None,
    version: int | None = None,
) -> Project:
    """Chosen → running: monthly reports are due from now on. The notice step calls it when the
    notice's objection window has passed; the programme office may also start it by hand."""
    if staff is not None:
        _manager(staff, project)
    check_version(project, version)
    _require_stage(project, (Stage.chosen,), "开始实施")
    project.stage = Stage.running
    record_event(db, project, "started", "项目开始实施，每月报送进展。", actor_label=actor_label)
    # Started late, a project may be behind its plan from the first day.
    reports.refresh_warning(db, project, local_today(), get_settings())
    _write(db, project)
    return project


def complete(
    db: Session,
    *,
    staff: StaffPrincipal,
    project: Project,
    completed_on: dt.date | None = None,
    version: int | None = None,
) -> Project:
    """Running → completed: progress 100, no warning; the followers are told."""
    _manager(staff, project)
    check_version(project, version)
    _require_stage(project, (Stage.running,), "标记为完成")
    day = completed_on or local_today()
    if day < project.start_on:
        raise InvalidInput({"completed_on": "完成日期不能早于项目开始日期"})
    if day > local_today():
        raise InvalidInput({"completed_on": "完成日期不能晚于今天"})
    project.stage, project.completed_on = Stage.completed, day
    project.progress, project.warning = 100.0, WarningColour.none
    project.started_on = project.started_on or project.start_on
    _write(db, project)
    record_event(
        db, project, "completed", f"项目于 {day.isoformat()} 完成。", actor_label=staff.display_name
    )
    follow.tell_followers(db, project, f"您关注的实事项目“{project.title}”已完成。")
    db.flush()
    return project


def stop(
    db: Session,
    *,
    staff: StaffPrincipal,
    project: Project,
    reason: str,
    version: int | None = None,
) -> Project:
    """Chosen or running → stopped, with a reason shown on the public page; followers told."""
    _manager(staff, project)
    check_version(project, version)
    _require_stage(project, (Stage.chosen, Stage.running), "终止")
    cleaned = reason.strip()
    if len(cleaned) < 5:
        raise InvalidInput({"reason": "请写明终止的原因（至少 5 个字），它会公开在项目页上"})
    project.stage, project.warning = Stage.stopped, WarningColour.none
    _write(db, project)
    record_event(db, project, "stopped", f"项目终止：{cleaned}", actor_label=staff.display_name)
    follow.tell_followers(db, project, f"您关注的实事项目“{project.title}”已终止：{cleaned[:60]}")
    db.flush()
    return project
