"""公示: the public notice of the chosen projects, its objection window, objections and answers.

A draft may be edited; publishing freezes what it lists (code, title, lead unit) as a snapshot and
moves the chosen projects to running: from then on their monthly reports are due. A published
notice is never edited; a correction is a new notice that supersedes it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core import ratelimit
from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.notify import service as notify
from minsheng.projects import stages
from minsheng.projects.collection import local_today
from minsheng.projects.models import Batch, Project, Stage
from minsheng.projects.models_collection import Notice, NoticeStatus, Objection
from minsheng.projects.permissions import MANAGE_PROJECTS
from minsheng.projects.schemas_collection import NoticeCreate, ObjectionCreate
from minsheng.projects.service import record_event, require

PUBLISHED_IS_FINAL = "已发布的公示不能修改；如需更正，请发布一份新的公示替代它。"
STATUS_LABELS = {
    NoticeStatus.draft: "草稿",
    NoticeStatus.published: "公示中",
    NoticeStatus.superseded: "已被更正",
}


def get_notice(db: Session, *, notice_id: int, public: bool = False) -> Notice:
    """A notice; the public never sees drafts."""
    notice = db.get(Notice, notice_id)
    if notice is None or (public and notice.status == NoticeStatus.draft):
        raise NotFound("没有找到这份公示。")
    return notice


def list_notices(db: Session, *, published_only: bool = False) -> list[Notice]:
    stmt = select(Notice)
    if published_only:
        stmt = stmt.where(Notice.status != NoticeStatus.draft)
    return list(db.scalars(stmt.order_by(Notice.id.desc())))


def _apply(notice: Notice, data: NoticeCreate) -> None:
    notice.title = data.title
    notice.body = data.body
    notice.objection_from = data.objection_from
    notice.objection_until = data.objection_until
    notice.contact = data.contact


def draft(
    db: Session,
    *,
    staff: StaffPrincipal,
    batch: Batch,
    data: NoticeCreate,
    supersedes: Notice | None = None,
) -> Notice:
    """A new draft notice for the batch; with `supersedes`, a correction of a published one."""
    require(staff, MANAGE_PROJECTS)
    if supersedes is not None:
        if supersedes.status != NoticeStatus.published:
            raise Conflict("只能更正正在公示的公示。", code="not_published")
        if supersedes.batch_id != batch.id:
            raise InvalidInput({"batch": "更正公示须与原公示属于同一批次"})
    notice = Notice(batch_id=batch.id, supersedes_id=supersedes.id if supersedes else None)
    _apply(notice, data)
    db.add(notice)
    db.flush()
    return notice


def update_draft(
    db: Session, *, staff: StaffPrincipal, notice: Notice, data: NoticeCreate
) -> Notice:
    require(staff, MANAGE_PROJECTS)
    if notice.status != NoticeStatus.draft:
        raise Conflict(PUBLISHED_IS_FINAL, code="notice_published")
    _apply(notice, data)
    db.flush()
    return notice


def snapshot(notice: Notice) -> list[dict[str, Any]]:
    """What the notice listed when it was published: code, title, lead unit."""
    return list(json.loads(notice.snapshot or "[]"))


def listed_projects(db: Session, *, notice: Notice) -> list[Project]:
    """What publishing would list: the batch's chosen projects, and for a correction the
    projects of the notice it replaces (already running) as well."""
    stages = [Stage.chosen]
    codes: list[str] = []
    if notice.supersedes_id is not None:
        old = db.get(Notice, notice.supersedes_id)
        codes = [row["code"] for row in snapshot(old)] if old else []
    stmt = select(Project).where(Project.batch_id == notice.batch_id)
    found = [
        p
        for p in db.scalars(stmt.order_by(Project.code))
        if p.stage in stages or (p.code in codes and p.stage == Stage.running)
    ]
    return found


def publish(db: Session, *, staff: StaffPrincipal, notice: Notice) -> Notice:
    """Freezes the list, opens the objection window and starts the chosen projects."""
    require(staff, MANAGE_PROJECTS)
    if notice.status != NoticeStatus.draft:
        raise Conflict(PUBLISHED_IS_FINAL, code="notice_published")
    old = db.get(Notice, notice.supersedes_id) if notice.supersedes_id is not None else None
    if notice.supersedes_id is not None and (old is None or old.status != NoticeStatus.published):
        raise Conflict("原公示已被其他公示更正，请重新起草。", code="not_published")
    projects = listed_projects(db, notice=notice)
    if not projects:
        raise Conflict(
            "没有可以公示的项目：请先确定入选项目（票决或直接确定）。", code="nothing_chosen"
        )
    notice.snapshot = json.dumps(
        [{"code": p.code, "title": p.title, "lead_unit": p.lead_unit.name} for p in projects],
        ensure_ascii=False,
    )
    notice.status = NoticeStatus.published
    notice.published_at = utcnow()
    for project in projects:
        if project.stage == Stage.chosen:
            record_event(db, project, "noticed", f"列入公示《{notice.title}》。")
            stages.start(db, project=project, actor_label=staff.display_name)
    if old is not None:
        old.status = NoticeStatus.superseded
    db.flush()
    return notice


def superseded_by(db: Session, *, notice: Notice) -> Notice | None:
    """The published notice that replaced this one."""
    stmt = select(Notice).where(
        Notice.supersedes_id == notice.id, Notice.status != NoticeStatus.draft
    )
    return db.scalar(stmt.order_by(Notice.id.desc()).limit(1))


def objection_open(notice: Notice) -> bool:
    today = local_today()
    return (
        notice.status == NoticeStatus.published
        and notice.objection_from <= today <= notice.objection_until
    )


def file_objection(
    db: Session,
    *,
    notice: Notice,
    data: ObjectionCreate,
    resident: ResidentPrincipal | None = None,
    client_addr: str = "unknown",
) -> Objection:
    """Anyone may object during the window; name and phone are optional and never shown."""
    if notice.status == NoticeStatus.draft:
        raise NotFound("没有找到这份公示。")
    if notice.status == NoticeStatus.superseded:
        raise Conflict("这份公示已被更正，请对更正后的公示提出意见。", code="notice_superseded")
    if not objection_open(notice):
        raise Conflict(
            f"这份公示的异议期是 {notice.objection_from:%Y-%m-%d} 至 "
            f"{notice.objection_until:%Y-%m-%d}，现在不在异议期内。",
            code="objection_closed",
        )
    project_id = None
    if data.project:
        if data.project not in {row["code"] for row in snapshot(notice)}:
            raise InvalidInput({"project": "这个项目不在本次公示中，请从列表中选择"})
        project_id = db.scalar(select(Project.id).where(Project.code == data.project))
    per_hour = get_settings().anonymous_requests_per_hour
    keys = [f"objections:addr:{client_addr}"] + (
        [f"objections:phone:{data.phone}"] if data.phone else []
    )
    for key in keys:
        if not ratelimit.allow(db, key=key, limit=per_hour, window_seconds=3600):
            raise TooManyRequests("提交太频繁了，请一小时后再试。", retry_after=3600)
    objection = Objection(
        notice_id=notice.id,
        project_id=project_id,
        name=data.name,
        phone=data.phone or (resident.phone if resident else ""),
        text=data.text,
    )
    db.add(objection)
    db.flush()
    return objection


def objections(db: Session, *, notice: Notice, answered_only: bool = False) -> list[Objection]:
    stmt = select(Objection).where(Objection.notice_id == notice.id)
    if answered_only:
        stmt = stmt.where(Objection.answered_at.is_not(None))
    return list(db.scalars(stmt.order_by(Objection.received_at, Objection.id)))


def get_objection(db: Session, *, objection_id: int) -> Objection:
    objection = db.get(Objection, objection_id)
    if objection is None:
        raise NotFound("没有找到这条异议。")
    return objection


def answer_objection(
    db: Session, *, staff: StaffPrincipal, objection: Objection, text: str
) -> Objection:
    """The answer is public (without who objected); the objector is told if they left a phone."""
    require(staff, MANAGE_PROJECTS)
    text = text.strip()
    if not text:
        raise InvalidInput({"answer": "请填写答复"})
    if len(text) > 2000:
        raise InvalidInput({"answer": "太长了，最多 2000 个字"})
    if objection.answered_at is not None:
        raise Conflict("这条异议已经答复过了。", code="already_answered")
    objection.answer = text
    objection.answered_at = utcnow()
    objection.answered_by_id = staff.user_id
    if objection.phone:
        body = (
            f"【民生】您对公示提出的意见已答复，详见 "
            f"{get_settings().base_url}/projects/notices/{objection.notice_id}"
        )
        notify.queue_sms(db, to=objection.phone, body=body, purpose="objection_answer")
    db.flush()
    return objection


def project_label(db: Session, objection: Objection) -> str:
    if objection.project_id is None:
        return ""
    project = db.get(Project, objection.project_id)
    return f"{project.code} {project.title}" if project else ""
