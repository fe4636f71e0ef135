"""The outbox: every message is a row first, and is delivered (and retried) from there."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.core.db import Base, UTCDateTime, utcnow


class Channel(enum.StrEnum):
    sms = "sms"
    email = "email"


class MessageStatus(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    dead = "dead"  # gave up after the last attempt


class OutboundMessage(Base):
    """A message to one recipient. Not in the audit trail: bodies may hold one-time codes."""

    __tablename__ = "outbound_message"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=10))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=10), default=MessageStatus.queued, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
