"""One way to declare background work: deferred jobs and periodic jobs.

    @job("notify.deliver")
    def deliver(db, *, message_id: int) -> None: ...

    @job("notify.retry", schedule="* * * * *")
    def retry(db) -> None: ...

    defer(db, "notify.deliver", message_id=7)   # runs after this transaction commits

A job receives its own session (one transaction) whose changes are audited as the job's.
Where they run is a setting: `embedded` (threads in the serving process, any database) or
`procrastinate` (`minsheng worker` processes on PostgreSQL); see core/jobs_procrastinate.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from croniter import croniter
from sqlalchemy import Integer, String, Text, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from minsheng.core.db import Actor, Base, Database, UTCDateTime, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., None]
    schedule: str | None = None  # cron, in the installation's time zone
    lease_seconds: int = 600


_REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str, *, schedule: str | None = None, lease_seconds: int = 600
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declares a job. Its function takes the job's session and keyword arguments."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        if schedule is not None and not croniter.is_valid(schedule):
            raise ValueError(f"bad cron schedule for job {name}: {schedule}")
        _REGISTRY[name] = JobSpec(name, func, schedule, lease_seconds)
        return func

    return register


def registered() -> dict[str, JobSpec]:
    return dict(_REGISTRY)


class JobQueue(Protocol):
    def defer(self, db: Session, name: str, kwargs: dict[str, Any]) -> None: ...


class DeferredJob(Base):
    """A job waiting to run (or that ran) on the embedded backend."""

    __tablename__ = "deferred_job"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class PeriodicLock(Base):
    """One row per periodic job: when it is next due, and who holds it while it runs."""

    __tablename__ = "periodic_lock"
    __audited__ = False

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class EmbeddedQueue:
    """Deferred jobs become rows in the same transaction, so they exist exactly if it commits."""

    wake = threading.Event()

    def defer(self, db: Session, name: str, kwargs: dict[str, Any]) -> None:
        db.add(DeferredJob(name=name, args=json.dumps(kwargs, default=str)))
        db.info["wake_runner"] = True


EMBEDDED = EmbeddedQueue()


def defer(db: Session, name: str, /, **kwargs: Any) -> None:
    """Runs job `name` with `kwargs` once this transaction has committed."""
    if name not in _REGISTRY:
        raise KeyError(f"no job named {name}")
    queue: JobQueue = db.info.get("job_queue", EMBEDDED)
    queue.defer(db, name, kwargs)


def run_job(database: Database, name: str, kwargs: dict[str, Any]) -> None:
    """Runs one job in its own transaction, as the job."""
    spec = _REGISTRY[name]
    with database.session(Actor(kind="job", label=name)) as db:
        spec.func(db, **kwargs)


def next_due(schedule: str, after: dt.datetime, tz: str) -> dt.datetime:
    """The next time a cron schedule fires after `after`, read in the local time zone."""
    from zoneinfo import ZoneInfo

    local = after.astimezone(ZoneInfo(tz))
    return croniter(schedule, local).get_next(dt.datetime).astimezone(dt.UTC)


class EmbeddedRunner:
    """Runs deferred and periodic jobs from the database, in a thread or in the foreground."""

    def __init__(self, database: Database, *, poll_seconds: float = 1.0, tz: str = "Asia/Shanghai"):
        self.database = database
        self.poll_seconds = poll_seconds
        self.tz = tz
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="minsheng-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        EMBEDDED.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep the loop alive; the job's own failure is already recorded
                log.exception("job runner loop failed")
            EMBEDDED.wake.wait(self.poll_seconds)
            EMBEDDED.wake.clear()

    def run_once(self) -> int:
        """Runs everything that is due now; returns how many jobs ran."""
        return self._run_periodic() + self._run_deferred()

    def _claim_deferred(self) -> DeferredJob | None:
        now = utcnow()
        # While a job runs, run_after is its lease end: past that, its runner died; run it again.
        due = (DeferredJob.status.in_(("queued", "running")), DeferredJob.run_after <= now)
        with self.database.session() as db:
            candidate = db.scalar(select(DeferredJob).where(*due).order_by(DeferredJob.id).limit(1))
            if candidate is None:
                return None
            spec = _REGISTRY.get(candidate.name)
            lease = dt.timedelta(seconds=spec.lease_seconds if spec else 600)
            claimed = db.execute(
                update(DeferredJob)
                .where(DeferredJob.id == candidate.id, *due)
                .values(status="running", attempts=DeferredJob.attempts + 1, run_after=now + lease)
            )
            return candidate if claimed.rowcount == 1 else None  # type: ignore[attr-defined]

    def _run_deferred(self) -> int:
        ran = 0
        while (claimed := self._claim_deferred()) is not None:
            ran += 1
            error = ""
            try:
                run_job(self.database, claimed.name, json.loads(claimed.args))
            except Exception:
                error = traceback.format_exc(limit=5)
                log.exception("job %s #%s failed", claimed.name, claimed.id)
            with self.database.session() as db:
                row = db.get(DeferredJob, claimed.id)
                assert row is not None
                row.finished_at = utcnow()
                row.last_error = error
                if not error:
                    row.status = "done"
                elif row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                else:
                    row.status = "queued"
                    row.run_after = utcnow() + dt.timedelta(seconds=30 * 2**row.attempts)
        return ran

    def _claim_periodic(self, spec: JobSpec, now: dt.datetime) -> bool:
        assert spec.schedule is not None
        with self.database.session() as db:
            if not _known_periodic(db, spec, now, self.tz):
                return False
            # Only one process wins this update, so a periodic job never runs twice at once.
            claimed = db.execute(
                update(PeriodicLock)
                .where(
                    PeriodicLock.name == spec.name,
                    PeriodicLock.next_run_at <= now,
                    or_(PeriodicLock.locked_until.is_(None), PeriodicLock.locked_until < now),
                )
                .values(
                    locked_until=now + dt.timedelta(seconds=spec.lease_seconds),
                    last_started_at=now,
                )
            )
            return claimed.rowcount == 1  # type: ignore[attr-defined]

    def _run_periodic(self) -> int:
        ran = 0
        for spec in _REGISTRY.values():
            if spec.schedule is None:
                continue
            now = utcnow()
            if not self._claim_periodic(spec, now):
                continue
            ran += 1
            error = ""
            try:
                run_job(self.database, spec.name, {})
            except Exception:
                error = traceback.format_exc(limit=5)
                log.exception("periodic job %s failed", spec.name)
            with self.database.session() as db:
                lock = db.get(PeriodicLock, spec.name)
                assert lock is not None
                finished = utcnow()
                lock.locked_until = None
                lock.last_finished_at = finished
                lock.last_error = error
                lock.next_run_at = next_due(spec.schedule, finished, self.tz)
        return ran


def _known_periodic(db: Session, spec: JobSpec, now: dt.datetime, tz: str) -> bool:
    """Whether the job has its lock row yet; adds it (first due at the next slot) if not."""
    if db.get(PeriodicLock, spec.name) is not None:
        return True
    assert spec.schedule is not None
    # Runners meeting a new job at once: the first insert wins, the rest do nothing.
    values = {"name": spec.name, "next_run_at": next_due(spec.schedule, now, tz)}
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(insert(PeriodicLock).values(**values).on_conflict_do_nothing())
    return False


def advance_due(database: Database, *, tz: str) -> list[str]:
    """The periodic jobs due now, each moved on to its next slot by exactly one caller.

    The procrastinate backend calls this every minute and queues what it returns, so that
    schedules are read in the installation's time zone on both backends.
    """
    due: list[str] = []
    for spec in _REGISTRY.values():
        if spec.schedule is None:
            continue
        now = utcnow()
        with database.session() as db:
            if not _known_periodic(db, spec, now, tz):
                continue
            moved = db.execute(
                update(PeriodicLock)
                .where(PeriodicLock.name == spec.name, PeriodicLock.next_run_at <= now)
                .values(next_run_at=next_due(spec.schedule, now, tz), last_started_at=now)
            )
            if moved.rowcount == 1:  # type: ignore[attr-defined]
                due.append(spec.name)
    return due


@event.listens_for(Session, "after_commit")
def _after_commit(db: Session) -> None:
    if db.info.pop("wake_runner", False):
        EMBEDDED.wake.set()
    flush_pending = getattr(db.info.get("job_queue"), "flush_pending", None)
    if flush_pending is not None:
        flush_pending(db)


@event.listens_for(Session, "after_rollback")
def _after_rollback(db: Session) -> None:
    db.info.pop("wake_runner", None)
    db.info.pop("pending_defers", None)


def attach_queue(settings: Any, database: Database) -> Any:
    """Points the database's sessions at the job backend the settings choose.

    Returns the procrastinate app when that backend is chosen (the caller opens and closes
    it), else None: embedded jobs need nothing more than their table.
    """
    from minsheng.core.modules import import_jobs

    import_jobs()
    if settings.job_backend != "procrastinate":
        database.session_info.pop("job_queue", None)
        return None
    from minsheng.core.jobs_procrastinate import ProcrastinateQueue, build_app

    app = build_app(settings, database)
    database.session_info["job_queue"] = ProcrastinateQueue(app)
    return app
