"""Abandoning applications left idle: every five minutes, an application still being filled in
whose applicant has done nothing for `licensing_abandon_minutes` ends as abandoned, and what
identifies the person is wiped (service.abandon). One a registrar returned for correction is
given RETURNED_DAYS from the return: the applicant learns of it by SMS, maybe hours later."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.jobs import job
from minsheng.core.settings import get_settings
from minsheng.licensing import service
from minsheng.licensing.models import Application, ApplicationStatus

RETURNED_DAYS = 30


def sweep(db: Session, *, now: dt.datetime | None = None) -> int:
    """Abandons every idle editable application; returns how many."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(minutes=get_settings().licensing_abandon_minutes)
    returned_cutoff = now - dt.timedelta(days=RETURNED_DAYS)
    idle = db.scalars(
        select(Application).where(
            or_(
                and_(
                    Application.status == ApplicationStatus.filling,
                    Application.last_active_at < cutoff,
                ),
                and_(
                    Application.status == ApplicationStatus.returned,
                    Application.last_active_at < returned_cutoff,
                    or_(Application.decided_at.is_(None), Application.decided_at < returned_cutoff),
                ),
            )
        )
    )
    count = 0
    for app in idle:
        service.abandon(db, app=app)
        count += 1
    db.flush()
    return count


@job("licensing.abandon_idle", schedule="*/5 * * * *")
def abandon_idle(db: Session) -> None:
    sweep(db)
