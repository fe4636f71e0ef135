"""Extensions through the API: a unit asks, a supervisor refuses (with a note) or approves, and
the resolution limit moves by working days."""

from __future__ import annotations

import pytest

from minsheng.core.workdays import default_calendar
from tests.requests import (
    assert_error,
    at,
    demo_headers,
    fields_of,
    load_demo,
)
from tests.requests.handling import (
    accepted,
    act,
    ok,
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


# Extensions


def test_an_extension_asked_refused_then_approved_by_working_days(client, db, leak, handler):
    supervisor = demo_headers(client, "supervisor")
    seen = accepted(client, leak, handler)
    error = assert_error(
        act(client, leak, "extensions", handler, days=0, reason="太忙"), 422, "validation_error"
    )
    assert set(fields_of(error)) == {"days", "reason"}
    asked = ok(act(client, leak, "extensions", handler, days=3, reason="需等待防水材料到货后施工"))
    assert asked["status"] == "pending" and asked["due_before"] == seen["resolve_due_at"]
    assert_error(
        act(client, leak, "extensions", handler, days=2, reason="再申请一次试试"),
        409,
        "pending_extension",
    )
    pending = ok(client.get("/api/v1/extensions", headers=supervisor))
    assert [e["id"] for e in pending] == [asked["id"]] and pending[0]["tracking_number"] == leak[
        "tracking_number"
    ]
    assert_error(client.get("/api/v1/extensions", headers=handler), 403, "forbidden")
    decide = f"/api/v1/extensions/{asked['id']}/decision"
    assert_error(client.post(decide, json={"approve": True}, headers=handler), 403, "forbidden")
    error = assert_error(
        client.post(decide, json={"approve": False}, headers=supervisor), 422, "validation_error"
    )
    assert fields_of(error) == {"note": "不同意时请写明理由"}
    refused = ok(
        client.post(decide, json={"approve": False, "note": "材料可就近采购"}, headers=supervisor)
    )
    assert refused["status"] == "refused" and refused["due_after"] is None
    assert_error(client.post(decide, json={"approve": True}, headers=supervisor), 409, "decided")
    assert view(client, leak, handler)["resolve_due_at"] == seen["resolve_due_at"]
    # Asked again, and approved: the limit moves three working days on the calendar.
    again = ok(act(client, leak, "extensions", handler, days=3, reason="防水层需养护三天"))
    assert (
        ok(client.get("/api/v1/extensions", headers=supervisor, params={"status": "refused"}))[0][
            "id"
        ]
        == asked["id"]
    )
    approved = ok(
        client.post(
            f"/api/v1/extensions/{again['id']}/decision", json={"approve": True}, headers=supervisor
        )
    )
    expected = default_calendar().extend(at(seen["resolve_due_at"]), days=3)
    assert at(approved["due_after"]) == expected
    assert at(view(client, leak, handler)["resolve_due_at"]) == expected
    assert ok(client.get("/api/v1/extensions", headers=supervisor)) == []
    assert_error(
        client.post(
            "/api/v1/extensions/999999/decision", json={"approve": True}, headers=supervisor
        ),
        404,
        "not_found",
    )
