"""Ratings by SMS reply: the closing text asks for one digit, the provider pushes the answer.

1 已解决、满意; 2 已解决、基本满意; 3 已解决、不满意; 4 未解决. The reply is matched to the newest
closed, unrated request from that phone; anything else gets a short help text back.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.text import normalize_mobile
from minsheng.feedback import service
from minsheng.feedback.models import RatedVia, Satisfaction
from minsheng.feedback.schemas import RatingCreate
from minsheng.notify import service as notify
from minsheng.requests.flows import RATING_INVITE
from minsheng.requests.models import CitizenRequest, Status

INVITE = RATING_INVITE
ANSWERS = {
    "1": (True, Satisfaction.satisfied),
    "2": (True, Satisfaction.basic),
    "3": (True, Satisfaction.dissatisfied),
    "4": (False, Satisfaction.dissatisfied),
}
_REPLY = re.compile(r"^\s*([1-4])\s*[，,。.、\s]*(.*)$", re.DOTALL)
# A reply weeks after the closing text is about something else.
WINDOW = dt.timedelta(days=30)


def handle_reply(db: Session, *, phone: str, text: str) -> str:
    """Records the rating a reply carries; returns what happened, for the provider's log."""
    number = normalize_mobile(phone)
    if number is None:
        return "ignored: not a mobile number"
    match = _REPLY.match(text or "")
    candidates = db.scalars(
        select(CitizenRequest)
        .where(
            CitizenRequest.contact_phone == number,
            CitizenRequest.status == Status.closed,
            CitizenRequest.closed_at >= utcnow() - WINDOW,
        )
        .order_by(CitizenRequest.closed_at.desc())
    )
    request = next((r for r in candidates if service.can_rate(db, r)), None)
    if request is None:
        return "ignored: nothing to rate"
    if match is None:
        notify.queue_sms(
            db, to=number, body=f"【民生】没看懂您的回复。{INVITE}", purpose="rating_help"
        )
        return "help sent"
    resolved, satisfaction = ANSWERS[match[1]]
    data = RatingCreate(resolved=resolved, satisfaction=satisfaction, reason=match[2].strip()[:500])
    rating = service.rate(db, request, data=data, via=RatedVia.sms)
    thanks = "已转回承办单位重新办理。" if rating.reopened else "感谢您的评价。"
    notify.queue_sms(
        db, to=number, body=f"【民生】{request.tracking_number}：{thanks}", purpose="rating_thanks"
    )
    return f"rated {request.tracking_number}"
