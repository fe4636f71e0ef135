"""The three rates through GET /api/v1/stats/rates, against a small month worked out by hand.

October 2026 (local time). Each request's unit, town, acceptance and rating are chosen so that
every count below can be read off this table (w2, the weight of 基本满意, set to 0.8):

  A 住建局    巴城  accepted in time   rated solved, 满意
  B 住建局    周市  accepted late      rated solved, 基本满意
  C 住建局    巴城  accepted in time   rated unsolved (reopened), closed again, rated solved, 满意
  D 巴城镇政府 巴城  never accepted     open past its limit
  E 周市镇政府 周市  accepted in time   open past its limit
  T 12345热线 巴城  in triage          open past its limit
  G a duplicate of A, merged: left out.  N received in November: left out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.core.settings import get_settings
from minsheng.requests.models import CitizenRequest
from tests.requests import (
    BACHENG,
    CENTRE,
    HOUSING_BUREAU,
    ZHOUSHI,
    assert_error,
    demo_headers,
    fields_of,
    load_demo,
    submit,
    token_of,
    unit,
)
from tests.requests.handling import LEAK, accepted, act, closed, ok, staff_of

W2 = 0.8
SOLVED = {"resolved": True, "satisfaction": "satisfied"}


@pytest.fixture
def october(client, db, monkeypatch) -> dict[str, dict]:
    monkeypatch.setenv("MINSHENG_BASIC_WEIGHT", str(W2))
    get_settings.cache_clear()
    load_demo(db)
    operator = demo_headers(client, "operator")
    handler = demo_headers(client, "handler")

    def entered(day: str, **changes: object) -> dict:
        fields = {**LEAK, "town": BACHENG, **changes}
        when = f"2026-{day}T09:00:00+08:00"
        return submit(client, operator, channel="hotline", received_at=when, **fields)

    made = {
        "A": entered("10-12"),
        "B": entered("10-13", town=ZHOUSHI),
        "C": entered("10-14"),
        "D": entered("10-15", category="urban.stall"),
        "E": entered("10-20", category="urban.stall", town=ZHOUSHI),
        "T": entered("10-21", category="other"),
        "G": entered("10-22"),
        "N": entered("11-02"),
    }
    assert made["T"]["unit"] == CENTRE and made["D"]["unit"] == "巴城镇人民政府"
    assert made["E"]["unit"] == "周市镇人民政府" and made["B"]["unit"] == HOUSING_BUREAU

    def rate(key: str, **answer: object) -> dict:
        number = made[key]["tracking_number"]
        body = {"token": token_of(made[key]), **answer}
        return ok(client.post(f"/api/v1/requests/{number}/rating", json=body))

    for key in "ABC":
        accepted(client, made[key], handler)
        closed(client, made[key], handler)
    rate("A", **SOLVED)
    rate("B", resolved=True, satisfaction="basic")
    assert rate("C", resolved=False, satisfaction="dissatisfied", reason="没修好")["reopened"]
    closed(client, made["C"], handler, text="重新修补了防水层。")
    rate("C", **SOLVED)
    accepted(client, made["E"], staff_of(client, db, "周市镇人民政府"))
    merge = {"into": made["A"]["tracking_number"], "version": 1}
    ok(act(client, made["G"], "merge", operator, **merge))
    # Acceptance times as the month really went: 30 minutes after receipt, or three days late.
    for key, delay in {"A": 0.5, "B": 72, "C": 0.5, "E": 0.5}.items():
        request = db.scalar(
            select(CitizenRequest).where(
                CitizenRequest.tracking_number == made[key]["tracking_number"]
            )
        )
        request.accepted_at = request.received_at + dt.timedelta(hours=delay)
        assert (request.accepted_at <= request.response_due_at) is (delay < 1)
    db.commit()
    return made


def rates(client, **params: str) -> dict:
    return dict(ok(client.get("/api/v1/stats/rates", params=params)))


def figures(row: dict) -> dict:
    """Each rate as (numerator, denominator, value), and the count of requests."""
    out: dict = {"requests": row["requests"]}
    for name in ("response", "resolution", "satisfaction"):
        rate = row[name]
        out[name] = (rate["numerator"], rate["denominator"], rate["value"])
    return out


def test_rates_by_unit_and_the_city(client, db, october):
    report = rates(client, month="2026-10", by="unit")  # no token: the figures are public
    assert report["month"] == "2026-10" and report["by"] == "unit"
    rows = {row["name"]: row for row in report["rows"]}
    assert [(r["name"], r["rank"]) for r in report["rows"]] == [
        (HOUSING_BUREAU, 1),
        ("周市镇人民政府", 2),
        ("巴城镇人民政府", 3),
        (CENTRE, 4),
    ]
    assert rows[HOUSING_BUREAU]["key"] == str(unit(db, HOUSING_BUREAU).id)
    # 住建局: A and C accepted in time, B late; all three rated solved (C on its second round).
    assert figures(rows[HOUSING_BUREAU]) == {
        "requests": 3,
        "response": (2, 3, round(2 / 3, 4)),
        "resolution": (3, 3, 1.0),
        "satisfaction": (2 + W2, 3, round((2 + W2) / 3, 4)),
    }
    # 周市镇政府: E accepted in time, but open past its limit.
    assert figures(rows["周市镇人民政府"]) == {
        "requests": 1,
        "response": (1, 1, 1.0),
        "resolution": (0, 1, 0.0),
        "satisfaction": (0, 1, 0.0),
    }
    # 巴城镇政府: D never accepted and open past both limits.
    assert figures(rows["巴城镇人民政府"]) == {
        "requests": 1,
        "response": (0, 1, 0.0),
        "resolution": (0, 1, 0.0),
        "satisfaction": (0, 1, 0.0),
    }
    # The centre: T never left triage, so it has no response figure, but it is overdue.
    assert figures(rows[CENTRE]) == {
        "requests": 1,
        "response": (0, 0, None),
        "resolution": (0, 1, 0.0),
        "satisfaction": (0, 1, 0.0),
    }
    city = report["city"]
    assert city["key"] == "all" and city["name"] == "全市"
    assert figures(city) == {
        "requests": 6,
        "response": (3, 5, 0.6),
        "resolution": (3, 6, 0.5),
        "satisfaction": (2 + W2, 6, round((2 + W2) / 6, 4)),
    }
    assert "基本满意数 × 0.8" in city["satisfaction"]["formula"]
    assert city["response"]["formula"].startswith("按时签收数 ÷ 派单数")
    assert "138" not in str(report) and "王小明" not in str(report)


def test_rates_by_town(client, october):
    report = rates(client, month="2026-10", by="town")
    rows = {row["key"]: row for row in report["rows"]}
    assert set(rows) == {BACHENG, ZHOUSHI}
    assert rows[BACHENG]["name"] == "巴城镇" and rows[ZHOUSHI]["name"] == "周市镇"
    # 巴城: A, C, D, T. A and C in time of the three dispatched; A and C solved; D, T overdue.
    assert figures(rows[BACHENG]) == {
        "requests": 4,
        "response": (2, 3, round(2 / 3, 4)),
        "resolution": (2, 4, 0.5),
        "satisfaction": (2, 4, 0.5),
    }
    # 周市: B late and solved (基本满意), E in time and overdue.
    assert figures(rows[ZHOUSHI]) == {
        "requests": 2,
        "response": (1, 2, 0.5),
        "resolution": (1, 2, 0.5),
        "satisfaction": (W2, 2, round(W2 / 2, 4)),
    }
    assert [r["key"] for r in report["rows"]] == [BACHENG, ZHOUSHI]
    assert figures(report["city"]) == figures(rates(client, month="2026-10")["city"])


def test_a_month_without_requests_has_no_figures(client, october):
    report = rates(client, month="2026-09", by="town")
    assert report["rows"] == []
    assert figures(report["city"]) == {
        "requests": 0,
        "response": (0, 0, None),
        "resolution": (0, 0, None),
        "satisfaction": (0, 0, None),
    }
    november = rates(client, month="2026-11")
    assert november["city"]["requests"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-1"}, "month"),
        ({"month": "十月"}, "month"),
        ({}, "month"),
        ({"month": "2026-10", "by": "category"}, "by"),
        ({"month": "2026-10-01"}, "month"),
        ({"month": "2026-10" * 5}, "month"),
    ],
)
def test_a_bad_month_or_grouping_is_422(client, kunshan_only, params, field):
    error = assert_error(client.get("/api/v1/stats/rates", params=params), 422, "validation_error")
    messages = {name.removeprefix("query."): text for name, text in fields_of(error).items()}
    assert messages[field], messages


@pytest.fixture
def kunshan_only(db) -> None:
    load_demo(db)


def test_received_at_is_the_month_in_local_time(client, db, october):
    """A request received at 00:30 on 1 November in Kunshan is November's, though UTC says
    October."""
    operator = demo_headers(client, "operator")
    late = submit(
        client,
        operator,
        **LEAK,
        town=BACHENG,
        channel="hotline",
        received_at="2026-11-01T00:30:00+08:00",
    )
    assert late["status"] == "dispatched"
    assert rates(client, month="2026-10")["city"]["requests"] == 6
    assert rates(client, month="2026-11")["city"]["requests"] == 2
