"""Open311: keys issued to integrations, what they filed, and the extra questions per category."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.accounts.models import StaffUser
from minsheng.core.db import Base, TimestampMixin, UTCDateTime, utcnow
from minsheng.requests.models import CitizenRequest, RequestEvent
from minsheng.routing.models import Category


class ApiKey(Base):
    """A key issued to one integration (a FixMyStreet site, a city app); only its hash is kept."""

    __tablename__ = "open311_api_key"
    __audit_redact__ = frozenset({"key_hash"})
    __audit_ignore__ = frozenset({"last_used_at"})  # each keyed call is its own audit event

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))  # the integration, shown on the timeline
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[StaffUser | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Open311Request(Base):
    """A request filed through Open311: the client's own words, its token and media link."""

    __tablename__ = "open311_request"
    __audit_redact__ = frozenset({"email"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), unique=True
    )
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("open311_api_key.id", ondelete="SET NULL"), index=True
    )
    # Not a secret: it only leads to the service_request_id, which is public anyway.
    token: Mapped[str] = mapped_column(String(40), unique=True)
    # Same key, device, service, words and place: a client's retry, answered with the same id.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(String(100), default="")
    account_id: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    media_url: Mapped[str] = mapped_column(String(1000), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[CitizenRequest] = relationship()
    api_key: Mapped[ApiKey | None] = relationship()


class Open311Update(Base):
    """An update a client posted (servicerequestupdates), kept so that a retry is not doubled."""

    __tablename__ = "open311_update"
    __table_args__ = (UniqueConstraint("api_key_id", "client_update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("open311_api_key.id", ondelete="SET NULL")
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_event.id", ondelete="SET NULL")
    )
    client_update_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(40))
    updated_at_client: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    media_url: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[RequestEvent | None] = relationship()


class Datatype(enum.StrEnum):
    string = "string"
    number = "number"
    datetime = "datetime"
    text = "text"
    singlevaluelist = "singlevaluelist"
    multivaluelist = "multivaluelist"


DATATYPE_LABELS = {
    Datatype.string: "短文字",
    Datatype.number: "数字",
    Datatype.datetime: "日期时间",
    Datatype.text: "长文字",
    Datatype.singlevaluelist: "单选",
    Datatype.multivaluelist: "多选",
}
LISTS = (Datatype.singlevaluelist, Datatype.multivaluelist)


class CategoryAttribute(TimestampMixin, Base):
    """An extra question a category asks (the Open311 service definition's attribute)."""

    __tablename__ = "category_attribute"
    __table_args__ = (UniqueConstraint("category_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("category.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    # False: an explanation shown to the resident, not a question to answer.
    variable: Mapped[bool] = mapped_column(Boolean, default=True)
    datatype: Mapped[Datatype] = mapped_column(Enum(Datatype, native_enum=False, length=20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    datatype_description: Mapped[str] = mapped_column(String(200), default="")
    order: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(String(500))
    # For lists: [{"key": "...", "name": "..."}], in the order offered.
    values: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)

    category: Mapped[Category] = relationship()

    @property
    def datatype_label(self) -> str:
        return DATATYPE_LABELS[self.datatype]

    @property
    def value_names(self) -> dict[str, str]:
        return {v["key"]: v["name"] for v in self.values}
