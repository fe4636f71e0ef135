"""The outbox: messages are rows first, delivered by a job, and survive a provider outage."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

import minsheng.notify.jobs  # noqa: F401 - declares notify.deliver and notify.retry
from minsheng.core.db import Database, utcnow
from minsheng.core.jobs import DeferredJob, EmbeddedRunner, PeriodicLock, run_job
from minsheng.core.settings import get_settings
from minsheng.notify import service as notify
from minsheng.notify.models import MessageStatus, OutboundMessage

SUBJECT = "您的诉求已办结"
BODY = (
    "您好！您反映的周市镇长泾社区路灯不亮问题已修复，请对办理结果进行评价：满意、基本满意或不满意。"
)


def free_port() -> int:
    """A port nothing listens on (until a test starts a server there)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch, settings_env: None) -> Iterator[int]:
    """Email goes through SMTP on a port where, for now, no server listens."""
    port = free_port()
    monkeypatch.setenv("MINSHENG_EMAIL_BACKEND", "smtp")
    monkeypatch.setenv("MINSHENG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MINSHENG_SMTP_PORT", str(port))
    monkeypatch.setenv("MINSHENG_SMTP_TIMEOUT_SECONDS", "5")
    get_settings.cache_clear()
    yield port
    get_settings.cache_clear()


def message(database: Database, message_id: int) -> OutboundMessage:
    with database.session() as db:
        found = db.get(OutboundMessage, message_id)
        assert found is not None
        return found


def make_due(database: Database, message_id: int) -> None:
    with database.session() as db:
        db.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id)
            .values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
        )


def queue_email(database: Database) -> int:
    with database.session() as db:
        return notify.queue_email(
            db, to="zhangwei@example.cn", subject=SUBJECT, body=BODY, purpose="request.closed"
        ).id


def test_queue_sms_puts_a_row_in_the_outbox_and_defers_delivery(database):
    with database.session() as db:
        queued = notify.queue_sms(
            db, to="13812345678", body="您的验证码是 482913，5 分钟内有效。", purpose="otp"
        )

    row = message(database, queued.id)
    assert (row.status, row.attempts, row.recipient, row.purpose) == (
        MessageStatus.queued,
        0,
        "13812345678",
        "otp",
    )
    with database.session() as db:
        [deferred] = db.scalars(select(DeferredJob)).all()
    assert deferred.name == "notify.deliver" and deferred.status == "queued"
    assert json.loads(deferred.args) == {"message_id": queued.id}


def test_embedded_runner_delivers_a_queued_sms(database, caplog):
    with database.session() as db:
        queued = notify.queue_sms(db, to="13812345678", body="您的验证码是 482913，5 分钟内有效。")

    with caplog.at_level("WARNING", logger="minsheng.notify"):
        assert EmbeddedRunner(database).run_once() == 1

    row = message(database, queued.id)
    assert row.status == MessageStatus.sent and row.attempts == 1 and row.sent_at is not None
    assert "SMS to 13812345678: 您的验证码是 482913" in caplog.text
    with database.session() as db:
        assert db.scalars(select(DeferredJob.status)).all() == ["done"]
    assert EmbeddedRunner(database).run_once() == 0  # nothing sent twice


def test_queue_email_in_a_rolled_back_transaction_leaves_nothing(database):
    with pytest.raises(RuntimeError), database.session() as db:
        notify.queue_email(db, to="zhangwei@example.cn", subject=SUBJECT, body=BODY)
        raise RuntimeError("the request failed")

    with database.session() as db:
        assert db.scalars(select(OutboundMessage)).all() == []
        assert db.scalars(select(DeferredJob)).all() == []
    assert EmbeddedRunner(database).run_once() == 0


def test_email_survives_smtp_outage_and_is_sent_when_server_returns(database, smtp_port):
    message_id = queue_email(database)
    runner = EmbeddedRunner(database)
    runner.run_once()

    failed = message(database, message_id)
    assert failed.status == MessageStatus.queued
    assert failed.attempts == 1
    assert f"127.0.0.1:{smtp_port}" in failed.last_error
    assert failed.next_attempt_at > utcnow()
    with database.session() as db:
        # The delivery failed, not the job: it is the outbox that retries, not the job queue.
        assert db.scalars(select(DeferredJob.status)).all() == ["done"]

    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        run_job(database, "notify.retry", {})
        assert message(database, message_id).attempts == 1  # not due yet: left alone
        assert mailbox.received == []

        make_due(database, message_id)
        with database.session() as db:  # and the minutely sweep is due now
            db.execute(
                update(PeriodicLock)
                .where(PeriodicLock.name == "notify.retry")
                .values(next_run_at=utcnow() - dt.timedelta(seconds=1))
            )
        assert runner.run_once() >= 1
    finally:
        server.stop()

    sent = message(database, message_id)
    assert sent.status == MessageStatus.sent
    assert sent.attempts == 2 and sent.last_error == "" and sent.sent_at is not None
    [(recipients, mail)] = mailbox.received
    assert recipients == ["zhangwei@example.cn"]
    assert mail["Subject"] == SUBJECT
    assert mail.get_content().strip() == BODY


def test_failed_deliveries_back_off_then_message_is_dead(database, smtp_port):
    message_id = queue_email(database)
    EmbeddedRunner(database).run_once()

    delays = []
    for _ in range(notify.MAX_ATTEMPTS):
        row = message(database, message_id)
        if row.status != MessageStatus.queued:
            break
        delays.append(round((row.next_attempt_at - utcnow()).total_seconds() / 60))
        make_due(database, message_id)
        run_job(database, "notify.retry", {})

    assert delays == [1, 2, 4, 8, 16, 32, 64]
    dead = message(database, message_id)
    assert dead.status == MessageStatus.dead
    assert dead.attempts == notify.MAX_ATTEMPTS
    assert "SMTP" in dead.last_error

    make_due(database, message_id)
    run_job(database, "notify.retry", {})
    assert (
        message(database, message_id).attempts == notify.MAX_ATTEMPTS
    )  # no attempt after giving up
