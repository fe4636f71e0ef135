"""The due-colour sweep: yellow when most of the limit is used, red past it, escalation, and
the SMS to the unit's handlers and supervisors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.accounts import service as accounts
from minsheng.accounts.models import StaffUser
from minsheng.core.db import utcnow
from minsheng.notify.models import OutboundMessage
from minsheng.requests import jobs, service
from minsheng.requests.models import CitizenRequest, DueColour, RequestEvent
from minsheng.requests.schemas import RequestCreate
from tests.requests import BACHENG, body, load_demo

HANDLER_PHONE = "13900001111"
SUPERVISOR_PHONE = "13900002222"


@pytest.fixture
def kunshan(db, app) -> None:  # the app registers the jobs the services defer
    load_demo(db)
    for username, phone in (("handler", HANDLER_PHONE), ("supervisor", SUPERVISOR_PHONE)):
        user = db.scalar(select(StaffUser).where(StaffUser.username == username))
        assert user is not None
        user.phone = phone
    db.commit()


def _operator(db):
    user = db.scalar(select(StaffUser).where(StaffUser.username == "operator"))
    return accounts.principal(db, user=user)


def _leak(db, received_at: dt.datetime) -> CitizenRequest:
    """A roof leak in 巴城 (7 working days, to the housing bureau), received at a past time."""
    data = RequestCreate(
        **body(category="housing.leak", title="楼顶漏水", town=BACHENG, channel="hotline"),
        received_at=received_at,
    )
    request, _ = service.submit(db, data=data, staff=_operator(db))
    db.commit()
    return request


def _sms_to(db, phone: str) -> list[str]:
    found = list(db.scalars(select(OutboundMessage.body).where(OutboundMessage.recipient == phone)))
    db.commit()
    return found


def test_a_fresh_request_stays_uncoloured(db, kunshan):
    request = _leak(db, utcnow() - dt.timedelta(hours=1))
    assert jobs.sweep(db) == 0
    db.commit()
    assert request.due_colour == DueColour.none
    assert _sms_to(db, HANDLER_PHONE) == []


def test_most_of_the_limit_used_turns_yellow_and_tells_the_handler_once(db, kunshan):
    request = _leak(db, utcnow() - dt.timedelta(days=8))
    due = request.resolve_due_at
    # Just before the deadline: far more than 80% of the working time is used.
    assert jobs.sweep(db, now=due - dt.timedelta(hours=1)) == 1
    db.commit()
    assert request.due_colour == DueColour.yellow
    assert len(_sms_to(db, HANDLER_PHONE)) == 1
    assert request.tracking_number in _sms_to(db, HANDLER_PHONE)[0]
    assert _sms_to(db, SUPERVISOR_PHONE) == []
    # A second sweep at the same moment changes nothing and says nothing again.
    assert jobs.sweep(db, now=due - dt.timedelta(hours=1)) == 0
    db.commit()
    assert len(_sms_to(db, HANDLER_PHONE)) == 1


def test_past_the_limit_turns_red_then_escalates_after_a_working_day(db, kunshan):
    request = _leak(db, utcnow() - dt.timedelta(days=30))
    due = request.resolve_due_at
    jobs.sweep(db, now=due + dt.timedelta(minutes=5))
    db.commit()
    assert request.due_colour == DueColour.red
    assert request.escalated_at is None
    assert any("已超过办结时限" in t for t in _sms_to(db, SUPERVISOR_PHONE))
    # Two calendar weeks later it is certainly more than one working day late.
    jobs.sweep(db, now=due + dt.timedelta(days=14))
    db.commit()
    assert request.escalated_at is not None
    assert request.flagged
    kinds = [
        e.kind
        for e in db.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request.id)
            .order_by(RequestEvent.id)
        )
    ]
    db.commit()
    assert kinds[-2:] == ["overdue", "escalated"]
    assert any("已提请督办" in t for t in _sms_to(db, SUPERVISOR_PHONE))
    # Staff-only events: the resident's public timeline does not show the warnings.
    public = service.public_view(request, reporter=True)
    db.commit()
    assert not {"overdue", "escalated"} & {e.kind for e in public.timeline}
