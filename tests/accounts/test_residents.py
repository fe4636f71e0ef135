"""Residents sign in with a mobile number and a one-time code sent by SMS."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import func, select

from minsheng.accounts.models import OtpChallenge, Resident, WebSession
from minsheng.audit.models import AuditEvent
from minsheng.core.db import utcnow
from minsheng.core.settings import get_settings
from minsheng.notify.models import Channel, OutboundMessage
from tests.conftest import csrf

PHONE = "13812345678"
CODE_IN_SMS = re.compile(r"验证码是 (\d{6})")


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def ask_for_code(client, phone: str = PHONE):
    return client.post("/resident/login", data={"phone": phone, "csrf_token": csrf(client)})


def enter_code(client, code: str, phone: str = PHONE):
    return client.post(
        "/resident/verify",
        data={"phone": phone, "code": code, "csrf_token": csrf(client)},
        follow_redirects=False,
    )


def sms(db, phone: str = PHONE) -> list[OutboundMessage]:
    rows = list(
        db.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.recipient == phone)
            .order_by(OutboundMessage.id)
        )
    )
    db.commit()
    return rows


def latest_code(db, phone: str = PHONE) -> str:
    return CODE_IN_SMS.search(sms(db, phone)[-1].body).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def count(db, model) -> int:
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)


def test_asking_for_a_code_sends_an_sms(client, db):
    response = ask_for_code(client, "+86 138-1234-5678")
    assert response.status_code == 200
    assert "验证码已发送到 138****5678" in response.text
    assert 'action="/resident/verify"' in response.text
    messages = sms(db)
    assert len(messages) == 1
    message = messages[0]
    assert message.channel == Channel.sms and message.purpose == "otp"
    code = CODE_IN_SMS.search(message.body).group(1)
    assert code not in response.text  # the code goes to the phone, never to the page
    challenge = db.scalar(select(OtpChallenge))
    db.commit()
    assert challenge.phone == PHONE and code not in challenge.code_hash


def test_right_code_signs_in_and_me_shows_the_masked_phone(client, db):
    ask_for_code(client)
    response = enter_code(client, latest_code(db))
    assert response.status_code == 303 and response.headers["location"] == "/me"
    me = client.get("/me")
    assert me.status_code == 200
    assert "您已用手机号 138****5678 登录" in me.text
    assert PHONE not in me.text
    resident = db.scalar(select(Resident))
    db.commit()
    assert resident.phone == PHONE and resident.last_login_at is not None


def test_me_without_signing_in_goes_to_the_resident_login(client):
    response = client.get("/me", follow_redirects=False)
    assert (
        response.status_code == 303 and response.headers["location"] == "/resident/login?next=/me"
    )


def test_a_code_works_once(client, db):
    ask_for_code(client)
    code = latest_code(db)
    assert enter_code(client, code).status_code == 303
    client.post("/resident/logout", data={"csrf_token": csrf(client)})
    response = enter_code(client, code)
    assert response.status_code == 400 and field_error(response.text, "code") == "请先获取验证码。"


def test_wrong_code_says_how_many_attempts_are_left(client, db):
    ask_for_code(client)
    code = latest_code(db)
    response = enter_code(client, wrong(code))
    assert response.status_code == 400
    assert field_error(response.text, "code") == "验证码不正确，还可以再试 4 次。"
    response = enter_code(client, wrong(code))
    assert field_error(response.text, "code") == "验证码不正确，还可以再试 3 次。"
    # A wrong attempt does not use the code up.
    assert enter_code(client, code).status_code == 303


def test_too_many_wrong_codes_lock_the_code(client, db):
    ask_for_code(client)
    code = latest_code(db)
    limit = get_settings().otp_max_attempts
    for _ in range(limit - 1):
        assert enter_code(client, wrong(code)).status_code == 400
    response = enter_code(client, wrong(code))
    assert field_error(response.text, "code") == "验证码输错次数太多，请重新获取。"
    # Even the right code no longer works...
    response = enter_code(client, code)
    assert response.status_code == 400 and "minsheng_session" not in client.cookies
    assert count(db, Resident) == 0 and count(db, WebSession) == 0
    # ...but a new code does.
    ask_for_code(client)
    assert enter_code(client, latest_code(db)).status_code == 303


def test_expired_code_is_refused(client, db):
    ask_for_code(client)
    code = latest_code(db)
    challenge = db.scalar(select(OtpChallenge))
    challenge.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    response = enter_code(client, code)
    assert response.status_code == 400
    assert field_error(response.text, "code") == "验证码已过期，请重新获取。"
    assert count(db, Resident) == 0


def test_a_new_code_replaces_the_old_one(client, db):
    ask_for_code(client)
    first = latest_code(db)
    ask_for_code(client)
    second = latest_code(db)
    if first != second:  # one in a million they are the same
        assert enter_code(client, first).status_code == 400
    assert enter_code(client, second).status_code == 303


def test_codes_per_phone_per_hour_are_limited(client, db):
    limit = get_settings().otp_per_phone_per_hour
    for _ in range(limit):
        assert ask_for_code(client).status_code == 200
    response = ask_for_code(client)
    assert response.status_code == 429
    assert field_error(response.text, "phone") == "这个号码一小时内获取验证码次数太多，请稍后再试。"
    assert len(sms(db)) == limit
    # Another number is not held back by this one.
    assert ask_for_code(client, "13912345678").status_code == 200


def test_asking_again_too_soon_is_refused(client, db, monkeypatch):
    monkeypatch.setenv("MINSHENG_OTP_RESEND_SECONDS", "60")
    get_settings.cache_clear()
    assert ask_for_code(client).status_code == 200
    response = ask_for_code(client)
    assert response.status_code == 429
    assert re.search(r"请 \d+ 秒后再重新获取", field_error(response.text, "phone"))
    assert len(sms(db)) == 1


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("", "请填写这一项"),
        ("12345", "请填写 11 位手机号码，例如 13812345678"),
        ("23812345678", "请填写 11 位手机号码，例如 13812345678"),
        ("1381234567a", "请填写 11 位手机号码，例如 13812345678"),
        ("138123456789", "请填写 11 位手机号码，例如 13812345678"),
    ],
)
def test_invalid_phone_is_explained_and_sends_nothing(client, db, phone, message):
    response = ask_for_code(client, phone)
    assert response.status_code == 422
    assert field_error(response.text, "phone") == message
    assert count(db, OutboundMessage) == 0 and count(db, OtpChallenge) == 0


def test_malformed_code_is_explained(client, db):
    ask_for_code(client)
    response = enter_code(client, "12ab")
    assert response.status_code == 422 and field_error(response.text, "code") == "格式不正确"
    # A malformed code is not counted as an attempt.
    assert db.scalar(select(OtpChallenge.attempts)) == 0
    db.commit()


def test_code_and_full_phone_never_reach_the_audit_trail(client, db):
    ask_for_code(client)
    first = latest_code(db)
    enter_code(client, wrong(first))
    ask_for_code(client)
    code = latest_code(db)
    assert enter_code(client, code).status_code == 303
    summaries = db.scalars(select(AuditEvent.summary)).all()
    db.commit()
    assert summaries  # the sign-in and the new resident are recorded...
    for summary in summaries:  # ...without the codes or the whole number
        summary = re.sub(
            r"\d{2}:\d{2}:\d{2}\.\d{6}", "", summary
        )  # microseconds could look like a code
        assert first not in summary and code not in summary
        assert PHONE not in summary
    assert any("138****5678" in s for s in summaries)
