"""回访: the reporter answers two questions; a poor answer reopens the request (重办).

Flushes, never commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.feedback.models import SATISFACTION_LABELS, RatedVia, Rating, Satisfaction
from minsheng.feedback.permissions import RECORD_RATING
from minsheng.feedback.schemas import RatingCreate
from minsheng.requests import flows
from minsheng.requests.models import CitizenRequest, RequestEvent, Status


def ratings_of(db: Session, request: CitizenRequest) -> list[Rating]:
    return list(
        db.scalars(select(Rating).where(Rating.request_id == request.id).order_by(Rating.round))
    )


def current_rating(db: Session, request: CitizenRequest) -> Rating | None:
    """The rating of the round that ended with the latest closure, if given."""
    return db.scalar(
        select(Rating).where(Rating.request_id == request.id, Rating.round == request.reopen_count)
    )


def can_rate(db: Session, request: CitizenRequest) -> bool:
    return request.status == Status.closed and current_rating(db, request) is None


def rate(
    db: Session,
    request: CitizenRequest,
    *,
    data: RatingCreate,
    via: RatedVia,
    staff: StaffPrincipal | None = None,
) -> Rating:
    """Records the reporter's answer. 未解决 or 不满意 reopens the request to the same unit,
    while reopenings are left; after that the answer stands and the supervisor sees it."""
    if via == RatedVia.phone and (staff is None or not staff.can(RECORD_RATING)):
        raise Forbidden("只有话务员可以记录电话回访。")
    if request.status != Status.closed:
        raise Conflict("这件诉求还没有办结，办结后才能评价。", code="not_closed")
    if current_rating(db, request) is not None:
        raise Conflict("这一次办理已经评价过了，谢谢您。", code="already_rated")
    reason = data.reason.strip()
    poor = not data.resolved or data.satisfaction == Satisfaction.dissatisfied
    if poor and len(reason) < 2 and via == RatedVia.phone:
        raise InvalidInput({"reason": "群众不满意或未解决时，请记下原因"})
    may_reopen = poor and request.reopen_count < get_settings().max_reopens
    rating = Rating(
        request_id=request.id,
        request=request,
        round=request.reopen_count,
        unit_id=request.unit_id,
        resolved=data.resolved,
        satisfaction=data.satisfaction,
        reason=reason,
        via=via,
        recorded_by_id=staff.user_id if staff else None,
        reopened=may_reopen,
    )
    db.add(rating)
    answer = f"{'已解决' if data.resolved else '未解决'}，{SATISFACTION_LABELS[data.satisfaction]}"
    request.events.append(
        RequestEvent(
            kind="rated",
            actor_label=staff.display_name if staff else "群众",
            unit_id=request.unit_id,
            text=answer + (f"：{reason}" if reason else ""),
        )
    )
    if may_reopen:
        flows.reopen(db, request, why=reason or answer)
    elif poor:
        request.flagged = True  # no reopenings left: the supervisor decides what next
    db.flush()
    return rating
