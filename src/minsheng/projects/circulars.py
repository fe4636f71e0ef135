"""问题通报: a supervisor drafts a circular from the data, edits it, a second person approves it,
it is published with a number and never edited again, only superseded by a correction.

Drafting from the data is in circular_draft.py (re-exported here); the named units' answers
(整改情况) and who has not answered in rectification.py; the PDF in circular_pdf.py; the Excel
files in batch_report.py.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.workdays import default_calendar
from minsheng.projects import batch_month, rectification
from minsheng.projects.circular_draft import DRAFT_NUMBER as DRAFT_NUMBER
from minsheng.projects.circular_draft import chinese_date as chinese_date
from minsheng.projects.circular_draft import default_rectify_by as default_rectify_by
from minsheng.projects.circular_draft import draft as draft
from minsheng.projects.circular_draft import figures as figures
from minsheng.projects.circular_draft import new_item
from minsheng.projects.circular_draft import number_label as number_label
from minsheng.projects.circular_draft import numbered as numbered
from minsheng.projects.circular_draft import today as today
from minsheng.projects.models import Batch, Project
from minsheng.projects.models_review import Circular, CircularItem, CircularStatus
from minsheng.projects.permissions import SUPERVISE
from minsheng.projects.schemas_circulars import (
    CircularItemAdd,
    CircularItemUpdate,
    CircularUpdate,
)
from minsheng.projects.service import record_event, require

ISSUER = "昆山市民生实事项目工作领导小组办公室"
NUMBER_PREFIX = "昆实事通"
PUBLIC = (CircularStatus.published, CircularStatus.superseded)


def get_circular(db: Session, *, circular_id: int) -> Circular:
    circular = db.get(Circular, circular_id)
    if circular is None:
        raise NotFound("没有这份通报。")
    return circular


def get_public(db: Session, *, circular_id: int) -> Circular:
    """A published (or since corrected) circular; drafts are nobody's business but the office's."""
    circular = db.get(Circular, circular_id)
    if circular is None or circular.status not in PUBLIC:
        raise NotFound("没有这份通报，或它还没有发布。")
    return circular


def get_item(db: Session, *, item_id: int) -> CircularItem:
    item = db.get(CircularItem, item_id)
    if item is None:
        raise NotFound("通报里没有这个项目。")
    return item


def list_circulars(
    db: Session, *, batch: Batch | None = None, public_only: bool = False
) -> list[Circular]:
    """Newest first; the public sees the published ones and those since corrected."""
    query = select(Circular).order_by(Circular.period.desc(), Circular.id.desc())
    if batch is not None:
        query = query.where(Circular.batch_id == batch.id)
    if public_only:
        query = query.where(Circular.status.in_(PUBLIC))
    return list(db.scalars(query))


def superseded_by(db: Session, circular: Circular) -> Circular | None:
    """The published correction that replaced this circular, if any."""
    return db.scalar(
        select(Circular).where(Circular.supersedes_id == circular.id, Circular.status.in_(PUBLIC))
    )


def naming(db: Session, project: Project) -> list[CircularItem]:
    """The items of published circulars that named the project, newest first."""
    query = (
        select(CircularItem)
        .join(Circular, Circular.id == CircularItem.circular_id)
        .where(CircularItem.project_id == project.id, Circular.status == CircularStatus.published)
        .order_by(Circular.published_at.desc())
    )
    return list(db.scalars(query))


def _editable(circular: Circular) -> None:
    if circular.status == CircularStatus.approved:
        raise Conflict("这份通报已审核，要修改请先退回草稿。", code="circular_approved")
    if circular.status != CircularStatus.draft:
        raise Conflict(
            "已发布的通报不能修改，只能更正：点“更正”生成一份新草稿，发布后替代原通报。",
            code="circular_published",
        )


def _not_past(day: dt.date | None, field: str) -> None:
    if day is not None and day < today():
        raise InvalidInput({field: "整改期限不能早于今天。"})


def update(
    db: Session, *, circular: Circular, data: CircularUpdate, staff: StaffPrincipal
) -> Circular:
    """Changes the title, the body or the default deadline of a draft."""
    require(staff, SUPERVISE)
    _editable(circular)
    _not_past(data.rectify_by, "rectify_by")
    for field in ("title", "body", "rectify_by"):
        value = getattr(data, field)
        if value is not None:
            setattr(circular, field, value)
    db.flush()
    return circular


def add_item(
    db: Session, *, circular: Circular, data: CircularItemAdd, staff: StaffPrincipal
) -> CircularItem:
    """Names one more project; only a project of the circular's own batch."""
    require(staff, SUPERVISE)
    _editable(circular)
    project = db.scalar(select(Project).where(Project.code == data.project))
    if project is None:
        raise InvalidInput({"project": f"没有编号为 {data.project} 的实事项目。"})
    if project.batch_id != circular.batch_id:
        raise InvalidInput(
            {
                "project": f"“{project.title}”（{project.code}）属于{project.batch.name}，"
                f"不在本通报的批次（{circular.batch.name}）里，不能列入本通报。"
            }
        )
    if any(item.project_id == project.id for item in circular.items):
        raise InvalidInput({"project": f"“{project.title}”已在本通报里。"})
    on = min(today(), batch_month.month_end(circular.period))
    rows = batch_month.live_rows(db, circular.batch, on=on)
    row = next((r for r in rows if r.project is project), None)
    position = max((item.position for item in circular.items), default=-1) + 1
    if row is None:  # a project not under way: named without figures, the supervisor writes them
        item = CircularItem(
            project_id=project.id,
            position=position,
            situation=f"项目{project.stage_label}。",
            leader=project.responsible_person,
            deadline=circular.rectify_by,
        )
    else:
        item = new_item(row, on, position, circular.rectify_by)
        figs = figures(circular)
        figs.setdefault("warnings", {})[str(project.id)] = row.warning.value
        circular.figures = json.dumps(figs, ensure_ascii=False)
    circular.items.append(item)
    db.flush()
    return item


def update_item(
    db: Session, *, item: CircularItem, data: CircularItemUpdate, staff: StaffPrincipal
) -> CircularItem:
    """What the draft says about one project: situation, cause, action, leader, deadline."""
    require(staff, SUPERVISE)
    _editable(item.circular)
    _not_past(data.deadline, "deadline")
    for field in ("situation", "cause", "required_action", "leader", "deadline"):
        value = getattr(data, field)
        if value is not None:
            setattr(item, field, value)
    db.flush()
    return item


def remove_item(db: Session, *, item: CircularItem, staff: StaffPrincipal) -> None:
    require(staff, SUPERVISE)
    circular = item.circular
    _editable(circular)
    circular.items.remove(item)
    db.flush()


def delete_draft(db: Session, *, circular: Circular, staff: StaffPrincipal) -> None:
    """Throws a draft away (to draft the month again from fresher data, say)."""
    require(staff, SUPERVISE)
    _editable(circular)
    db.delete(circular)
    db.flush()


def incomplete(circular: Circular) -> dict[str, str]:
    """What a draft still lacks before it can be approved, per item field."""
    missing: dict[str, str] = {}
    if not circular.body.strip():
        missing["body"] = "请填写通报正文。"
    for item in circular.items:
        name = f"“{item.project.title}”"
        if not item.cause.strip():
            missing[f"item-{item.id}-cause"] = f"请填写{name}的滞后原因。"
        if not item.required_action.strip():
            missing[f"item-{item.id}-required_action"] = f"请填写{name}的整改要求。"
    return missing


def approve(db: Session, *, circular: Circular, staff: StaffPrincipal) -> Circular:
    """A second pair of eyes: anyone holding SUPERVISE except the drafter (an administrator
    holds it too, so an office with one supervisor has its administrator approve)."""
    require(staff, SUPERVISE)
    _editable(circular)
    if circular.drafted_by_id == staff.user_id:
        raise Conflict(
            "起草人不能审核自己起草的通报，请另一位督查人员或系统管理员审核。",
            code="own_draft",
        )
    missing = incomplete(circular)
    if missing:
        raise InvalidInput(missing, "通报还没有写完，不能审核。")
    circular.status = CircularStatus.approved
    circular.approved_by_id = staff.user_id
    db.flush()
    return circular


def return_to_draft(db: Session, *, circular: Circular, staff: StaffPrincipal) -> Circular:
    """An approved circular goes back for changes; it must then be approved again."""
    require(staff, SUPERVISE)
    if circular.status != CircularStatus.approved:
        raise Conflict("只有已审核、未发布的通报可以退回修改。", code="not_approved")
    circular.status = CircularStatus.draft
    circular.approved_by_id = None
    db.flush()
    return circular


def next_number(db: Session, year: int) -> str:
    """昆实事通〔2026〕N号: one after the highest of the year. Two publishing at the same instant
    collide on the unique number and the second is told to try again."""
    prefix = f"{NUMBER_PREFIX}〔{year}〕"
    taken = db.scalars(select(Circular.number).where(Circular.number.startswith(prefix)))
    highest = 0
    for number in taken:
        digits = number[len(prefix) :].removesuffix("号")
        if digits.isdigit():
            highest = max(highest, int(digits))
    return f"{prefix}{highest + 1}号"


def publish(
    db: Session, *, circular: Circular, staff: StaffPrincipal, now: dt.datetime | None = None
) -> Circular:
    """Numbers the approved circular, puts it on the public site, writes it on every named
    project's timeline and tells the lead units; a correction retires the circular it corrects."""
    require(staff, SUPERVISE)
    if circular.status == CircularStatus.draft:
        raise Conflict("通报还没有审核，审核后才能发布。", code="not_approved")
    if circular.status != CircularStatus.approved:
        raise Conflict("这份通报已经发布过了。", code="circular_published")
    now = now or utcnow()
    on = default_calendar().local_day(now)
    past = {
        f"item-{i.id}-deadline": f"“{i.project.title}”的整改期限已过，请退回修改后再发布。"
        for i in circular.items
        if i.deadline < on and i.answered_at is None
    }
    if past:
        raise InvalidInput(past, "有项目的整改期限早于发布日期。")
    circular.number = next_number(db, on.year)
    circular.status = CircularStatus.published
    circular.published_at = now
    old = db.get(Circular, circular.supersedes_id) if circular.supersedes_id else None
    if old is not None:
        old.status = CircularStatus.superseded
        rectification.carry_answers(old, circular)
    for item in circular.items:
        text = f"被《{circular.title}》（{circular.number}）通报：{item.situation}"
        text += f"整改期限：{chinese_date(item.deadline)}。"
        if old is not None:
            text = f"《{old.number}》已更正为《{circular.number}》。" + text
        record_event(db, item.project, "circular", text, actor_label=ISSUER)
    rectification.tell_units(db, circular)
    db.flush()
    return circular


def supersede(db: Session, *, circular: Circular, staff: StaffPrincipal) -> Circular:
    """A correction: a new draft copied from the published circular (answers kept); when it is
    published the old one is marked corrected and links to it."""
    require(staff, SUPERVISE)
    if circular.status != CircularStatus.published:
        raise Conflict("只有已发布的通报可以更正。", code="not_published")
    pending = db.scalar(select(Circular).where(Circular.supersedes_id == circular.id))
    if pending is not None:
        raise Conflict(
            "这份通报已有一份更正稿，请在那份上修改。",
            code="correction_exists",
            details={"circular": pending.id},
        )
    copy = Circular(
        batch_id=circular.batch_id,
        number=DRAFT_NUMBER + secrets.token_hex(8),
        title=circular.title,
        period=circular.period,
        body=circular.body,
        figures=circular.figures,
        rectify_by=max(circular.rectify_by, today()),
        status=CircularStatus.draft,
        drafted_by_id=staff.user_id,
        supersedes_id=circular.id,
    )
    for item in circular.items:
        copy.items.append(
            CircularItem(
                project_id=item.project_id,
                position=item.position,
                situation=item.situation,
                cause=item.cause,
                required_action=item.required_action,
                leader=item.leader,
                deadline=item.deadline,
                answer=item.answer,
                answered_at=item.answered_at,
                answered_by_id=item.answered_by_id,
            )
        )
    db.add(copy)
    db.flush()
    return copy
