"""The staff list GET /api/v1/requests: who sees what, masking, filters, paging, counts."""

from __future__ import annotations

import pytest

from minsheng.core.workdays import default_calendar
from tests.requests import (
    HOUSING_BUREAU,
    MASKED_PHONE,
    PHONE,
    assert_error,
    at,
    demo_headers,
    fields_of,
    load_demo,
    submit,
    unit,
)
from tests.requests.handling import (
    listed,
    report_leak,
    view,
)


@pytest.fixture
def leak(client, db) -> dict:
    load_demo(db)
    return report_leak(client)


@pytest.fixture
def handler(client, leak) -> dict[str, str]:
    return demo_headers(client, "handler")


@pytest.fixture
def operator(client, leak) -> dict[str, str]:
    return demo_headers(client, "operator")


# The staff list


def test_each_sees_only_what_their_units_hold_newest_first(client, db, leak, operator, handler):
    stall = submit(client, category="urban.stall")  # 巴城镇人民政府
    both = [stall["tracking_number"], leak["tracking_number"]]
    page = listed(client, operator)
    assert [r["tracking_number"] for r in page["items"]] == both and page["total"] == 2
    assert page["items"][1]["contact_phone"] == PHONE  # the hotline calls back
    assert page["counts"]["dispatched"] == 2 and page["counts"]["closed"] == 0
    mine = listed(client, handler)
    assert [r["tracking_number"] for r in mine["items"]] == [leak["tracking_number"]]
    assert mine["items"][0]["contact_phone"] == PHONE and mine["items"][0]["unit"] == HOUSING_BUREAU
    supervised = listed(client, demo_headers(client, "supervisor"))
    assert supervised["total"] == 2
    assert {r["contact_phone"] for r in supervised["items"]} == {MASKED_PHONE}
    assert listed(client, demo_headers(client, "gridworker"))["total"] == 0
    paged = listed(client, operator, limit=1, offset=1)
    assert [r["tracking_number"] for r in paged["items"]] == both[1:] and paged["total"] == 2


def test_the_list_needs_a_token_and_the_view_permission(client, leak):
    assert_error(client.get("/api/v1/requests"), 401, "not_authenticated")
    assert_error(
        client.get("/api/v1/requests", headers=demo_headers(client, "registrar")), 403, "forbidden"
    )


def test_the_list_filters(client, db, leak, operator):
    stall = submit(client, category="urban.stall", town="320583102")  # 周市镇人民政府
    local = default_calendar().local_day(at(view(client, leak, operator)["received_at"]))
    leak_only, stall_only = [leak["tracking_number"]], [stall["tracking_number"]]
    both = stall_only + leak_only
    today = local.isoformat()
    cases: list[tuple[dict, list[str]]] = [
        ({"category": "housing"}, leak_only),  # a parent category takes its subcategories
        ({"category": "urban.stall"}, stall_only),
        ({"category": "nonexistent"}, []),
        ({"town": "320583101"}, leak_only),
        ({"unit_id": unit(db, "周市镇人民政府").id}, stall_only),
        ({"q": "卫生间"}, leak_only),
        ({"q": stall["tracking_number"].lower()}, stall_only),
        ({"q": "100%"}, []),
        ({"status": "dispatched", "channel": "web"}, both),
        ({"channel": "hotline"}, []),
        ({"status": "closed"}, []),
        ({"due": "red"}, []),
        ({"flagged": "true"}, []),
        ({"flagged": "false"}, both),
        ({"received_from": today, "received_to": today}, both),
        ({"received_to": "2020-01-01"}, []),
    ]
    for params, expected in cases:
        found = [r["tracking_number"] for r in listed(client, operator, **params)["items"]]
        assert found == expected, params
    # The counts above the tabs ignore the status filter.
    assert listed(client, operator, status="closed")["counts"]["dispatched"] == 2
    for bad in ({"limit": 201}, {"limit": 0}, {"status": "lost"}, {"received_from": "2026-13-01"}):
        response = client.get("/api/v1/requests", params=bad, headers=operator)
        assert_error(response, 422, "validation_error")
    backwards = {"received_from": "2026-11-02", "received_to": "2026-11-01"}
    response = client.get("/api/v1/requests", params=backwards, headers=operator)
    assert "received_to" in fields_of(assert_error(response, 422, "validation_error"))
