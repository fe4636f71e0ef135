"""Rating by SMS reply: the provider pushes the resident's digit, the request is rated (and
reopened on 4), the secret is required, and a reply nobody can place changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.accounts import service as accounts
from minsheng.accounts.models import StaffUser
from minsheng.core.settings import get_settings
from minsheng.feedback.models import Rating, Satisfaction
from minsheng.notify.models import OutboundMessage
from minsheng.requests import flows, service
from minsheng.requests.models import CitizenRequest, Outcome, Status
from minsheng.requests.schemas import RequestCreate
from tests.requests import PHONE, body, load_demo

SECRET = "provider-secret-for-tests"


@pytest.fixture
def inbound_on(monkeypatch):
    monkeypatch.setenv("MINSHENG_SMS_INBOUND_SECRET", SECRET)
    get_settings.cache_clear()


@pytest.fixture
def closed(db, app, inbound_on) -> str:
    """A leak reported by PHONE, accepted and closed by the housing bureau's handler."""
    load_demo(db)

    def who(username: str):
        user = db.scalar(select(StaffUser).where(StaffUser.username == username))
        return accounts.principal(db, user=user)

    data = RequestCreate(**body(category="housing.leak", title="楼顶漏水", channel="web"))
    request, _ = service.submit(db, data=data)
    handler = who("handler")
    flows.accept(db, request, staff=handler)
    flows.close(db, request, staff=handler, outcome=Outcome.resolved, text="已修补屋面防水层")
    db.commit()
    return request.tracking_number


def _push(client, text: str, *, sender: str = PHONE, secret: str = SECRET):
    return client.post(
        "/api/v1/sms/inbound",
        json={"from": sender, "text": text},
        headers={"X-Minsheng-Sms-Secret": secret},
    )


def _request(db, tracking_number: str) -> CitizenRequest:
    db.expire_all()  # the app changed it in its own session
    found = db.scalar(
        select(CitizenRequest).where(CitizenRequest.tracking_number == tracking_number)
    )
    assert found is not None
    return found


def test_the_closing_text_asks_for_the_reply_codes(db, closed):
    bodies = list(
        db.scalars(select(OutboundMessage.body).where(OutboundMessage.recipient == PHONE))
    )
    db.commit()
    assert any("已办结" in b and "回复 1 已解决满意" in b for b in bodies)


def test_a_reply_of_2_rates_basically_satisfied(client, db, closed):
    response = _push(client, "2 修得还行")
    assert response.status_code == 200, response.text
    assert response.json() == {"result": f"rated {closed}"}
    rating = db.scalar(select(Rating))
    assert rating is not None
    assert (rating.resolved, rating.satisfaction, rating.reason) == (
        True,
        Satisfaction.basic,
        "修得还行",
    )
    assert _request(db, closed).status == Status.closed
    db.commit()


def test_a_reply_of_4_reopens_to_the_same_unit(client, db, closed):
    assert _push(client, "4，还在漏").status_code == 200
    request = _request(db, closed)
    assert request.status == Status.in_progress
    assert request.reopen_count == 1
    assert request.unit is not None and request.unit.name == "昆山市住房和城乡建设局"
    db.commit()
    # The same reply again finds nothing left to rate: the request is open again.
    assert _push(client, "4").json() == {"result": "ignored: nothing to rate"}


def test_an_unreadable_reply_gets_help_and_rates_nothing(client, db, closed):
    assert _push(client, "你好").json() == {"result": "help sent"}
    assert db.scalar(select(Rating)) is None
    db.commit()


def test_the_secret_is_required_and_a_stranger_rates_nothing(client, db, closed):
    assert _push(client, "1", secret="wrong").status_code == 403
    assert _push(client, "1", sender="13900009999").json() == {"result": "ignored: nothing to rate"}
    assert db.scalar(select(Rating)) is None
    db.commit()


def test_switched_off_without_a_secret(client, db, closed, monkeypatch):
    monkeypatch.setenv("MINSHENG_SMS_INBOUND_SECRET", "")
    get_settings.cache_clear()
    assert _push(client, "1").status_code == 404
