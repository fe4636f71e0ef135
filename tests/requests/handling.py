"""Helpers for the handling API tests: a leak report, staff tokens, posting a step, reading the
stored timeline, photos."""

from __future__ import annotations

import io
import random
from typing import Any

from PIL import Image
from sqlalchemy import select

from minsheng.requests.models import CitizenRequest
from tests import factories
from tests.conftest import api_token
from tests.requests import HOUSING_BUREAU, submit, unit

LEAK = {
    "category": "housing.leak",
    "title": "楼上卫生间漏水",
    "description": "楼上卫生间漏水，已经渗到我家天花板，墙面发霉，联系楼上住户一直没有人。",
}
URBAN = "昆山市城市管理局"


def report_leak(client: Any) -> dict:
    """A resident's leak report, dispatched to the housing bureau (the demo handler's unit)."""
    created = submit(client, **LEAK)
    assert created["unit"] == HOUSING_BUREAU and created["status"] == "dispatched"
    return dict(created)


def staff_of(client: Any, db: Any, unit_name: str, role: str = "handler") -> dict[str, str]:
    """A bearer token for a new staff member holding `role` in the named unit."""
    user = factories.staff(db, role, unit(db, unit_name))
    return api_token(client, user.username, factories.PASSWORD)


def act(client: Any, created: dict, action: str, headers: dict, **body: Any) -> Any:
    """POST /api/v1/requests/{number}/{action} with a JSON body."""
    return client.post(
        f"/api/v1/requests/{created['tracking_number']}/{action}", json=body, headers=headers
    )


def ok(response: Any) -> Any:
    """The JSON of a 200 or 201 answer."""
    assert response.status_code in (200, 201), response.text
    return response.json()


def view(client: Any, created: dict, headers: dict | None = None, **params: str) -> dict:
    response = client.get(
        f"/api/v1/requests/{created['tracking_number']}", headers=headers or {}, params=params
    )
    return dict(ok(response))


def listed(client: Any, headers: dict, **params: Any) -> dict:
    return ok(client.get("/api/v1/requests", headers=headers, params=params))


def accepted(client: Any, created: dict, headers: dict) -> dict:
    """Accepts on the version the handler sees; answers the staff view."""
    version = view(client, created, headers)["version"]
    return ok(act(client, created, "accept", headers, version=version))


def closed(
    client: Any, created: dict, headers: dict, text: str = "漏水点已修复，天花板已干。"
) -> dict:
    version = view(client, created, headers)["version"]
    return ok(
        act(client, created, "close", headers, outcome="resolved", text=text, version=version)
    )


def png(side: int = 40, noise: bool = False) -> bytes:
    """A PNG; with noise it hardly compresses (about 3 bytes a pixel)."""
    image = Image.new("RGB", (side, side), (200, 60, 60))
    if noise:
        pixels = random.Random(side).randbytes(side * side * 3)
        image = Image.frombytes("RGB", (side, side), pixels)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def events(db: Any, created: dict) -> list[tuple[str, str, bool]]:
    """Every event on a request's timeline as stored (kind, text, public), staff-only included."""
    request = db.scalar(
        select(CitizenRequest).where(CitizenRequest.tracking_number == created["tracking_number"])
    )
    found = [(e.kind, e.text, e.public) for e in request.events]
    db.commit()
    return found
