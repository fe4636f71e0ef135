"""The city-scale job backend: procrastinate on PostgreSQL, run by `minsheng worker` processes.

Chosen over Celery because a city deployment already runs PostgreSQL: no broker to operate,
jobs are rows we can inspect, periodic jobs are deduplicated by the database across workers,
and `lock=` keeps two runs of the same periodic job from overlapping.
"""

from __future__ import annotations

import logging
from typing import Any

import procrastinate
import procrastinate.exceptions
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from minsheng.core import jobs
from minsheng.core.db import Database
from minsheng.core.settings import Settings

log = logging.getLogger(__name__)


def conninfo(database_url: str) -> str:
    """The libpq address of a SQLAlchemy URL."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def build_app(settings: Settings, database: Database) -> procrastinate.App:
    """A procrastinate app with one task per registered job."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings.database_url))
    )
    for spec in jobs.registered().values():
        name = spec.name
        if spec.schedule:
            # lock: never two runs at once; queueing_lock: never a pile of waiting runs.
            app.task(name=name, lock=name, queueing_lock=name, retry=2)(_deferred(database, name))
        else:
            app.task(name=name, retry=jobs.MAX_ATTEMPTS)(_deferred(database, name))
    # One procrastinate cron entry reads our schedules in local time (procrastinate's own cron
    # is UTC) and queues what is due.
    tick = app.task(name=SCHEDULER, lock=SCHEDULER, queueing_lock=SCHEDULER)(
        _scheduler(app, database, settings.timezone)
    )
    app.periodic(cron="* * * * *")(tick)
    return app


SCHEDULER = "minsheng.scheduler"


def _scheduler(app: procrastinate.App, database: Database, tz: str) -> Any:
    def run(timestamp: int | None = None) -> None:  # procrastinate passes the scheduled time
        for name in jobs.advance_due(database, tz=tz):
            try:
                app.configure_task(name).defer()
            except procrastinate.exceptions.AlreadyEnqueued:
                log.info("periodic job %s is still waiting from last time", name)

    return run


# The job's name is closed over, not a parameter, so a job may take any keyword arguments.
def _deferred(database: Database, name: str) -> Any:
    def run(**kwargs: Any) -> None:
        jobs.run_job(database, name, kwargs)

    return run


def ensure_schema(app: procrastinate.App, database: Database) -> bool:
    """Installs procrastinate's tables once; returns True when it did."""
    if inspect(database.engine).has_table("procrastinate_jobs"):
        return False
    with app.open():
        app.schema_manager.apply_schema()
    return True


class ProcrastinateQueue:
    """Defers through procrastinate once the transaction commits (never for a rolled-back row)."""

    def __init__(self, app: procrastinate.App) -> None:
        self.app = app

    def defer(self, db: Session, name: str, kwargs: dict[str, Any]) -> None:
        db.info.setdefault("pending_defers", []).append((name, kwargs))

    def flush_pending(self, db: Session) -> None:
        for name, kwargs in db.info.pop("pending_defers", []):
            try:
                self.app.configure_task(name).defer(**kwargs)
            except Exception:  # the periodic sweepers pick up what could not be queued
                log.exception("could not defer job %s", name)
