"""Who can sign in, and the sessions and tokens they hold."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin, UTCDateTime, utcnow
from minsheng.org.models import Unit


class StaffUser(TimestampMixin, Base):
    """A member of staff who signs in with a password."""

    __tablename__ = "staff_user"
    __audit_redact__ = frozenset({"password_hash"})
    __audit_mask__ = frozenset({"phone"})
    __audit_ignore__ = frozenset({"last_login_at"})  # each sign-in is its own "login" event

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleAssignment.id"
    )


class RoleAssignment(Base):
    """A role a staff member holds in a unit (and so in every unit below it)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))

    user: Mapped[StaffUser] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()


class ApiToken(Base):
    """A bearer token for the API; only its hash is kept."""

    __tablename__ = "api_token"
    __audit_redact__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()


class Resident(TimestampMixin, Base):
    """A resident known by the mobile number they confirmed."""

    __tablename__ = "resident"
    __audit_mask__ = frozenset({"phone"})
    __audit_ignore__ = frozenset({"last_login_at"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A browser session, kept server-side so signing out or deactivation ends it at once."""

    __tablename__ = "web_session"
    __audited__ = False

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class OtpChallenge(Base):
    """A one-time code sent to a phone; only an HMAC of the code is kept."""

    __tablename__ = "otp_challenge"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
