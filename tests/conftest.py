"""Shared fixtures: a fresh, migrated database per test (SQLite, or PostgreSQL when
MINSHENG_TEST_DATABASE_URL is set), the app, a logged-in client, factories."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from minsheng.core.db import Actor, Database
from minsheng.core.migrate import upgrade
from minsheng.core.settings import get_settings

PG_URL = os.environ.get("MINSHENG_TEST_DATABASE_URL", "")
# One template per test run, so that two runs on one server (CI and a developer) never collide.
TEMPLATE_DB = f"minsheng_test_template_{os.getpid()}"


def pytest_report_header(config: pytest.Config) -> str:
    if not PG_URL:
        return "minsheng database: SQLite"
    return f"minsheng database: PostgreSQL {make_url(PG_URL).render_as_string(hide_password=True)}"


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once; every test gets a copy of it."""
    if PG_URL:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{TEMPLATE_DB}"'))
        url = make_url(PG_URL).set(database=TEMPLATE_DB).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture
def database_url(template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        name = f"minsheng_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "minsheng.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    monkeypatch.setenv("MINSHENG_ENV", "test")
    monkeypatch.setenv("MINSHENG_DATABASE_URL", database_url)
    monkeypatch.setenv("MINSHENG_SECRET_KEY", "test-secret-" + "x" * 40)
    monkeypatch.setenv("MINSHENG_OTP_RESEND_SECONDS", "0")
    # The year of demo requests is tested on its own (tests/requests/test_demo.py).
    monkeypatch.setenv("MINSHENG_DEMO_REQUESTS", "0")
    # The practical projects' demo batch is tested on its own too (tests/projects/test_demo.py).
    monkeypatch.setenv("MINSHENG_DEMO_PROJECTS", "0")
    # The guides' matters and cards too (tests/guides/test_demo.py, and tests that need them).
    monkeypatch.setenv("MINSHENG_DEMO_GUIDES", "0")
    # And the licensing demo (offices, scope catalogue, businesses: tests/licensing/test_demo.py).
    monkeypatch.setenv("MINSHENG_DEMO_LICENSES", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def database(settings_env: None, database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    """A session for arranging and checking; commit what the app should see."""
    session = database.new_session(Actor(kind="system", label="测试"))
    from tests import factories

    factories.bind(session)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def app(database: Database):
    from minsheng.app import create_app

    return create_app(get_settings(), database=database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def csrf(client: TestClient) -> str:
    """The CSRF token the app gave this client (a GET sets the cookie)."""
    if "minsheng_csrf" not in client.cookies:
        client.get("/")
    return client.cookies["minsheng_csrf"]


def login(client: TestClient, username: str, password: str) -> None:
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def api_token(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
