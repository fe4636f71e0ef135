"""Kunshan as the demos load it (places, units, categories, extra questions), an administrator's
token, and an integration's Open311 key."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from minsheng.core.modules import load_modules
from minsheng.org import service as org
from tests import factories
from tests.conftest import api_token

# The demo accounts are left out: hashing their passwords would cost a second per test.
DEMOS = ("org", "routing", "open311")


@pytest.fixture
def kunshan(db) -> None:
    for module in sorted(
        (m for m in load_modules() if m.name in DEMOS), key=lambda m: m.demo_order
    ):
        assert module.demo is not None
        module.demo(db, lambda _: None)
    db.commit()


@pytest.fixture
def staff_token(client: TestClient, db, kunshan) -> Callable[[str, str], dict[str, str]]:
    """A bearer token for a new staff member holding `role` in the unit named."""

    def make(role: str, unit_name: str) -> dict[str, str]:
        unit = org.get_unit_by_name(db, name=unit_name)
        assert unit is not None, unit_name
        user = factories.staff(db, role, unit)
        return api_token(client, user.username, factories.PASSWORD)

    return make


@pytest.fixture
def admin(staff_token) -> dict[str, str]:
    return staff_token("administrator", "昆山市")


@pytest.fixture
def issue_key(client: TestClient, admin) -> Callable[[str], str]:
    def issue(name: str = "FixMyStreet 昆山站") -> str:
        response = client.post("/api/v1/api-keys", json={"name": name}, headers=admin)
        assert response.status_code == 201, response.text
        return str(response.json()["key"])

    return issue


@pytest.fixture
def key(issue_key) -> str:
    """A key issued to the FixMyStreet integration."""
    return issue_key()
