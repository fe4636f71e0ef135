"""征集: proposals from residents, units, deputies and request clusters, and their official answers.

Supports and comments live in participation.py, turning accepted proposals into candidate
projects in shortlist.py. Keyword-only functions; they flush, never commit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from minsheng.accounts import service as accounts
from minsheng.accounts.models import StaffUser
from minsheng.core import ratelimit
from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.notify import service as notify
from minsheng.org.models import Unit
from minsheng.projects.models import AREAS, Batch, Project
from minsheng.projects.models_collection import (
    PROPOSAL_STATUS_LABELS,
    Proposal,
    ProposalRequest,
    ProposalSource,
    ProposalStatus,
)
from minsheng.projects.permissions import MANAGE_COLLECTION, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_collection import (
    ProposalAnswer,
    ProposalCreate,
    ProposalEntry,
    ProposalFromRequests,
    ProposalPublic,
)
from minsheng.projects.service import local_today, require
from minsheng.requests import service as requests

NUMBER_PREFIX = "JY"
DEFAULT_ANSWERS = {
    ProposalStatus.accepted: "感谢您的建议。经研究，予以采纳，将纳入候选项目统筹考虑。",
    ProposalStatus.merged: "您的建议与建议 {target} 内容相近，已合并办理，请关注该建议的进展。",
}


def collecting(batch: Batch, on: dt.date | None = None) -> bool:
    day = on or local_today()
    return batch.collect_from <= day <= batch.collect_until


def require_collecting(batch: Batch) -> None:
    if not collecting(batch):
        raise Conflict(
            f"“{batch.name}”的征集时间是 {batch.collect_from:%Y-%m-%d} 至 "
            f"{batch.collect_until:%Y-%m-%d}，现在不在征集期内，不能提交建议。",
            code="collection_closed",
        )


def open_batches(db: Session) -> list[Batch]:
    """Public batches collecting proposals today, the newest first."""
    today = local_today()
    stmt = (
        select(Batch)
        .where(Batch.public.is_(True), Batch.collect_from <= today, Batch.collect_until >= today)
        .order_by(Batch.collect_from.desc(), Batch.id.desc())
    )
    return list(db.scalars(stmt))


def list_batches(db: Session, *, public_only: bool = True) -> list[Batch]:
    """Batches, the newest first."""
    stmt = select(Batch).order_by(Batch.collect_from.desc(), Batch.id.desc())
    if public_only:
        stmt = stmt.where(Batch.public.is_(True))
    return list(db.scalars(stmt))


def _batch(db: Session, code: str) -> Batch:
    batch = db.scalar(select(Batch).where(Batch.code == code))
    if batch is None:
        raise InvalidInput({"batch": "没有这个征集批次，请从列表中选择"})
    return batch


def get_proposal(db: Session, *, number: str) -> Proposal:
    proposal = db.scalar(select(Proposal).where(Proposal.number == number.strip().upper()[:20]))
    if proposal is None:
        raise NotFound(f"没有找到编号为“{number[:20]}”的建议。")
    return proposal


def _next_number(db: Session, year: int) -> str:
    prefix = f"{NUMBER_PREFIX}{year}-"
    # By length first, so JY2026-10000 comes after JY2026-9999.
    last = db.scalar(
        select(Proposal.number)
        .where(Proposal.number.startswith(prefix))
        .order_by(func.length(Proposal.number).desc(), Proposal.number.desc())
        .limit(1)
    )
    seq = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _numbered(db: Session, proposal: Proposal) -> Proposal:
    """Adds the proposal under the next free number; a number taken meanwhile is tried again."""
    year = local_today().year
    for _ in range(5):
        proposal.number = _next_number(db, year)
        try:
            with db.begin_nested():
                db.add(proposal)
                db.flush()
        except IntegrityError:
            continue
        return proposal
    raise Conflict("同时提交的建议太多，请稍后再试。", code="busy")


def _limit_anonymous(db: Session, *, client_addr: str, phone: str) -> None:
    per_hour = get_settings().anonymous_requests_per_hour
    keys = [f"proposals:addr:{client_addr}"] + ([f"proposals:phone:{phone}"] if phone else [])
    for key in keys:
        if not ratelimit.allow(db, key=key, limit=per_hour, window_seconds=3600):
            raise TooManyRequests("提交太频繁了，请一小时后再试。", retry_after=3600)


def _new(batch: Batch, data: ProposalCreate, source: ProposalSource) -> Proposal:
    return Proposal(
        batch_id=batch.id,
        source=source,
        area=data.area,
        title=data.title,
        what=data.what,
        why=data.why,
        approach=data.approach,
        proposer_name=data.name,
        proposer_phone=data.phone,
    )


def submit(
    db: Session,
    *,
    data: ProposalCreate,
    resident: ResidentPrincipal | None = None,
    client_addr: str = "unknown",
) -> Proposal:
    """A resident's proposal from the public form or the API, while the batch is collecting."""
    batch = _batch(db, data.batch)
    if not batch.public:
        raise InvalidInput({"batch": "没有这个征集批次，请从列表中选择"})
    require_collecting(batch)
    _limit_anonymous(db, client_addr=client_addr, phone=data.phone)
    proposal = _new(batch, data, ProposalSource.resident)
    proposal.resident_id = resident.resident_id if resident else None
    return _numbered(db, proposal)


def deputies(db: Session) -> list[StaffUser]:
    """The active staff accounts holding the deputy role (人大代表)."""
    return [
        u
        for u in accounts.list_users(db)
        if u.active and any(a.role == "deputy" for a in u.assignments)
    ]


def _deputy(db: Session, user_id: int | None) -> StaffUser:
    try:
        user = accounts.get_user(db, user_id=user_id) if user_id is not None else None
    except NotFound:
        user = None
    if user is None or not user.active or all(a.role != "deputy" for a in user.assignments):
        raise InvalidInput({"deputy_id": "请选择一位人大代表"})
    return user


def enter(db: Session, *, staff: StaffPrincipal, data: ProposalEntry) -> Proposal:
    """A unit's or a deputy's proposal, entered through the staff pages or the API."""
    batch = _batch(db, data.batch)
    require_collecting(batch)
    manager = staff.can(MANAGE_COLLECTION)
    proposal = _new(batch, data, ProposalSource(data.source))
    proposal.entered_by_id = staff.user_id
    if data.source == ProposalSource.unit:
        unit = db.get(Unit, data.unit_id) if data.unit_id is not None else None
        if unit is None or not unit.active:
            raise InvalidInput({"unit_id": "请选择申报单位"})
        if not manager and not staff.can(VIEW_PROJECTS_STAFF, unit.path):
            raise Forbidden("您只能以本单位的名义申报建议。")
        proposal.unit_id = unit.id
    else:
        # A deputy speaks for themselves; the collection office may enter for any deputy.
        if data.deputy_id is None or data.deputy_id == staff.user_id:
            if "deputy" not in staff.roles:
                if not manager:
                    raise Forbidden("只有人大代表可以提出代表建议。")
                raise InvalidInput({"deputy_id": "请选择一位人大代表"})
            deputy = _deputy(db, staff.user_id)
        elif manager:
            deputy = _deputy(db, data.deputy_id)
        else:
            raise Forbidden("您只能以本人名义提出代表建议。")
        proposal.deputy_id = deputy.id
    return _numbered(db, proposal)


def from_requests(db: Session, *, staff: StaffPrincipal, data: ProposalFromRequests) -> Proposal:
    """Turns a cluster of citizen requests into one proposal and tells their reporters by SMS."""
    require(staff, MANAGE_COLLECTION)
    batch = _batch(db, data.batch)
    require_collecting(batch)
    found = []
    for number in dict.fromkeys(n.strip().upper() for n in data.requests if n.strip()):
        try:
            request = requests.get_by_tracking(db, tracking_number=number)
        except NotFound:
            raise InvalidInput({"requests": f"没有找到诉求 {number[:30]}，请核对编号"}) from None
        if not requests.can_view(staff, request):
            raise InvalidInput({"requests": f"您看不到诉求 {number}，不能把它汇入建议"})
        found.append(request)
    if not found:
        raise InvalidInput({"requests": "请至少选择一件诉求"})
    proposal = _new(batch, data, ProposalSource.requests)
    proposal.proposer_name, proposal.proposer_phone = "", ""
    proposal.entered_by_id = staff.user_id
    _numbered(db, proposal)
    for request in found:
        db.add(ProposalRequest(proposal_id=proposal.id, request_id=request.id))
    text = f"【民生】您反映的问题已汇入实事项目建议“{proposal.title}”（编号 {proposal.number}）。"
    for phone in dict.fromkeys(r.contact_phone for r in found if r.contact_phone):
        notify.queue_sms(db, to=phone, body=text, purpose="proposal_from_requests")
    db.flush()
    return proposal


def source_requests(db: Session, proposal: Proposal) -> list[int]:
    """The ids of the citizen requests a proposal was made from."""
    stmt = select(ProposalRequest.request_id).where(ProposalRequest.proposal_id == proposal.id)
    return list(db.scalars(stmt.order_by(ProposalRequest.id)))


def answer(
    db: Session, *, staff: StaffPrincipal, proposal: Proposal, data: ProposalAnswer
) -> Proposal:
    """The official answer, once; the proposer is told by SMS when they left a phone."""
    require(staff, MANAGE_COLLECTION)
    if proposal.status != ProposalStatus.submitted:
        raise Conflict(
            f"这条建议已经答复（{proposal.status_label}），答复不再更改。", code="already_answered"
        )
    status = ProposalStatus(data.status)
    text = data.answer
    target = None
    if status == ProposalStatus.not_adopted and not text:
        raise InvalidInput({"answer": "不予采纳时必须说明理由"})
    if status == ProposalStatus.merged:
        target = _merge_target(db, proposal, data.merged_into)
        text = text or DEFAULT_ANSWERS[status].format(target=target.number)
    elif status == ProposalStatus.accepted:
        text = text or DEFAULT_ANSWERS[status]
    proposal.status = status
    proposal.answer = text
    proposal.answered_at = utcnow()
    proposal.answered_by_id = staff.user_id
    proposal.merged_into_id = target.id if target else None
    if proposal.proposer_phone:
        label = PROPOSAL_STATUS_LABELS[status]
        body = (
            f"【民生】您提出的建议“{proposal.title}”（编号 {proposal.number}）已答复：{label}。"
            f"详情见 {get_settings().base_url}/projects/proposals/{proposal.number}"
        )
        notify.queue_sms(db, to=proposal.proposer_phone, body=body, purpose="proposal_answer")
    db.flush()
    return proposal


def _merge_target(db: Session, proposal: Proposal, number: str) -> Proposal:
    if not number:
        raise InvalidInput({"merged_into": "请填写要并入的建议编号"})
    target = db.scalar(select(Proposal).where(Proposal.number == number.upper()))
    if target is None:
        raise InvalidInput({"merged_into": f"没有找到建议 {number}"})
    if target.id == proposal.id:
        raise InvalidInput({"merged_into": "不能并入这条建议本身"})
    if target.batch_id != proposal.batch_id:
        raise InvalidInput({"merged_into": "只能并入同一批次的建议"})
    if target.status in (ProposalStatus.merged, ProposalStatus.not_adopted):
        raise InvalidInput({"merged_into": f"建议 {target.number} {target.status_label}，不能并入"})
    return target


def list_proposals(
    db: Session,
    *,
    batch: str | None = None,
    area: str | None = None,
    status: ProposalStatus | None = None,
    source: ProposalSource | None = None,
    public_only: bool = True,
    by_support: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Proposal], int]:
    """One page of proposals matching the filters, the newest (or most supported) first."""
    stmt = select(Proposal).join(Batch, Batch.id == Proposal.batch_id)
    if public_only:
        stmt = stmt.where(Proposal.public.is_(True), Batch.public.is_(True))
    if batch:
        stmt = stmt.where(Batch.code == batch)
    if area:
        stmt = stmt.where(Proposal.area == area)
    if status is not None:
        stmt = stmt.where(Proposal.status == status)
    if source is not None:
        stmt = stmt.where(Proposal.source == source)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = (Proposal.support_count.desc(),) if by_support else ()
    page = (
        stmt.options(joinedload(Proposal.batch), joinedload(Proposal.merged_into))
        .order_by(*order, Proposal.created_at.desc(), Proposal.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.scalars(page)), int(total)


def project_code(db: Session, proposal: Proposal) -> str | None:
    if proposal.project_id is None:
        return None
    return db.scalar(select(Project.code).where(Project.id == proposal.project_id))


def public_view(proposal: Proposal, *, project: str | None = None) -> ProposalPublic:
    """What anyone may read: never the proposer's name, phone or account."""
    return ProposalPublic(
        number=proposal.number,
        batch=proposal.batch.code,
        batch_name=proposal.batch.name,
        source=proposal.source,
        source_label=proposal.source_label,
        area=proposal.area,
        area_label=AREAS.get(proposal.area, proposal.area),
        title=proposal.title,
        what=proposal.what,
        why=proposal.why,
        approach=proposal.approach,
        status=proposal.status,
        status_label=proposal.status_label,
        answer=proposal.answer,
        answered_at=proposal.answered_at,
        merged_into=proposal.merged_into.number if proposal.merged_into else None,
        project=project,
        support_count=proposal.support_count,
        created_at=proposal.created_at,
    )
