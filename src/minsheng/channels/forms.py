"""Pieces the channel pages share: place and category choices, photos, times, idempotency keys."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from minsheng.core.errors import InvalidInput
from minsheng.core.images import CleanPhoto
from minsheng.core.settings import get_settings
from minsheng.org.choices import places as places
from minsheng.org.choices import region_id as region_id
from minsheng.org.choices import region_key as region_key
from minsheng.org.models import Region, RegionLevel
from minsheng.requests import uploads

Options = list[tuple[str, str]]
Groups = list[tuple[str | None, Options]]

TOWN_LEVELS = (RegionLevel.town, RegionLevel.zone)
# The key is made by the page; anything else sent is ignored rather than trusted.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,80}$")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def idempotency_key(form: dict[str, Any]) -> str:
    key = str(form.get("idempotency_key", ""))
    return key if IDEMPOTENCY_KEY.match(key) else new_key()


def new_key() -> str:
    return secrets.token_urlsafe(24)


def town_of(region: Region | None) -> Region | None:
    """The town or zone a region lies in (itself, when it is one)."""
    while region is not None and region.level not in TOWN_LEVELS:
        region = region.parent
    return region


def read_photos(form: dict[str, Any], name: str = "photos") -> list[CleanPhoto]:
    """The uploaded photos, each checked and re-encoded, or InvalidInput({"photos": ...})."""
    upload = uploads.read_photos(form, name)
    if upload.error is not None:
        raise InvalidInput({"photos": upload.error})
    return upload.photos


def now_local_input() -> str:
    """Now, as a datetime-local field shows it in the installation's time zone."""
    return dt.datetime.now(ZoneInfo(get_settings().timezone)).strftime(LOCAL_INPUT)


def parse_local(text: str) -> dt.datetime | None:
    """A datetime-local value read as the installation's wall-clock time; None when empty."""
    text = text.strip().replace(" ", "T")
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput({"received_at": "请按“2026-11-26 09:30”的格式填写受理时间"}) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(get_settings().timezone))
    return value


def asked_by_name(
    errors: dict[str, str], values: dict[str, Any], labels: dict[str, str]
) -> dict[str, str]:
    """An empty required field is asked for by its name ("请填写小区名称"), not measured."""
    for name, label in labels.items():
        if name in errors and not values.get(name):
            errors[name] = f"请填写{label}"
    return errors
