"""Residents take part in 征集: one support per person (phone confirmed by a one-time code) and
comments that appear only once a moderator approves them."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core import ratelimit
from minsheng.core.errors import Conflict, NotFound, TooManyRequests
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.core.text import mask_name
from minsheng.projects.models_collection import (
    Moderation,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from minsheng.projects.permissions import MANAGE_COLLECTION
from minsheng.projects.schemas_collection import CommentCreate, Moderate
from minsheng.projects.service import require

# Proposals that no longer gather support: their answer is final, or they live on in another.
CLOSED = (ProposalStatus.merged, ProposalStatus.not_adopted)


def phone_hash(phone: str) -> str:
    """The phone keyed with the secret: one support per person, without keeping who it was."""
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"proposal-support:{phone}".encode(), hashlib.sha256).hexdigest()


def has_supported(db: Session, *, proposal: Proposal, phone: str) -> bool:
    stmt = select(ProposalSupport.id).where(
        ProposalSupport.proposal_id == proposal.id,
        ProposalSupport.phone_hash == phone_hash(phone),
    )
    return db.scalar(stmt) is not None


def support(db: Session, *, proposal: Proposal, resident: ResidentPrincipal) -> ProposalSupport:
    """Counts a signed-in resident's support, once per phone number."""
    if not proposal.public:
        raise NotFound("没有找到这条建议。")
    if proposal.status in CLOSED:
        raise Conflict(f"这条建议{proposal.status_label}，不再接受支持。", code="proposal_closed")
    if has_supported(db, proposal=proposal, phone=resident.phone):
        raise Conflict("您已经支持过这条建议了，每人只能支持一次。", code="already_supported")
    row = ProposalSupport(
        proposal_id=proposal.id,
        phone_hash=phone_hash(resident.phone),
        resident_id=resident.resident_id,
    )
    db.add(row)
    db.flush()
    # Counted from the rows, so the figure never drifts from what was given.
    proposal.support_count = int(
        db.scalar(
            select(func.count())
            .select_from(ProposalSupport)
            .where(ProposalSupport.proposal_id == proposal.id)
        )
        or 0
    )
    db.flush()
    return row


def comment(
    db: Session,
    *,
    proposal: Proposal,
    data: CommentCreate,
    resident: ResidentPrincipal | None = None,
    client_addr: str = "unknown",
) -> ProposalComment:
    """A comment held for moderation; shown only once approved."""
    if not proposal.public:
        raise NotFound("没有找到这条建议。")
    per_hour = get_settings().anonymous_requests_per_hour
    key = (
        f"comments:resident:{resident.resident_id}" if resident else f"comments:addr:{client_addr}"
    )
    if not ratelimit.allow(db, key=key, limit=per_hour, window_seconds=3600):
        raise TooManyRequests("评论太频繁了，请一小时后再试。", retry_after=3600)
    row = ProposalComment(
        proposal_id=proposal.id,
        author_name=data.name,
        resident_id=resident.resident_id if resident else None,
        text=data.text,
    )
    db.add(row)
    db.flush()
    return row


def shown_name(row: ProposalComment) -> str:
    """张** : the family name only, or 匿名."""
    return mask_name(row.author_name) if row.author_name else "匿名"


def approved_comments(db: Session, *, proposal: Proposal) -> list[ProposalComment]:
    stmt = select(ProposalComment).where(
        ProposalComment.proposal_id == proposal.id,
        ProposalComment.status == Moderation.approved,
    )
    return list(db.scalars(stmt.order_by(ProposalComment.created_at, ProposalComment.id)))


def get_comment(db: Session, *, comment_id: int) -> ProposalComment:
    row = db.get(ProposalComment, comment_id)
    if row is None:
        raise NotFound("没有找到这条评论。")
    return row


def pending_comments(db: Session) -> list[tuple[ProposalComment, Proposal]]:
    """Comments waiting for a moderator, oldest first, with their proposals."""
    stmt = (
        select(ProposalComment, Proposal)
        .join(Proposal, Proposal.id == ProposalComment.proposal_id)
        .where(ProposalComment.status == Moderation.pending)
        .order_by(ProposalComment.created_at, ProposalComment.id)
    )
    return [(c, p) for c, p in db.execute(stmt)]


def moderate(
    db: Session, *, staff: StaffPrincipal, row: ProposalComment, data: Moderate
) -> ProposalComment:
    """Approves a comment for the public page, or rejects it (kept, never shown)."""
    require(staff, MANAGE_COLLECTION)
    row.status = Moderation(data.status)
    row.moderation_note = data.note
    row.moderated_by_id = staff.user_id
    db.flush()
    return row
