"""Writing the audit trail: every ORM change automatically, and named security events."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from minsheng.audit import chain
from minsheng.audit.models import AuditEvent
from minsheng.core.db import Base, get_actor
from minsheng.core.text import mask_phone

REDACTED = "（已修改，内容不显示）"


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _shown(cls: type[Base], key: str, value: Any) -> Any:
    if key in cls.__audit_redact__:
        return REDACTED if value is not None else None
    if key in cls.__audit_mask__:
        return mask_phone(str(value)) if value else value
    return _plain(value)


def _identity(obj: Base) -> str:
    state = inspect(obj)
    # A row inserted by this flush has its key only once the flush ends; read it off the object.
    key = state.identity or state.mapper.primary_key_from_instance(obj)
    return ":".join(str(part) for part in key)


def _entries(session: Session) -> list[chain.Entry]:
    entries: list[chain.Entry] = []
    for obj in list(session.new):
        cls = type(obj)
        if not isinstance(obj, Base) or not cls.__audited__:
            continue
        mapper = inspect(cls)
        after = {c.key: _shown(cls, c.key, getattr(obj, c.key)) for c in mapper.column_attrs}
        entries.append(chain.Entry("create", cls.__tablename__, _identity(obj), {"after": after}))
    for obj in list(session.dirty):
        cls = type(obj)
        if not isinstance(obj, Base) or not cls.__audited__:
            continue
        state = inspect(obj)
        changes: dict[str, list[Any]] = {}
        for attr in inspect(cls).column_attrs:
            if attr.key == "updated_at" or attr.key in cls.__audit_ignore__:
                continue
            hist = state.attrs[attr.key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
            changes[attr.key] = [_shown(cls, attr.key, old), _shown(cls, attr.key, new)]
        if changes:
            entries.append(
                chain.Entry("update", cls.__tablename__, _identity(obj), {"changes": changes})
            )
    for obj in list(session.deleted):
        cls = type(obj)
        if not isinstance(obj, Base) or not cls.__audited__:
            continue
        before = {c.key: _shown(cls, c.key, getattr(obj, c.key)) for c in inspect(cls).column_attrs}
        entries.append(chain.Entry("delete", cls.__tablename__, _identity(obj), {"before": before}))
    return entries


@event.listens_for(Session, "after_flush")
def _record_flush(session: Session, _context: Any) -> None:
    entries = _entries(session)
    if entries:
        chain.append(session.connection(), get_actor(session), entries)


def record(
    db: Session,
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    summary: dict[str, Any] | None = None,
) -> None:
    """Records an event that is not a row change (a sign-in, a refused sign-in, an export)."""
    db.flush()
    entry = chain.Entry(action, object_type, str(object_id), summary or {})
    chain.append(db.connection(), get_actor(db), [entry])


def for_object(db: Session, *, object_type: str, object_id: str | int) -> list[AuditEvent]:
    """The trail of one record, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.seq.desc())
    )
    return list(db.scalars(query))


def recent(db: Session, *, limit: int = 50, before_seq: int | None = None) -> list[AuditEvent]:
    """The latest events across all records, for administrators."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return list(db.scalars(query))


def total(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(AuditEvent)) or 0)
