"""Typed settings read from MINSHENG_* environment variables."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-minsheng-development-secret"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    """Everything an installation can change, with defaults for a laptop."""

    model_config = SettingsConfigDict(env_prefix="MINSHENG_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    database_url: str = "sqlite:///./var/minsheng.db"
    base_url: str = "http://127.0.0.1:8000"

    # embedded: jobs run in the serving process on any database; procrastinate: worker processes.
    job_backend: Literal["embedded", "procrastinate"] = "embedded"
    job_poll_seconds: float = Field(default=1.0, gt=0, le=60)

    sms_backend: Literal["log"] = "log"
    # Shared secret the SMS provider's inbound push must send; empty switches replies off.
    sms_inbound_secret: SecretStr = SecretStr("")
    email_backend: Literal["log", "smtp"] = "log"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "minsheng@localhost"

    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    staff_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    resident_session_days: int = Field(default=30, ge=1, le=365)
    api_token_days: int = Field(default=30, ge=1, le=3650)
    cookie_secure: bool | None = None  # None: secure everywhere but development and test

    otp_ttl_seconds: int = Field(default=300, ge=60, le=3600)
    otp_max_attempts: int = Field(default=5, ge=1, le=20)
    otp_resend_seconds: int = Field(default=60, ge=0, le=3600)
    otp_per_phone_per_hour: int = Field(default=5, ge=1)
    otp_per_address_per_hour: int = Field(default=20, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=60)

    # Time limits for a category that sets none (nor do its parents).
    default_response_hours: int = Field(default=24, ge=1, le=720)
    default_resolve_days: int = Field(default=5, ge=1, le=365)

    tracking_prefix: str = Field(default="KS", pattern=r"^[A-Z]{1,4}$")
    anonymous_requests_per_hour: int = Field(default=10, ge=1)
    max_photo_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    # Limits by priority; a normal request keeps its category's. Emergency hours run on the clock.
    emergency_response_hours: float = Field(default=0.5, gt=0, le=24)
    emergency_resolve_hours: float = Field(default=2, gt=0, le=72)
    urgent_resolve_hours: float = Field(default=24, gt=0, le=240)
    complex_resolve_days: int = Field(default=15, ge=1, le=365)
    # Yellow once this share of the resolution limit is used; the unit and supervisor are told.
    due_soon_fraction: float = Field(default=0.8, gt=0, lt=1)
    # Working days past the limit before a red request is escalated to the supervisor.
    escalate_after_days: int = Field(default=1, ge=0, le=30)
    max_reopens: int = Field(default=2, ge=0, le=10)
    # How many requests `minsheng demo` replays over the past year (0 in the tests' fixtures).
    demo_requests: int = Field(default=3000, ge=0, le=100_000)
    # How many of the first batch's 188 practical projects `minsheng demo` runs (0 in the tests).
    demo_projects: int = Field(default=188, ge=0, le=188)
    # Whether `minsheng demo` loads the service guides and cards (off in most tests: 2 s each).
    demo_guides: bool = True
    # Whether `minsheng demo` loads the licensing offices, scope catalogue and businesses (off in
    # most tests: it registers businesses through the real path).
    demo_licenses: bool = True
    # A kiosk screen left alone this long wipes the session (the applicant walked away).
    licensing_kiosk_timeout_seconds: int = Field(default=120, ge=30, le=1800)
    # An application still being filled after this long is abandoned and its personal data wiped.
    licensing_abandon_minutes: int = Field(default=60, ge=5, le=10080)
    max_extension_days: int = Field(default=15, ge=1, le=60)
    # Satisfaction rate = (satisfied × w1 + basically satisfied × w2) ÷ rated.
    satisfied_weight: float = Field(default=1.0, ge=0, le=1)
    basic_weight: float = Field(default=1.0, ge=0, le=1)
    # Practical projects: points behind the planned progress for a yellow / red warning.
    project_yellow_lag: float = Field(default=10, gt=0, le=100)
    project_red_lag: float = Field(default=30, gt=0, le=100)
    # Reminders go to lead units this many days before the monthly report day.
    project_remind_days: int = Field(default=3, ge=0, le=20)

    default_locale: Literal["zh_Hans", "en"] = "zh_Hans"
    timezone: str = "Asia/Shanghai"
    # Limits in hours count only these local times, e.g. "08:30-12:00,13:30-17:30"; "": all day.
    office_hours: str = ""
    jurisdiction_id: str = "320583"  # the Open311 jurisdiction_id this installation answers to
    # Open311 calls allowed per minute with one API key, and from one client address.
    open311_per_key_per_minute: int = Field(default=120, ge=1)
    open311_per_address_per_minute: int = Field(default=300, ge=1)
    shared_data_dir: Path = Path("../shared/data")

    @field_validator("office_hours")
    @classmethod
    def _check_office_hours(cls, value: str) -> str:
        # Imported here: the calendar module reads these settings.
        from minsheng.core.workdays import parse_office_hours

        parse_office_hours(value)
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ValueError(
                "生产环境必须把 MINSHENG_SECRET_KEY 设为一个足够长的随机值（不能用默认值）"
            )
        if self.env == "production" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("生产环境的 MINSHENG_SECRET_KEY 至少要 32 个字符")
        if self.job_backend == "procrastinate" and not self.database_url.startswith("postgresql"):
            raise ValueError("MINSHENG_JOB_BACKEND=procrastinate 需要 PostgreSQL 数据库")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env == "production"

    @property
    def is_development(self) -> bool:
        return self.env in ("development", "test")


@functools.cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
