"""The periodic job that abandons applications left idle, wiping who the person was."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.jobs import registered
from minsheng.licensing import jobs
from minsheng.licensing.models import Application, ApplicationStatus
from tests.licensing import identified, office
from tests.licensing.test_flow_web import load_places


def _aged(db: Session, *, idle: dt.timedelta, status: ApplicationStatus, decided=None) -> int:
    where = office(db)
    app, _ = identified(db, where)
    app.status = status
    app.last_active_at = utcnow() - idle
    app.decided_at = decided
    db.flush()
    return app.id


def test_idle_applications_are_abandoned_and_wiped(db, app) -> None:
    load_places(db)
    hour = dt.timedelta(hours=1)
    filling = ApplicationStatus.filling
    idle = _aged(db, idle=2 * hour, status=filling)
    fresh = _aged(db, idle=dt.timedelta(minutes=5), status=filling)
    waiting = _aged(db, idle=2 * hour, status=ApplicationStatus.reviewing)
    # Returned for changes an hour ago: the applicant has days to come back, not minutes.
    returned = _aged(db, idle=3 * hour, status=ApplicationStatus.returned, decided=utcnow() - hour)
    forgotten = _aged(
        db,
        idle=dt.timedelta(days=40),
        status=ApplicationStatus.returned,
        decided=utcnow() - dt.timedelta(days=31),
    )
    db.commit()

    assert jobs.sweep(db) == 2
    db.commit()
    status = {i: db.get(Application, i) for i in (idle, fresh, waiting, returned, forgotten)}
    for gone in (idle, forgotten):
        row = status[gone]
        assert row is not None and row.status == ApplicationStatus.abandoned
        assert (row.operator_name, row.id_number, row.phone) == ("", "", "")
    assert status[fresh].status == ApplicationStatus.filling  # type: ignore[union-attr]
    assert status[waiting].status == ApplicationStatus.reviewing  # type: ignore[union-attr]
    assert status[returned].status == ApplicationStatus.returned  # type: ignore[union-attr]
    assert jobs.sweep(db) == 0  # a second run finds nothing


def test_the_job_runs_every_five_minutes(app) -> None:
    spec = registered()["licensing.abandon_idle"]
    assert spec.schedule == "*/5 * * * *" and spec.func is jobs.abandon_idle
