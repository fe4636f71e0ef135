"""Delivering the outbox: right after queueing, and a sweep that retries what failed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minsheng.core.jobs import job
from minsheng.notify import service
from minsheng.notify.models import OutboundMessage


@job("notify.deliver")
def deliver(db: Session, *, message_id: int) -> None:
    message = db.get(OutboundMessage, message_id)
    if message is not None:
        service.deliver(db, message=message)


@job("notify.retry", schedule="* * * * *")
def retry(db: Session) -> None:
    for message in service.due(db):
        service.deliver(db, message=message)
