"""Kunshan as the demo loads it (regions, units, categories, boxes, estates, reception days),
and staff members signed in by role."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from minsheng.accounts.models import StaffUser
from minsheng.core.modules import load_modules
from minsheng.org import service as org
from tests import factories
from tests.conftest import login

# The demo accounts are left out: hashing their passwords would cost a second per test.
DEMOS = ("org", "routing", "channels")


@pytest.fixture
def kunshan(db) -> None:
    for module in sorted(
        (m for m in load_modules() if m.name in DEMOS), key=lambda m: m.demo_order
    ):
        assert module.demo is not None
        module.demo(db, lambda _: None)
    db.commit()


@pytest.fixture
def sign_in(client, db, kunshan) -> Callable[[str, str], StaffUser]:
    """Signs the client in as a new staff member holding `role` in the unit named."""

    def sign_in(role: str, unit_name: str) -> StaffUser:
        unit = org.get_unit_by_name(db, name=unit_name)
        assert unit is not None, unit_name
        user = factories.staff(db, role, unit)
        client.cookies.clear()
        login(client, user.username, factories.PASSWORD)
        return user

    return sign_in


@pytest.fixture
def operator(sign_in) -> StaffUser:
    return sign_in("operator", "昆山市12345政务服务便民热线")


@pytest.fixture
def gridworker(sign_in) -> StaffUser:
    return sign_in("community_worker", "周市镇长泾社区居委会")
