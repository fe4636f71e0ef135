"""Fixed-window counters in the database, so every app process shares the same limits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from minsheng.core.db import Base, UTCDateTime, utcnow


class RateLimitBucket(Base):
    """How many times `key` was hit in the window starting at `window_start`."""

    __tablename__ = "rate_limit_bucket"
    __audited__ = False

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


def _window(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def count(db: Session, *, key: str, window_seconds: int) -> int:
    """Hits of `key` in the current window."""
    start = _window(utcnow(), window_seconds)
    bucket = db.get(RateLimitBucket, (key, start))
    return bucket.count if bucket else 0


def hit(db: Session, *, key: str, window_seconds: int) -> int:
    """Counts one hit of `key` and returns the hits in the current window."""
    start = _window(utcnow(), window_seconds)
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    # An upsert, so two processes counting the same key at once both count.
    stmt = (
        insert(RateLimitBucket)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": RateLimitBucket.count + 1}
        )
        .returning(RateLimitBucket.count)
    )
    return int(db.execute(stmt).scalar_one())


def allow(db: Session, *, key: str, limit: int, window_seconds: int) -> bool:
    """Counts one hit and says whether it is still within `limit`."""
    return hit(db, key=key, window_seconds=window_seconds) <= limit


def reset(db: Session, *, key: str) -> None:
    db.execute(delete(RateLimitBucket).where(RateLimitBucket.key == key))


def prune(db: Session, *, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Drops windows long past; run by a periodic job."""
    cutoff = utcnow() - older_than
    stale = db.scalars(select(RateLimitBucket).where(RateLimitBucket.window_start < cutoff)).all()
    for bucket in stale:
        db.delete(bucket)
    return len(stale)
