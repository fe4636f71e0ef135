"""Housekeeping: expired sessions, used codes and old rate-limit windows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from minsheng.accounts import sessions
from minsheng.accounts.models import OtpChallenge
from minsheng.core import ratelimit
from minsheng.core.db import utcnow
from minsheng.core.jobs import job


@job("accounts.prune", schedule="17 * * * *")
def prune(db: Session) -> None:
    sessions.prune(db)
    ratelimit.prune(db)
    db.execute(
        delete(OtpChallenge).where(OtpChallenge.expires_at < utcnow() - dt.timedelta(days=1))
    )
