"""Rating through the API: POST /api/v1/requests/{number}/rating by the reporter's follow token
or an operator's phone call-back; a poor answer reopens the request while reopenings are left."""

from __future__ import annotations

import pytest

from minsheng.core.settings import get_settings
from tests.requests import assert_error, demo_headers, fields_of, load_demo, token_of
from tests.requests.handling import accepted, closed, listed, ok, report_leak, view

SOLVED = {"resolved": True, "satisfaction": "satisfied"}
POOR = {"resolved": False, "satisfaction": "dissatisfied", "reason": "天花板还在滴水"}


@pytest.fixture
def leak(client, db) -> dict:
    load_demo(db)
    return report_leak(client)


@pytest.fixture
def handler(client, leak) -> dict[str, str]:
    return demo_headers(client, "handler")


@pytest.fixture
def done(client, leak, handler) -> dict:
    """The leak accepted and closed by the housing bureau, waiting for its rating."""
    accepted(client, leak, handler)
    closed(client, leak, handler)
    return leak


def rate(client, created: dict, headers: dict | None = None, **body: object) -> object:
    return client.post(
        f"/api/v1/requests/{created['tracking_number']}/rating", json=body, headers=headers or {}
    )


def max_reopens(monkeypatch, n: int) -> None:
    monkeypatch.setenv("MINSHENG_MAX_REOPENS", str(n))
    get_settings.cache_clear()


def test_the_reporter_rates_by_token_and_a_good_answer_keeps_it_closed(client, done, handler):
    answer = ok(rate(client, done, token=token_of(done), **SOLVED))
    assert answer["status"] == "closed" and answer["reopened"] is False
    assert answer["rating"] == {
        "round": 0,
        "resolved": True,
        "satisfaction": "satisfied",
        "satisfaction_label": "满意",
        "reason": "",
        "via": "api",
        "reopened": False,
    }
    assert view(client, done, token=token_of(done))["timeline"][-1]["text"] == "已解决，满意"
    assert_error(rate(client, done, token=token_of(done), **SOLVED), 409, "already_rated")


def test_close_rate_reopen_close_and_rate_again_within_the_reopenings(
    client, done, handler, monkeypatch
):
    max_reopens(monkeypatch, 1)
    token = token_of(done)
    first = ok(rate(client, done, token=token, **POOR))
    assert first["reopened"] is True and first["status"] == "in_progress"
    assert first["reopen_count"] == 1 and first["rating"]["round"] == 0
    seen = view(client, done, handler)
    assert seen["status"] == "in_progress" and seen["reopen_count"] == 1
    assert seen["timeline"][-1]["text"] == "第 1 次重办：天花板还在滴水"
    assert [r["tracking_number"] for r in listed(client, handler, flagged="true")["items"]] == [
        done["tracking_number"]
    ]
    closed(client, done, handler, text="重新做了防水层，已不再滴水。")
    second = ok(rate(client, done, token=token, **POOR | {"reason": "还是漏"}))
    # No reopenings left: the answer stands and the supervisor follows it up.
    assert second["reopened"] is False and second["status"] == "closed"
    assert second["rating"]["round"] == 1 and second["reopen_count"] == 1
    supervisor = demo_headers(client, "supervisor")
    assert listed(client, supervisor, flagged="true", status="closed")["total"] == 1
    assert_error(rate(client, done, token=token, **SOLVED), 409, "already_rated")


def test_no_reopening_when_none_are_allowed(client, done, monkeypatch):
    max_reopens(monkeypatch, 0)
    answer = ok(rate(client, done, token=token_of(done), **POOR))
    assert answer["status"] == "closed" and answer["reopened"] is False


def test_an_operator_records_a_phone_call_back(client, done):
    operator = demo_headers(client, "operator")
    error = assert_error(
        rate(client, done, operator, resolved=False, satisfaction="basic"), 422, "validation_error"
    )
    assert fields_of(error) == {"reason": "群众不满意或未解决时，请记下原因"}
    answer = ok(rate(client, done, operator, resolved=True, satisfaction="basic", reason=""))
    assert (
        answer["rating"]["via"] == "phone" and answer["rating"]["satisfaction_label"] == "基本满意"
    )


def test_only_the_reporter_or_the_hotline_rates(client, done, handler):
    other = report_leak(client)
    assert_error(rate(client, done, token=token_of(other), **SOLVED), 403, "forbidden")
    assert_error(rate(client, done, token="x" * 32, **SOLVED), 403, "forbidden")
    assert_error(rate(client, done, **SOLVED), 401, "not_authenticated")
    error = assert_error(rate(client, done, handler, **SOLVED), 403, "forbidden")
    assert error["message"] == "只有话务员可以记录电话回访。"
    bad_bearer = {"Authorization": "Bearer not-a-token"}
    assert_error(
        rate(client, done, bad_bearer, token=token_of(done), **SOLVED), 401, "invalid_token"
    )


def test_a_request_is_rated_only_once_closed_and_with_known_answers(client, leak):
    token = token_of(leak)
    assert_error(rate(client, leak, token=token, **SOLVED), 409, "not_closed")
    error = assert_error(
        rate(client, leak, token=token, resolved=True, satisfaction="so-so"),
        422,
        "validation_error",
    )
    assert "satisfaction" in fields_of(error)
    long = rate(client, leak, token=token, **SOLVED | {"reason": "很" * 501})
    assert "reason" in fields_of(assert_error(long, 422, "validation_error"))
    unknown = {"tracking_number": "KS20991231-9999"}
    assert_error(rate(client, unknown, token=token, **SOLVED), 404, "not_found")
