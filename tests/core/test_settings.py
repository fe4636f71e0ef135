"""Settings: typed and validated from MINSHENG_* variables, with a laptop's defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from minsheng.core.db import Database
from minsheng.core.settings import DEFAULT_SECRET, Settings, get_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No MINSHENG_* from the surrounding shell or CI, and ./ is an empty folder."""
    for key in list(os.environ):
        if key.startswith("MINSHENG_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_are_a_development_laptop():
    settings = Settings()
    assert settings.env == "development"
    assert settings.database_url == "sqlite:///./var/minsheng.db"
    assert settings.is_sqlite and settings.is_development
    assert settings.job_backend == "embedded"
    assert settings.email_backend == "log" and settings.sms_backend == "log"
    assert settings.secure_cookies is False
    assert settings.timezone == "Asia/Shanghai"


def test_default_database_is_a_wal_sqlite_file_under_var(tmp_path):
    database = Database(Settings().database_url)
    try:
        with database.engine.connect() as conn:
            mode = conn.execute(text("PRAGMA journal_mode")).scalar_one()
            keys = conn.execute(text("PRAGMA foreign_keys")).scalar_one()
    finally:
        database.dispose()
    assert mode == "wal" and keys == 1
    assert (tmp_path / "var" / "minsheng.db").is_file()


def test_values_are_read_and_typed_from_the_environment(monkeypatch):
    monkeypatch.setenv("MINSHENG_SMTP_PORT", "2525")
    monkeypatch.setenv("MINSHENG_SMTP_STARTTLS", "true")
    monkeypatch.setenv("MINSHENG_JOB_POLL_SECONDS", "2.5")
    monkeypatch.setenv("MINSHENG_DATABASE_URL", "postgresql+psycopg://minsheng@db.example/minsheng")
    monkeypatch.setenv("MINSHENG_JOB_BACKEND", "procrastinate")
    settings = get_settings()
    assert settings.smtp_port == 2525 and settings.smtp_starttls is True
    assert settings.job_poll_seconds == 2.5
    assert settings.job_backend == "procrastinate"
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MINSHENG_SMTP_PORT", "twenty-five"),
        ("MINSHENG_SMTP_PORT", "70000"),
        ("MINSHENG_STAFF_SESSION_HOURS", "0"),
        ("MINSHENG_OTP_MAX_ATTEMPTS", "many"),
        ("MINSHENG_JOB_POLL_SECONDS", "-1"),
        ("MINSHENG_JOB_BACKEND", "celery"),
        ("MINSHENG_EMAIL_BACKEND", "carrier-pigeon"),
        ("MINSHENG_ENV", "staging"),
        ("MINSHENG_SMTP_STARTTLS", "perhaps"),
    ],
)
def test_bad_value_is_refused_naming_the_setting(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    [error] = caught.value.errors()
    assert error["loc"] == (variable.removeprefix("MINSHENG_").lower(),)


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.setenv("MINSHENG_ENV", "production")
    with pytest.raises(ValidationError, match="MINSHENG_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("MINSHENG_SECRET_KEY", DEFAULT_SECRET)
    with pytest.raises(ValidationError, match="MINSHENG_SECRET_KEY"):
        Settings()


def test_production_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("MINSHENG_ENV", "production")
    monkeypatch.setenv("MINSHENG_SECRET_KEY", "too-short-secret")
    with pytest.raises(ValidationError, match="32"):
        Settings()


def test_production_with_a_long_secret_starts_with_secure_cookies(monkeypatch):
    monkeypatch.setenv("MINSHENG_ENV", "production")
    monkeypatch.setenv("MINSHENG_SECRET_KEY", "9f2c" * 12)
    settings = Settings()
    assert settings.secure_cookies is True and not settings.is_development
    assert "9f2c" not in repr(settings)  # the secret never shows in logs


def test_cookie_secure_can_be_forced_on_in_development(monkeypatch):
    monkeypatch.setenv("MINSHENG_COOKIE_SECURE", "1")
    assert Settings().secure_cookies is True


def test_development_accepts_the_default_secret():
    assert Settings().secret_key.get_secret_value() == DEFAULT_SECRET


def test_procrastinate_needs_postgresql():
    import pytest
    from pydantic import ValidationError

    from minsheng.core.settings import Settings

    with pytest.raises(ValidationError, match="需要 PostgreSQL"):
        Settings(job_backend="procrastinate", database_url="sqlite:///./var/x.db")
    ok = Settings(job_backend="procrastinate", database_url="postgresql+psycopg://u@h/db")
    assert ok.job_backend == "procrastinate"
