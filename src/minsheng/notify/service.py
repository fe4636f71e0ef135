"""Queueing and delivering messages. Callers queue; a job delivers and retries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.jobs import defer
from minsheng.core.settings import get_settings
from minsheng.notify import backends
from minsheng.notify.models import Channel, MessageStatus, OutboundMessage

MAX_ATTEMPTS = 8


def queue_sms(db: Session, *, to: str, body: str, purpose: str = "") -> OutboundMessage:
    """Puts an SMS in the outbox; it is sent after this transaction commits."""
    return _queue(
        db, OutboundMessage(channel=Channel.sms, recipient=to, body=body, purpose=purpose)
    )


def queue_email(
    db: Session, *, to: str, subject: str, body: str, purpose: str = ""
) -> OutboundMessage:
    """Puts an email in the outbox; it is sent after this transaction commits."""
    message = OutboundMessage(
        channel=Channel.email, recipient=to, subject=subject, body=body, purpose=purpose
    )
    return _queue(db, message)


def _queue(db: Session, message: OutboundMessage) -> OutboundMessage:
    db.add(message)
    db.flush()
    defer(db, "notify.deliver", message_id=message.id)
    return message


def deliver(db: Session, *, message: OutboundMessage) -> bool:
    """Tries to send one message now; on failure schedules the next try with backoff."""
    now = utcnow()
    # Claim it first: a deliver job and the retry sweep may reach the same message at once.
    claimed = db.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.id == message.id,
            OutboundMessage.status == MessageStatus.queued,
            OutboundMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + dt.timedelta(minutes=5))
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.refresh(message)
    settings = get_settings()
    message.attempts += 1
    try:
        if message.channel == Channel.sms:
            backends.sms_backend(settings).send(to=message.recipient, body=message.body)
        else:
            backends.email_backend(settings).send(
                to=message.recipient, subject=message.subject, body=message.body
            )
    except backends.DeliveryError as exc:
        message.last_error = str(exc)[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.dead
        else:
            message.next_attempt_at = utcnow() + dt.timedelta(minutes=2 ** (message.attempts - 1))
        db.flush()
        return False
    message.status, message.sent_at, message.last_error = MessageStatus.sent, utcnow(), ""
    db.flush()
    return True


def due(db: Session, *, limit: int = 100) -> list[OutboundMessage]:
    """Queued messages whose next attempt is due."""
    query = (
        select(OutboundMessage)
        .where(
            OutboundMessage.status == MessageStatus.queued,
            OutboundMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboundMessage.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def latest(db: Session, *, limit: int = 20) -> list[OutboundMessage]:
    return list(
        db.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(limit))
    )
