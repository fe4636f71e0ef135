"""Shared arrangements for the requests tests: Kunshan's demo data, request bodies, error checks."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.core.modules import load_modules
from minsheng.org import service as org
from minsheng.org.models import Region, Unit
from tests.conftest import api_token

# The demo's places and units the tests name.
BACHENG = "320583101"  # 巴城镇
ZHOUSHI = "320583102"  # 周市镇
HOUSING_BUREAU = "昆山市住房和城乡建设局"
CENTRE = "昆山市12345政务服务便民热线"
PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def load_demo(db: Session) -> None:
    """Kunshan's regions, units, categories, routing rules and demo accounts, committed."""
    modules = sorted((m for m in load_modules() if m.demo), key=lambda m: m.demo_order)
    for module in modules:
        assert module.demo is not None
        module.demo(db, lambda _step: None)
    db.commit()


def region(db: Session, name: str) -> Region:
    found = next((r for r in org.list_regions(db) if r.name == name), None)
    assert found is not None, name
    db.commit()
    return found


def unit(db: Session, name: str) -> Unit:
    found = org.get_unit_by_name(db, name=name)
    assert found is not None, name
    db.commit()
    return found


def demo_headers(client: TestClient, username: str) -> dict[str, str]:
    """A bearer token for one of the demo accounts (operator, handler, supervisor, admin...)."""
    return api_token(client, username, DEMO_PASSWORD)


def body(**changes: Any) -> dict[str, Any]:
    """A valid request as a resident would send it, with some fields changed."""
    data: dict[str, Any] = {
        "category": "urban.stall",
        "title": "夜市摊贩占用人行道",
        "description": "每天晚上七点以后，湖滨路人行道被摊贩占满，行人只能走机动车道，很危险。",
        "town": BACHENG,
        "address": "巴城镇湖滨路 88 号附近",
        "channel": "web",
        "contact": {"name": "王小明", "phone": PHONE},
    }
    data.update(changes)
    return data


def submit(
    client: TestClient, headers: dict[str, str] | None = None, **changes: Any
) -> dict[str, Any]:
    """Posts a valid request (with changes) and returns the 201 answer."""
    response = client.post("/api/v1/requests", json=body(**changes), headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()


def token_of(created: dict[str, Any]) -> str:
    """The secret follow token inside the follow link /f/{token}."""
    path = urlsplit(created["follow_url"]).path
    assert path.startswith("/f/"), created["follow_url"]
    return path.removeprefix("/f/")


def query_token(url: str) -> str | None:
    return parse_qs(urlsplit(url).query).get("token", [None])[0]


def count(db: Session, model: type) -> int:
    """Rows of a table as the app committed them (ends the read so the app can write)."""
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The API's error shape, with a message a person can read."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()
    assert set(error) == {"error"}
    assert set(error["error"]) == {"code", "message", "details"}
    assert error["error"]["code"] == code
    assert error["error"]["message"]
    assert "Traceback" not in response.text
    return dict(error["error"])


def fields_of(error: dict[str, Any]) -> dict[str, str]:
    return {d["field"]: d["message"] for d in error["details"]}


def at(text: str) -> dt.datetime:
    """An ISO timestamp from the API as an aware datetime."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, text
    return value


def away_from_the_hour(margin: float = 5.0) -> None:
    """Waits out the last seconds of a clock hour, so an hourly rate window cannot turn over
    in the middle of a test."""
    left = 3600 - time.time() % 3600
    if left < margin:
        time.sleep(left + 0.1)
