"""Jobs: deferred jobs run after commit and are retried; periodic jobs follow their cron
schedule and never overlap, even with several runners on one database."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from minsheng.audit.models import AuditEvent
from minsheng.core.db import Database, utcnow
from minsheng.core.jobs import MAX_ATTEMPTS, DeferredJob, EmbeddedRunner, PeriodicLock, defer, job
from minsheng.org.models import Region, RegionLevel

# Test jobs live in the process-wide registry, so every runner in the test session sees them.
# The periodic ones fire once a year: they run during a test only when that test makes them due.
YEARLY = "0 3 1 1 *"
calls: dict[str, int] = {}


@pytest.fixture(autouse=True)
def _fresh_calls() -> Iterator[None]:
    calls.clear()
    yield
    calls.clear()


def _count(name: str) -> int:
    calls[name] = calls.get(name, 0) + 1
    return calls[name]


@job("tests.core.add_region")
def add_region(db: Session, *, title: str) -> None:
    _count("add_region")
    db.add(Region(name=title, level=RegionLevel.city, path="/"))


@job("tests.core.always_fails")
def always_fails(db: Session, *, name: str) -> None:
    _count("always_fails")
    db.add(Region(name=name, level=RegionLevel.city, path="/"))
    db.flush()
    raise RuntimeError(f"数据源不可用：{name}")


@job("tests.core.fails_once")
def fails_once(db: Session) -> None:
    if _count("fails_once") == 1:
        raise RuntimeError("暂时失败")


seen: list[tuple[str, dt.datetime]] = []


@job("tests.core.peek_at_own_row", lease_seconds=120)
def peek_at_own_row(db: Session) -> None:
    """Looks at its own queue row while it runs (in another transaction than the runner's)."""
    row = db.scalar(select(DeferredJob).where(DeferredJob.name == "tests.core.peek_at_own_row"))
    seen.append((row.status, row.run_after))


class Overlap:
    """Records every run of the slow periodic job and how many ran at the same moment."""

    lock = threading.Lock()
    active = 0
    most = 0
    runs: list[tuple[float, float]] = []


@job("tests.core.slow_periodic", schedule=YEARLY, lease_seconds=60)
def slow_periodic(db: Session) -> None:
    with Overlap.lock:
        Overlap.active += 1
        Overlap.most = max(Overlap.most, Overlap.active)
    started = time.monotonic()
    time.sleep(0.15)
    with Overlap.lock:
        Overlap.active -= 1
        Overlap.runs.append((started, time.monotonic()))


@job("tests.core.nightly", schedule="30 2 * * *")
def nightly(db: Session) -> None:
    _count("nightly")


def regions(database: Database) -> list[str]:
    with database.session() as db:
        return list(db.scalars(select(Region.name).order_by(Region.id)))


def deferred(database: Database) -> list[DeferredJob]:
    with database.session() as db:
        return list(db.scalars(select(DeferredJob).order_by(DeferredJob.id)))


def lock_of(database: Database, name: str) -> PeriodicLock | None:
    with database.session() as db:
        return db.get(PeriodicLock, name)


def make_periodic_due(database: Database, name: str, **values: object) -> None:
    with database.session() as db:
        db.execute(
            update(PeriodicLock)
            .where(PeriodicLock.name == name)
            .values(next_run_at=utcnow() - dt.timedelta(seconds=1), **values)
        )


def test_deferred_job_runs_after_commit_as_the_job(database):
    with database.session() as db:
        defer(db, "tests.core.add_region", title="任务建的区划")
    assert calls == {}  # deferred, not run inline

    assert EmbeddedRunner(database).run_once() == 1

    assert calls == {"add_region": 1}
    assert regions(database) == ["任务建的区划"]
    [row] = deferred(database)
    assert (row.status, row.attempts, row.last_error) == ("done", 1, "")
    assert json.loads(row.args) == {"title": "任务建的区划"}
    with database.session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "region"))
    assert (event.actor_kind, event.actor_label) == ("job", "tests.core.add_region")


def test_job_deferred_in_a_rolled_back_transaction_never_runs(database):
    with pytest.raises(RuntimeError), database.session() as db:
        defer(db, "tests.core.add_region", title="不该出现的区划")
        raise RuntimeError("the request failed")

    assert deferred(database) == []
    assert EmbeddedRunner(database).run_once() == 0
    assert calls == {} and regions(database) == []


def test_job_may_take_an_argument_called_name(database):
    with database.session() as db:
        defer(db, "tests.core.always_fails", name="名字参数")
    EmbeddedRunner(database).run_once()
    [row] = deferred(database)
    assert json.loads(row.args) == {"name": "名字参数"}
    assert "数据源不可用：名字参数" in row.last_error


def test_deferring_an_unknown_job_is_refused(database):
    with database.session() as db, pytest.raises(KeyError):
        defer(db, "tests.core.no_such_job")


def test_failing_job_is_retried_with_backoff_then_failed(database):
    with database.session() as db:
        defer(db, "tests.core.always_fails", name="半途而废的区划")
    runner = EmbeddedRunner(database)

    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert runner.run_once() == 1
        [row] = deferred(database)
        assert row.attempts == attempt
        assert "数据源不可用：半途而废的区划" in row.last_error
        if row.status == "failed":
            break
        assert row.status == "queued"
        delays.append(round((row.run_after - utcnow()).total_seconds()))
        assert runner.run_once() == 0  # not due before its backoff ends
        with database.session() as db:
            db.execute(update(DeferredJob).values(run_after=utcnow() - dt.timedelta(seconds=1)))

    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    assert delays == [60, 120, 240, 480]
    assert calls == {"always_fails": MAX_ATTEMPTS}
    assert regions(database) == []  # each failed run rolled back its own changes
    assert runner.run_once() == 0


def test_job_that_fails_once_succeeds_on_retry(database):
    with database.session() as db:
        defer(db, "tests.core.fails_once")
    runner = EmbeddedRunner(database)
    runner.run_once()
    with database.session() as db:
        db.execute(update(DeferredJob).values(run_after=utcnow() - dt.timedelta(seconds=1)))
    runner.run_once()

    [row] = deferred(database)
    assert (row.status, row.attempts, row.last_error) == ("done", 2, "")
    assert calls == {"fails_once": 2}


def test_job_left_running_by_a_dead_runner_is_taken_up_after_its_lease(database):
    with database.session() as db:
        defer(db, "tests.core.add_region", title="接手的区划")
    runner = EmbeddedRunner(database)

    # Another runner claimed it and is still within its lease: leave it alone.
    with database.session() as db:
        db.execute(
            update(DeferredJob).values(
                status="running", attempts=1, run_after=utcnow() + dt.timedelta(minutes=5)
            )
        )
    assert runner.run_once() == 0 and calls == {}

    # That runner's process died: once the lease has run out the job runs again, once.
    with database.session() as db:
        db.execute(update(DeferredJob).values(run_after=utcnow() - dt.timedelta(seconds=1)))
    assert runner.run_once() == 1
    [row] = deferred(database)
    assert (row.status, row.attempts) == ("done", 2)
    assert regions(database) == ["接手的区划"] and calls == {"add_region": 1}


def test_running_job_holds_a_lease_so_no_second_runner_takes_it(database):
    seen.clear()
    with database.session() as db:
        defer(db, "tests.core.peek_at_own_row")
    started = utcnow()
    EmbeddedRunner(database).run_once()

    [(status, lease_ends)] = seen
    assert status == "running"
    assert dt.timedelta(seconds=110) < lease_ends - started <= dt.timedelta(seconds=121)


def test_periodic_job_follows_its_cron_schedule_in_local_time(database):
    runner = EmbeddedRunner(database, tz="Asia/Shanghai")
    runner.run_once()

    # The first sighting only schedules it: next 02:30 in Kunshan, within a day.
    lock = lock_of(database, "tests.core.nightly")
    assert calls.get("nightly") is None
    local = lock.next_run_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute, local.second) == (2, 30, 0)
    assert dt.timedelta(0) < lock.next_run_at - utcnow() <= dt.timedelta(days=1)

    make_periodic_due(database, "tests.core.nightly")
    runner.run_once()
    assert calls["nightly"] == 1
    lock = lock_of(database, "tests.core.nightly")
    local = lock.next_run_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (2, 30)
    assert lock.next_run_at > utcnow()
    assert lock.locked_until is None
    assert lock.last_started_at <= lock.last_finished_at

    runner.run_once()
    assert calls["nightly"] == 1  # not due again until tomorrow's 02:30


def test_periodic_job_held_by_another_runner_waits_for_its_lease(database):
    runner = EmbeddedRunner(database)
    runner.run_once()
    make_periodic_due(
        database, "tests.core.nightly", locked_until=utcnow() + dt.timedelta(minutes=5)
    )
    runner.run_once()
    assert calls.get("nightly") is None

    # The other runner died holding it: once the lease has run out, the job runs again.
    make_periodic_due(
        database, "tests.core.nightly", locked_until=utcnow() - dt.timedelta(seconds=1)
    )
    runner.run_once()
    assert calls["nightly"] == 1


def test_two_runners_never_run_the_same_periodic_job_at_once(database, database_url):
    Overlap.active, Overlap.most, Overlap.runs = 0, 0, []
    stop = threading.Event()
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def run_jobs() -> None:
        own = Database(database_url)  # as a second process would: its own engine and connections
        runner = EmbeddedRunner(own)
        try:
            start.wait(timeout=30)
            while not stop.is_set():
                runner.run_once()
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.dispose()

    def keep_it_due() -> None:
        """Time passing quickly: the job is due again the moment it finishes."""
        start.wait(timeout=30)
        while not stop.is_set():
            make_periodic_due(database, "tests.core.slow_periodic")
            time.sleep(0.02)

    threads = [threading.Thread(target=f) for f in (run_jobs, run_jobs, keep_it_due)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    stop.set()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert len(Overlap.runs) >= 3
    assert Overlap.most == 1
    runs = sorted(Overlap.runs)
    assert all(later[0] >= earlier[1] for earlier, later in zip(runs, runs[1:], strict=False))


@pytest.mark.postgres_only
def test_procrastinate_worker_runs_a_job_deferred_by_the_app(cli, monkeypatch):
    from minsheng.app import create_app
    from minsheng.core.settings import Settings
    from minsheng.notify import service as notify
    from minsheng.notify.models import MessageStatus, OutboundMessage

    backend = {"MINSHENG_JOB_BACKEND": "procrastinate"}
    first = cli("init", **backend)
    assert first.returncode == 0, first.stderr
    assert "已安装任务队列（procrastinate）的数据表。" in first.stdout
    again = cli("init", **backend)
    assert again.returncode == 0, again.stderr
    assert "数据库已是最新版本" in again.stdout and "procrastinate" not in again.stdout

    settings = Settings(database_url=cli.database_url, job_backend="procrastinate", env="test")
    database = Database(cli.database_url)
    try:
        app = create_app(settings, database=database)
        with TestClient(app):  # its start-up opens the procrastinate connection
            with app.state.database.session() as db:
                queued = notify.queue_sms(
                    db, to="13912345678", body="您反映的问题已受理，编号 KS-0001。"
                )
            with pytest.raises(RuntimeError), app.state.database.session() as db:
                notify.queue_sms(db, to="13912345678", body="这一条随事务回滚")
                raise RuntimeError("rolled back")

        with database.engine.connect() as conn:
            jobs = conn.execute(
                text("SELECT task_name, args, status FROM procrastinate_jobs")
            ).all()
        assert [tuple(j) for j in jobs] == [("notify.deliver", {"message_id": queued.id}, "todo")]
        assert deferred(database) == []  # nothing went to the embedded queue

        worker = cli("worker", "--once", **backend)
        assert worker.returncode == 0, worker.stderr
        assert "SMS to 13912345678: 您反映的问题已受理" in worker.stderr

        with database.session() as db:
            sent = db.get(OutboundMessage, queued.id)
            assert sent.status == MessageStatus.sent and sent.attempts == 1
            status = db.execute(
                text("SELECT status FROM procrastinate_jobs WHERE task_name = 'notify.deliver'")
            ).scalar_one()
        assert status == "succeeded"
    finally:
        database.dispose()
