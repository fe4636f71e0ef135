"""Periodic schedules are read in the installation's time zone, and each slot is taken once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from minsheng.core import jobs
from minsheng.core.jobs import PeriodicLock, advance_due, job, next_due


@job("test.morning_digest", schedule="0 9 * * *")
def _morning(db) -> None:
    """A daily job at nine in the morning, Kunshan time."""


def test_next_due_is_local_wall_clock_time():
    after = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # 10:00 in Kunshan
    due = next_due("0 9 * * *", after, "Asia/Shanghai")
    assert due == dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 09:00 next morning


def test_a_due_slot_is_handed_out_once_and_moved_to_the_next_morning(database):
    tz = "Asia/Shanghai"
    assert "test.morning_digest" not in advance_due(database, tz=tz)  # first sight: lock row
    with database.session() as db:
        db.execute(
            update(PeriodicLock)
            .where(PeriodicLock.name == "test.morning_digest")
            .values(next_run_at=jobs.utcnow() - dt.timedelta(minutes=1))
        )
    assert "test.morning_digest" in advance_due(database, tz=tz)
    assert "test.morning_digest" not in advance_due(database, tz=tz)  # already handed out
    with database.session() as db:
        lock = db.get(PeriodicLock, "test.morning_digest")
        assert lock is not None
        local = lock.next_run_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert (local.hour, local.minute) == (9, 0)
        assert lock.next_run_at > jobs.utcnow()
