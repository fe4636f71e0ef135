"""Browser sessions: a random cookie value, of which only the hash is stored."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minsheng.accounts.models import WebSession
from minsheng.accounts.service import digest
from minsheng.core.db import utcnow

COOKIE = "minsheng_session"


def start(
    db: Session,
    *,
    lifetime: dt.timedelta,
    staff_user_id: int | None = None,
    resident_id: int | None = None,
    client_addr: str | None = None,
    user_agent: str = "",
) -> str:
    """Opens a session and returns the cookie value."""
    plain = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            id=digest(plain),
            staff_user_id=staff_user_id,
            resident_id=resident_id,
            expires_at=utcnow() + lifetime,
            client_addr=client_addr,
            user_agent=user_agent[:255],
        )
    )
    db.flush()
    return plain


def find(db: Session, *, plain: str) -> tuple[WebSession | None, bool]:
    """The live session for a cookie value, and whether the cookie named an expired one."""
    session = db.get(WebSession, digest(plain))
    if session is None:
        return None, False
    now = utcnow()
    if session.expires_at <= now:
        db.delete(session)
        return None, True
    if now - session.last_seen_at > dt.timedelta(minutes=5):
        session.last_seen_at = now
    return session, False


def end(db: Session, *, plain: str) -> None:
    db.execute(delete(WebSession).where(WebSession.id == digest(plain)))


def end_sessions_of(db: Session, *, staff_user_id: int) -> None:
    db.execute(delete(WebSession).where(WebSession.staff_user_id == staff_user_id))


def prune(db: Session) -> int:
    """Removes expired sessions; run by a periodic job."""
    stale = list(db.scalars(select(WebSession.id).where(WebSession.expires_at <= utcnow())))
    if stale:
        db.execute(delete(WebSession).where(WebSession.id.in_(stale)))
    return len(stale)
