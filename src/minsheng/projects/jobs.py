"""Jobs of the projects module: report reminders, late and missing reports, warnings.

Once a day: the lead units whose report for last month is still missing a few days before the
report day are reminded (one SMS per handler listing the unit's projects, once per project and
month); a report still missing after the day is flagged on the public timeline (逾期未报, once);
instructions past their deadline are flagged for staff (once); every running project's warning
is recomputed. "Once" is kept by the timeline steps themselves, so a re-run says nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from minsheng.core.jobs import job
from minsheng.core.settings import get_settings
from minsheng.notify import service as notify
from minsheng.projects import reports, service
from minsheng.projects.models import Project, ProjectEvent, Stage
from minsheng.projects.models_progress import MonthlyReport, NoteKind, SupervisionNote
from minsheng.projects.report_status import owes
from minsheng.projects.reports import month_label
from minsheng.projects.staff_contacts import handler_phones
from minsheng.projects.supervision import is_overdue


@dataclass
class SweepResult:
    reminded: int = 0  # projects whose unit was reminded
    missing: int = 0  # projects flagged 逾期未报
    overdue_instructions: int = 0
    warnings_changed: int = 0


def _said(db: Session, project: Project, kind: str, words: str) -> bool:
    """Whether the timeline already holds a step of `kind` whose text contains `words`."""
    return bool(
        db.scalar(
            select(
                exists().where(
                    ProjectEvent.project_id == project.id,
                    ProjectEvent.kind == kind,
                    ProjectEvent.text.contains(words, autoescape=True),
                )
            )
        )
    )


def _reported(db: Session, project: Project, month: str) -> bool:
    return bool(
        db.scalar(
            select(
                exists().where(MonthlyReport.project_id == project.id, MonthlyReport.month == month)
            )
        )
    )


def _remind(db: Session, unit_id: int, projects: list[Project], month: str, due: dt.date) -> None:
    """One SMS per handler of the unit for all its projects; the reminder on each timeline."""
    phones = handler_phones(db, unit_id)
    codes = "、".join(p.code for p in projects[:3]) + (" 等" if len(projects) > 3 else "")
    for phone in phones:
        notify.queue_sms(
            db,
            to=phone,
            body=f"【民生】您单位牵头的 {len(projects)} 个实事项目（{codes}）尚未填报"
            f"{month_label(month)}月报，请于 {due.isoformat()} 前在月报工作台填报。",
            purpose="project_report_reminder",
        )
    how = (
        f"短信发给 {len(phones)} 位承办人"
        if phones
        else "单位没有登记手机号码的承办人，提醒见月报工作台"
    )
    for project in projects:
        service.record_event(
            db,
            project,
            "report_reminder",
            f"已提醒牵头单位填报{month_label(month)}月报（{due.isoformat()} 前；{how}）",
            actor_label="系统",
            public=False,
        )


def sweep(db: Session, *, today: dt.date | None = None) -> SweepResult:
    """The daily round over running projects; returns what it did."""
    today = today or reports.local_today()
    settings = get_settings()
    result = SweepResult()
    month = service.previous_month(today)
    label = f"{month_label(month)}月报"
    projects = list(
        db.scalars(
            select(Project)
            .where(Project.stage == Stage.running)
            .options(selectinload(Project.batch), selectinload(Project.milestones))
            .order_by(Project.code)
        )
    )
    to_remind: dict[int, list[Project]] = defaultdict(list)
    due_by_unit: dict[int, dt.date] = {}
    for project in projects:
        if owes(project, month) and not _reported(db, project, month):
            due = service.report_due_on(project.batch, month)
            left = (due - today).days
            if 0 <= left <= settings.project_remind_days:
                if not _said(db, project, "report_reminder", label):
                    to_remind[project.lead_unit_id].append(project)
                    due_by_unit[project.lead_unit_id] = min(
                        due, due_by_unit.get(project.lead_unit_id, due)
                    )
            elif left < 0 and not _said(db, project, "report_missing", label):
                service.record_event(
                    db,
                    project,
                    "report_missing",
                    f"逾期未报：{label}应于 {due.isoformat()} 前填报",
                    actor_label="系统",
                )
                result.missing += 1
        before = project.warning
        if reports.refresh_warning(db, project, today, settings) != before:
            result.warnings_changed += 1
    for unit_id, unit_projects in to_remind.items():
        _remind(db, unit_id, unit_projects, month, due_by_unit[unit_id])
        result.reminded += len(unit_projects)
    result.overdue_instructions = _flag_overdue_instructions(db, today)
    db.flush()
    return result


def _flag_overdue_instructions(db: Session, today: dt.date) -> int:
    flagged = 0
    query = select(SupervisionNote).where(
        SupervisionNote.kind == NoteKind.instruction,
        SupervisionNote.answered_at.is_(None),
        SupervisionNote.answer_by < today,
    )
    for note in db.scalars(query):
        project = note.project
        if not is_overdue(note, today) or _said(
            db, project, "instruction_overdue", f"#{note.id}）"
        ):
            continue
        assert note.answer_by is not None
        service.record_event(
            db,
            project,
            "instruction_overdue",
            f"督办指令（#{note.id}）逾期未答复（要求 {note.answer_by.isoformat()} 前答复）",
            actor_label="系统",
            public=False,
        )
        for phone in handler_phones(db, project.lead_unit_id):
            notify.queue_sms(
                db,
                to=phone,
                body=f"【民生】实事项目 {project.code} 的督办指令已超过答复期限"
                f"（{note.answer_by.isoformat()}），请尽快答复。",
                purpose="project_instruction_overdue",
            )
        flagged += 1
    return flagged


@job("projects.daily_round", schedule="0 8 * * *")
def daily_round(db: Session) -> None:
    """Every morning at 8, local time: reminders, missing reports, instructions, colours."""
    sweep(db)
