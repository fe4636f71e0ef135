"""Database engine, sessions and the column types every model shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Set only by `clock_at` (demo history, tests); every service asks utcnow() for "now".
_CLOCK: ContextVar[dt.datetime | None] = ContextVar("minsheng_clock", default=None)


def utcnow() -> dt.datetime:
    """Now, in UTC, with its time zone (or the moment `clock_at` set)."""
    fixed = _CLOCK.get()
    return fixed if fixed is not None else dt.datetime.now(dt.UTC)


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Runs the block as if it were `moment`: to replay a year of demo history through the
    real services, and in tests. Never used while serving."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs a timezone-aware datetime")
    token = _CLOCK.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _CLOCK.reset(token)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back time-zone aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Every table of every module. Set __audited__ = False on bookkeeping tables."""

    metadata = MetaData(naming_convention=NAMING)
    __audited__ = True
    __audit_redact__: frozenset[str] = frozenset()  # never shown, only "changed"
    __audit_mask__: frozenset[str] = frozenset()  # personal data, shown masked
    __audit_ignore__: frozenset[str] = frozenset()  # bookkeeping an explicit event already says


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class Actor:
    """Who is making a change, written into the audit trail."""

    kind: str  # staff, resident, job, system, anonymous
    id: int | None = None
    label: str = ""
    client_addr: str | None = None


SYSTEM = Actor(kind="system", label="系统")


def set_actor(db: Session, actor: Actor) -> None:
    """Says who the changes made through this session belong to."""
    db.info["actor"] = actor


def get_actor(db: Session) -> Actor:
    return db.info.get("actor", SYSTEM)


def _sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each dialect needs to behave the same."""
    if url.startswith("sqlite"):
        _sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # We issue BEGIN ourselves so each transaction takes the write lock up front:
            # no two writers can then deadlock upgrading a read lock.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """One engine and its session factory; the app, the CLI and the jobs each hold one."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.session_info: dict[str, Any] = {}  # copied into every session (e.g. the job queue)

    def new_session(self, actor: Actor = SYSTEM) -> Session:
        db = self.sessionmaker()
        db.info.update(self.session_info)
        set_actor(db, actor)
        return db

    @contextmanager
    def session(self, actor: Actor = SYSTEM) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        db = self.new_session(actor)
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    def dispose(self) -> None:
        self.engine.dispose()
