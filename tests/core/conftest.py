"""Fixtures for the core tests: an empty database (not migrated) and the `minsheng` command."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL

MINSHENG = Path(sys.executable).parent / "minsheng"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # postgres_only tests exercise what exists only on PostgreSQL (procrastinate workers). On a
    # SQLite run they are deselected rather than skipped: the run reports exactly what it ran, and
    # CI always runs the suite again with MINSHENG_TEST_DATABASE_URL set, where they are collected.
    # sqlite_only tests are the mirror image: what only a SQLite installation does or refuses.
    unwanted = "sqlite_only" if PG_URL else "postgres_only"
    deselected = [item for item in items if item.get_closest_marker(unwanted)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(unwanted)]


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet, as on a fresh machine."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'var' / 'minsheng.db'}"
        return
    name = f"minsheng_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Cli:
    """Runs the installed `minsheng` command against one database, as an operator would."""

    database_url: str
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)

    def environment(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
        base.update(PYTHONIOENCODING="utf-8", MINSHENG_DATABASE_URL=self.database_url)
        # Every module's demo runs, smaller, so the command ends well within its timeout on a
        # busy machine; the full year and batch are tested on their own (tests/*/test_demo.py).
        base.update(MINSHENG_DEMO_REQUESTS="300", MINSHENG_DEMO_PROJECTS="12")
        base.update(self.env)
        base.update(extra)
        return base

    def __call__(
        self, *args: str, timeout: float = 180, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MINSHENG), *args],
            cwd=self.cwd,
            env=self.environment(**extra_env),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )


@pytest.fixture
def cli(empty_database_url: str, tmp_path: Path) -> Cli:
    assert MINSHENG.exists(), f"the minsheng command is not installed at {MINSHENG}"
    return Cli(empty_database_url, tmp_path)
