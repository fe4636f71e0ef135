"""过程监督: supervisors' notes, site visits and instructions; the lead unit's answers; the
planned-versus-actual overview.

What is public: that a site visit took place (a timeline step with its date). What stays with
staff: the text of notes and visits, instructions and answers (they name people and problems
still being worked on); a circular is the place where lagging projects are named in public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from minsheng.accounts.models import StaffUser
from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.notify import service as notify
from minsheng.org.models import Unit
from minsheng.projects import report_status, service
from minsheng.projects.models import Batch, Project, Stage, WarningColour
from minsheng.projects.models_progress import NoteKind, SupervisionNote
from minsheng.projects.permissions import REPORT_PROGRESS, SUPERVISE, VIEW_PROJECTS_STAFF
from minsheng.projects.reports import local_today
from minsheng.projects.schemas_reports import AnswerIn, NoteCreate, NoteRead
from minsheng.projects.staff_contacts import handler_phones

NOT_YOURS = "这个实事项目不在您督查的范围内。"


def require_supervisor(staff: StaffPrincipal, project: Project) -> None:
    if not staff.can(SUPERVISE, project.lead_unit.path):
        raise Forbidden(NOT_YOURS)


def can_read(staff: StaffPrincipal, project: Project) -> bool:
    """Notes and answers are for staff who watch projects, and the lead unit itself."""
    path = project.lead_unit.path
    return staff.can(VIEW_PROJECTS_STAFF, path) or staff.can(REPORT_PROGRESS, path)


def add_note(
    db: Session,
    project: Project,
    data: NoteCreate,
    *,
    staff: StaffPrincipal,
    today: dt.date | None = None,
) -> SupervisionNote:
    """A note, a site visit (its date, not in the future) or an instruction (a deadline from
    today on); the lead unit's handlers are told of an instruction by SMS."""
    require_supervisor(staff, project)
    today = today or local_today()
    if data.kind == NoteKind.site_visit:
        if data.visited_on is None:
            raise InvalidInput({"visited_on": "请填写现场检查的日期"})
        if data.visited_on > today:
            raise InvalidInput({"visited_on": "检查日期不能晚于今天"})
    if data.kind == NoteKind.instruction:
        if data.answer_by is None:
            raise InvalidInput({"answer_by": "请填写答复期限"})
        if data.answer_by < today:
            raise InvalidInput({"answer_by": "答复期限不能早于今天"})
    note = SupervisionNote(
        project_id=project.id,
        kind=data.kind,
        text=data.text,
        visited_on=data.visited_on if data.kind == NoteKind.site_visit else None,
        answer_by=data.answer_by if data.kind == NoteKind.instruction else None,
        written_by_id=staff.user_id,
        written_at=utcnow(),
    )
    db.add(note)
    db.flush()
    if note.kind == NoteKind.site_visit and note.visited_on is not None:
        service.record_event(
            db,
            project,
            "site_visit",
            f"督查人员现场检查（{note.visited_on.isoformat()}）",
            actor_label="督查人员",
        )
    elif note.kind == NoteKind.instruction and note.answer_by is not None:
        service.record_event(
            db,
            project,
            "instruction",
            f"督办指令（#{note.id}）：请于 {note.answer_by.isoformat()} 前答复",
            actor_label=staff.display_name,
            public=False,
        )
        for phone in handler_phones(db, project.lead_unit_id):
            notify.queue_sms(
                db,
                to=phone,
                body=f"【民生】实事项目 {project.code}“{project.title}”收到督办指令，"
                f"请于 {note.answer_by.isoformat()} 前在月报工作台答复。",
                purpose="project_instruction",
            )
    return note


def get_note(db: Session, note_id: int) -> SupervisionNote:
    note = db.get(SupervisionNote, note_id)
    if note is None:
        raise NotFound("没有这条督查记录。")
    return note


def answer(
    db: Session, note: SupervisionNote, data: AnswerIn, *, staff: StaffPrincipal
) -> SupervisionNote:
    """The lead unit answers an instruction, once."""
    project = note.project
    service.require_unit(staff, REPORT_PROGRESS, project)
    if note.kind != NoteKind.instruction:
        raise Conflict("只有督办指令需要答复。", code="not_an_instruction")
    if note.answered_at is not None:
        raise Conflict("这条督办指令已经答复过了。", code="already_answered")
    note.answer, note.answered_at, note.answered_by_id = data.answer, utcnow(), staff.user_id
    service.record_event(
        db,
        project,
        "instruction_answered",
        f"牵头单位已答复督办指令（#{note.id}）",
        actor_label=project.lead_unit.name,
        public=False,
    )
    db.flush()
    return note


def is_overdue(note: SupervisionNote, today: dt.date) -> bool:
    return (
        note.kind == NoteKind.instruction
        and note.answered_at is None
        and note.answer_by is not None
        and today > note.answer_by
    )


def notes_for(db: Session, project: Project) -> list[SupervisionNote]:
    """The project's notes, visits and instructions, newest first."""
    query = (
        select(SupervisionNote)
        .where(SupervisionNote.project_id == project.id)
        .order_by(SupervisionNote.written_at.desc(), SupervisionNote.id.desc())
    )
    return list(db.scalars(query))


def open_instructions(db: Session, projects: list[Project]) -> list[SupervisionNote]:
    """Instructions to these projects not answered yet, the earliest deadline first."""
    if not projects:
        return []
    query = (
        select(SupervisionNote)
        .where(
            SupervisionNote.project_id.in_([p.id for p in projects]),
            SupervisionNote.kind == NoteKind.instruction,
            SupervisionNote.answered_at.is_(None),
        )
        .order_by(SupervisionNote.answer_by, SupervisionNote.id)
    )
    return list(db.scalars(query))


def note_read(db: Session, note: SupervisionNote, today: dt.date) -> NoteRead:
    def name(user_id: int | None) -> str:
        user = db.get(StaffUser, user_id) if user_id else None
        return user.display_name if user else ""

    return NoteRead(
        id=note.id,
        project=note.project.code,
        kind=note.kind,
        kind_label=note.kind_label,
        text=note.text,
        visited_on=note.visited_on,
        answer_by=note.answer_by,
        written_at=note.written_at,
        written_by=name(note.written_by_id),
        answer=note.answer,
        answered_at=note.answered_at,
        answered_by=name(note.answered_by_id),
        overdue=is_overdue(note, today),
    )


@dataclass(frozen=True)
class OverviewRow:
    """One project on the supervision page: the plan, the latest report and what is open."""

    project: Project
    planned: float
    lag: float
    report_state: str  # last month's report: a key of report_status.STATE_LABELS, or ""
    open_instructions: int
    overdue_instructions: int

    @property
    def report_state_label(self) -> str:
        return report_status.STATE_LABELS.get(self.report_state, "不需填报")


COLOURS = {c.value for c in WarningColour}


def overview(
    db: Session,
    *,
    staff: StaffPrincipal,
    today: dt.date,
    batch: Batch | None = None,
    unit_id: int | None = None,
    colour: str = "",
) -> list[OverviewRow]:
    """Running projects this person may watch, planned against actual, the worst first."""
    paths = staff.units_for(VIEW_PROJECTS_STAFF) + staff.units_for(REPORT_PROGRESS)
    if not paths:
        return []
    query = (
        select(Project)
        .join(Unit, Unit.id == Project.lead_unit_id)
        .where(Project.stage == Stage.running, or_(*(Unit.path.startswith(p) for p in paths)))
        .options(
            selectinload(Project.milestones),
            selectinload(Project.batch),
            selectinload(Project.lead_unit),
        )
    )
    if batch is not None:
        query = query.where(Project.batch_id == batch.id)
    if unit_id is not None:
        query = query.where(Project.lead_unit_id == unit_id)
    if colour in COLOURS:
        query = query.where(Project.warning == WarningColour(colour))
    projects = list(db.scalars(query))
    month = service.previous_month(today)
    states = {s.project.id: s.state for s in report_status.statuses(db, projects, month, today)}
    pending = open_instructions(db, projects)
    rows = []
    for project in projects:
        planned = round(service.planned_percent(project, today), 1)
        mine = [n for n in pending if n.project_id == project.id]
        rows.append(
            OverviewRow(
                project=project,
                planned=planned,
                lag=round(planned - project.progress, 1),
                report_state=states.get(project.id, ""),
                open_instructions=len(mine),
                overdue_instructions=sum(1 for n in mine if is_overdue(n, today)),
            )
        )
    rank = {WarningColour.red: 0, WarningColour.yellow: 1, WarningColour.none: 2}
    rows.sort(key=lambda r: (rank[r.project.warning], -r.lag, r.project.code))
    return rows
