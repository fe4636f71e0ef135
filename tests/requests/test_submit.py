"""Submitting a request through POST /api/v1/requests: numbers, time limits, routing,
idempotency, rate limits, validation, the SMS to the reporter."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from minsheng.core.db import Actor, Base, utcnow
from minsheng.core.settings import get_settings
from minsheng.core.workdays import default_calendar
from minsheng.notify.models import OutboundMessage
from minsheng.requests import service
from minsheng.requests.models import Channel, CitizenRequest, RequestEvent, Status, TrackingCounter
from minsheng.requests.schemas import RequestCreate
from tests.requests import (
    BACHENG,
    CENTRE,
    HOUSING_BUREAU,
    PHONE,
    ZHOUSHI,
    assert_error,
    at,
    away_from_the_hour,
    body,
    count,
    demo_headers,
    fields_of,
    load_demo,
    region,
    submit,
    token_of,
    unit,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def kunshan(db) -> None:
    load_demo(db)


@pytest.fixture
def operator(client, kunshan) -> dict[str, str]:
    return demo_headers(client, "operator")


def table_counts(db) -> dict[str, int]:
    counts = {
        t.name: int(db.scalar(select(func.count()).select_from(t)) or 0)
        for t in Base.metadata.sorted_tables
    }
    db.commit()
    return counts


def stored(db, tracking_number: str) -> CitizenRequest:
    request = db.scalar(
        select(CitizenRequest).where(CitizenRequest.tracking_number == tracking_number)
    )
    assert request is not None, tracking_number
    db.commit()
    return request


# Tracking numbers


def test_tracking_number_is_the_local_day_of_receipt_and_a_running_number(client, db, kunshan):
    first = submit(client)
    second = submit(client, title="夜市摊贩又来了")
    calendar = default_calendar()
    day = calendar.local_day(stored(db, first["tracking_number"]).received_at)
    assert first["tracking_number"] == f"KS{day:%Y%m%d}-0001"
    next_day = calendar.local_day(stored(db, second["tracking_number"]).received_at)
    running = 2 if next_day == day else 1  # the two may straddle midnight in Kunshan
    assert second["tracking_number"] == f"KS{next_day:%Y%m%d}-{running:04d}"
    assert count(db, CitizenRequest) == 2


def test_numbers_restart_each_local_day_counted_from_received_at(client, db, operator):
    def filed(received_at: str) -> str:
        created = submit(client, operator, channel="hotline", received_at=received_at)
        return str(created["tracking_number"])

    # 16:30 UTC on the 30th is already 00:30 on 1 October in Kunshan.
    assert filed("2026-09-30T16:30:00Z") == "KS20261001-0001"
    assert filed("2026-09-30T23:59:00+08:00") == "KS20260930-0001"
    assert filed("2026-09-30T08:00:00+08:00") == "KS20260930-0002"
    assert filed("2026-10-01T09:00:00+08:00") == "KS20261001-0002"
    assert filed("2026-09-30T00:00:00+08:00") == "KS20260930-0003"
    counters = {c.day: c.last for c in db.scalars(select(TrackingCounter))}
    db.commit()
    assert counters == {dt.date(2026, 9, 30): 3, dt.date(2026, 10, 1): 2}


# Time limits (the acceptance example)


def test_hotline_request_of_30_september_is_not_due_in_the_national_day_holiday(
    client, db, operator
):
    """7 working days from Wednesday 2026-09-30: 1–7 October are off, Saturday the 10th is a
    make-up working day, so the last day is Thursday 15 October."""
    created = submit(
        client,
        operator,
        channel="hotline",
        category="housing.leak",
        title="楼上卫生间漏水",
        description="楼上卫生间漏水，已经渗到我家天花板，墙面发霉，联系楼上住户一直没有人。",
        received_at="2026-09-30T10:00:00+08:00",
    )
    assert created["tracking_number"] == "KS20260930-0001"
    assert at(created["resolve_due_at"]) == dt.datetime(2026, 10, 16, tzinfo=SHANGHAI)
    assert default_calendar().last_day(at(created["resolve_due_at"])) == dt.date(2026, 10, 15)
    # The housing category answers within 4 working hours: the same afternoon.
    assert at(created["response_due_at"]) == dt.datetime(2026, 9, 30, 14, 0, tzinfo=SHANGHAI)
    assert created["status"] == "dispatched" and created["unit"] == HOUSING_BUREAU
    request = stored(db, created["tracking_number"])
    assert request.received_at == dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)
    assert request.channel == Channel.hotline
    assert request.resolve_due_at == dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC)
    assert request.entered_by_id is not None


def test_without_received_at_the_limits_count_from_now(client, db, kunshan):
    before = utcnow()
    created = submit(client, category="housing.leak")
    request = stored(db, created["tracking_number"])
    assert before <= request.received_at <= utcnow()
    expected = default_calendar().add_working_days(request.received_at, days=7)
    assert at(created["resolve_due_at"]) == expected


# Routing


def test_city_appearance_in_bacheng_goes_to_the_town_government(client, db, kunshan):
    created = submit(client, category="urban.stall", town=BACHENG)
    assert created["status"] == "dispatched"
    assert created["status_label"] == "待签收"
    assert created["unit"] == "巴城镇人民政府"
    request = stored(db, created["tracking_number"])
    assert request.unit_id == unit(db, "巴城镇人民政府").id
    assert request.town_id == region(db, "巴城镇").id
    kinds = [(e.kind, e.unit_id) for e in request.events]
    assert kinds == [("submitted", None), ("dispatched", request.unit_id)]
    assert "巴城镇人民政府" in request.events[1].text


def test_rule_of_a_town_reaches_requests_from_its_communities(client, db, kunshan):
    community = region(db, "并蒂莲社区")
    created = submit(client, category="urban.litter", town=BACHENG, community=str(community.id))
    assert created["unit"] == "巴城镇人民政府"
    request = stored(db, created["tracking_number"])
    assert request.region_id == community.id and request.town_id == region(db, "巴城镇").id


def test_without_a_town_rule_the_category_default_unit_takes_it(client, kunshan):
    created = submit(client, category="urban.stall", town="320583106")  # 张浦镇: no rule
    assert created["unit"] == "昆山市城市管理局"
    assert created["status"] == "dispatched"


def test_category_other_waits_in_the_dispatch_centre_triage_queue(client, db, kunshan):
    created = submit(client, category="other", title="其他问题反映", town=ZHOUSHI)
    assert created["status"] == "triage"
    assert created["status_label"] == "待分拣"
    assert created["unit"] == CENTRE
    request = stored(db, created["tracking_number"])
    assert request.status == Status.triage
    assert request.unit_id == unit(db, CENTRE).id
    assert [e.kind for e in request.events] == ["submitted", "triage"]


# Idempotency


def test_same_idempotency_key_twice_makes_one_request(client, db, kunshan):
    key = {"Idempotency-Key": "3f1c7a2e-double-click"}
    first = client.post("/api/v1/requests", json=body(), headers=key)
    again = client.post("/api/v1/requests", json=body(), headers=key)
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert again.json()["tracking_number"] == first.json()["tracking_number"]
    assert first.json()["follow_url"]
    assert again.json()["follow_url"] == ""  # the secret is only ever handed out once
    assert count(db, CitizenRequest) == 1
    assert count(db, OutboundMessage) == 1  # one SMS, not two
    # Another key is another request.
    other = client.post("/api/v1/requests", json=body(), headers={"Idempotency-Key": "other"})
    assert other.json()["tracking_number"] != first.json()["tracking_number"]
    assert count(db, CitizenRequest) == 2


def test_idempotency_key_works_for_operators_too(client, db, operator):
    headers = {**operator, "Idempotency-Key": "hotline-call-0930-1"}
    data = body(channel="hotline", received_at="2026-09-30T10:00:00+08:00")
    first = client.post("/api/v1/requests", json=data, headers=headers)
    again = client.post("/api/v1/requests", json=data, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["tracking_number"] == again.json()["tracking_number"] == "KS20260930-0001"
    assert count(db, CitizenRequest) == 1


def test_too_long_idempotency_key_is_refused(client, db, kunshan):
    response = client.post("/api/v1/requests", json=body(), headers={"Idempotency-Key": "k" * 81})
    assert_error(response, 422, "validation_error")
    assert count(db, CitizenRequest) == 0


def test_a_double_click_at_the_same_moment_makes_one_request(app, database, db, kunshan):
    """Two submissions with one key racing: the second waits for the first and answers with it,
    instead of failing on the unique key. (`app` attaches the job queue the SMS goes through.)"""
    data = RequestCreate.model_validate(body())
    flushed, release = threading.Event(), threading.Event()
    numbers: dict[str, str] = {}
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with database.session(Actor(kind="anonymous")) as s:
                request, token = service.submit(
                    s, data=data, client_addr="10.0.0.1", idempotency_key="same-click"
                )
                assert token is not None
                numbers["first"] = request.tracking_number
                flushed.set()
                release.wait(10)
        except BaseException as exc:  # reported below
            failures.append(exc)
            flushed.set()

    def second() -> None:
        flushed.wait(10)
        try:
            with database.session(Actor(kind="anonymous")) as s:
                request, _ = service.submit(
                    s, data=data, client_addr="10.0.0.1", idempotency_key="same-click"
                )
                numbers["second"] = request.tracking_number
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    flushed.wait(10)
    time.sleep(0.5)  # the second is now waiting on the first's uncommitted rows
    release.set()
    for t in threads:
        t.join(30)
    assert not failures, failures
    assert numbers["first"] == numbers["second"]
    assert count(db, CitizenRequest) == 1
    assert count(db, OutboundMessage) == 1


# Anonymous rate limit


@pytest.fixture
def limited(database, kunshan, monkeypatch) -> Iterator[Callable[[str], TestClient]]:
    """An app allowing 2 anonymous requests an hour per address and per phone; gives clients
    coming from the address named."""
    monkeypatch.setenv("MINSHENG_ANONYMOUS_REQUESTS_PER_HOUR", "2")
    get_settings.cache_clear()
    from minsheng.app import create_app

    app = create_app(get_settings(), database=database)
    clients: list[TestClient] = []

    def from_addr(addr: str) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False, client=(addr, 40000))
        c.__enter__()
        clients.append(c)
        return c

    away_from_the_hour()
    yield from_addr
    for c in clients:
        c.__exit__(None, None, None)


def test_anonymous_requests_are_limited_per_address(limited, db):
    client = limited("203.0.113.7")
    for n in range(2):
        submit(client, contact={"phone": f"1391234000{n}"})
    before = table_counts(db)
    response = client.post("/api/v1/requests", json=body(contact={"phone": "13912340009"}))
    error = assert_error(response, 429, "rate_limited")
    assert "请一小时后再试" in error["message"]
    assert error["details"] == {"retry_after": 3600}
    assert response.headers["retry-after"] == "3600"
    assert table_counts(db) == before  # no request, no number, no SMS, no audit, no count
    # Another address is not held back by this one.
    submit(limited("198.51.100.20"), contact={"phone": "13912340010"})


def test_anonymous_requests_are_limited_per_phone_across_addresses(limited, db):
    submit(limited("203.0.113.1"))
    submit(limited("203.0.113.2"))
    response = limited("203.0.113.3").post("/api/v1/requests", json=body())
    assert_error(response, 429, "rate_limited")
    # Without the phone the third address may still report.
    submit(limited("203.0.113.3"), contact=None)
    assert count(db, CitizenRequest) == 3


def test_retrying_with_the_same_key_is_not_counted_against_the_limit(limited, db):
    client = limited("203.0.113.9")
    key = {"Idempotency-Key": "retry-me"}
    first = client.post("/api/v1/requests", json=body(), headers=key)
    for _ in range(3):
        again = client.post("/api/v1/requests", json=body(), headers=key)
        assert again.status_code == 201, again.text
        assert again.json()["tracking_number"] == first.json()["tracking_number"]
    assert count(db, CitizenRequest) == 1


def test_staff_entering_requests_are_not_rate_limited(limited, db):
    client = limited("10.1.1.1")
    headers = demo_headers(client, "operator")
    for _ in range(4):
        submit(client, headers, channel="hotline")
    assert count(db, CitizenRequest) == 4


# Validation


def post_invalid(client, headers=None, **changes) -> dict[str, str]:
    response = client.post("/api/v1/requests", json=body(**changes), headers=headers or {})
    return fields_of(assert_error(response, 422, "validation_error"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category": "no.such.category"}, "category", "请选择一个分类"),
        ({"category": ""}, "category", "请填写这一项"),
        ({"town": "320583"}, "town", "没有区划代码为“320583”的区镇"),  # the city, not a town
        ({"town": "999999999"}, "town", "没有区划代码为“999999999”的区镇"),
        ({"town": "巴城镇"}, "town", "没有区划代码为“巴城镇”的区镇"),  # a name, not a code
        ({"title": "漏"}, "title", "至少 2 个字"),
        ({"title": "   "}, "title", "至少 2 个字"),
        ({"title": "长" * 101}, "title", "太长了，最多 100 个字"),
        ({"description": "很" * 4001}, "description", "太长了，最多 4000 个字"),
        ({"description": ""}, "description", "至少 5 个字"),
        ({"contact": {"phone": "12345"}}, "contact.phone", "请填写 11 位手机号码"),
        ({"contact": {"phone": "0512-57512345"}}, "contact.phone", "请填写 11 位手机号码"),
        ({"channel": "hotline"}, "channel", "这个渠道只能由工作人员录入"),
        ({"channel": "reception_day"}, "channel", "这个渠道只能由工作人员录入"),
        ({"channel": "telegram"}, "channel", "请从列表中选择"),
        ({"latitude": 91}, "latitude", "不能大于 90"),
        ({"description": "漏水漏水\u0000漏水"}, "description", "控制字符"),
        ({"title": "漏水\u001b[31m"}, "title", "控制字符"),
        ({"contact": {"name": "王\u0000", "phone": PHONE}}, "contact.name", "控制字符"),
    ],
)
def test_each_bad_field_gets_its_chinese_message(client, db, kunshan, changes, field, message):
    fields = post_invalid(client, **changes)
    assert message in fields[field], fields
    assert count(db, CitizenRequest) == 0


def test_community_must_lie_in_the_town(client, db, kunshan):
    elsewhere = region(db, "长泾社区")  # in 周市镇
    fields = post_invalid(client, town=BACHENG, community=str(elsewhere.id))
    assert fields == {"community": "“巴城镇”下没有这个社区或村"}
    fields = post_invalid(client, town=BACHENG, community=BACHENG)  # the town itself
    assert fields == {"community": "“巴城镇”下没有这个社区或村"}
    fields = post_invalid(client, town=BACHENG, community="not-an-id")
    assert fields == {"community": "“巴城镇”下没有这个社区或村"}
    assert count(db, CitizenRequest) == 0


def test_a_retired_community_is_refused(client, db, kunshan):
    community = region(db, "并蒂莲社区")
    community.active = False
    db.merge(community)
    db.commit()
    fields = post_invalid(client, town=BACHENG, community=str(community.id))
    assert fields == {"community": "“巴城镇”下没有这个社区或村"}
    assert count(db, CitizenRequest) == 0


def test_a_community_is_not_a_town(client, db, kunshan):
    community = region(db, "并蒂莲社区")
    fields = post_invalid(client, town=str(community.id))
    assert list(fields) == ["town"]


def test_several_bad_fields_are_told_at_once(client, db, kunshan):
    fields = post_invalid(
        client, title="", description="短", contact={"phone": "1"}, category="urban.stall"
    )
    assert {"title", "description", "contact.phone"} <= set(fields)
    # The checks against the database are told together too.
    fields = post_invalid(client, category="nope", town="320583", channel="hotline")
    assert set(fields) == {"category", "town", "channel"}
    assert all(fields.values())


def test_received_at_must_carry_a_time_zone(client, db, operator):
    fields = post_invalid(client, operator, channel="hotline", received_at="2026-09-30T10:00:00")
    assert "受理时间需带时区" in fields["received_at"]
    assert count(db, CitizenRequest) == 0


def test_received_at_cannot_be_in_the_future(client, db, operator):
    tomorrow = (utcnow() + dt.timedelta(days=1)).isoformat()
    fields = post_invalid(client, operator, channel="hotline", received_at=tomorrow)
    assert fields == {"received_at": "受理时间不能晚于现在"}
    assert count(db, CitizenRequest) == 0


def test_anonymous_received_at_is_ignored(client, db, kunshan):
    created = submit(client, received_at="2026-01-05T09:00:00+08:00")
    request = stored(db, created["tracking_number"])
    assert request.received_at > utcnow() - dt.timedelta(minutes=5)


def test_staff_without_requests_enter_may_not_give_received_at(client, db, kunshan):
    headers = demo_headers(client, "handler")
    before = table_counts(db)
    response = client.post(
        "/api/v1/requests",
        json=body(received_at="2026-09-30T10:00:00+08:00"),
        headers=headers,
    )
    assert "代群众录入" in assert_error(response, 403, "forbidden")["message"]
    assert table_counts(db) == before


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-real-token", "Bearer ", "Basic b3BlcmF0b3I6eA=="]
)
def test_an_invalid_token_is_401_not_an_anonymous_report(client, db, kunshan, authorization):
    """An operator whose token expired must not file the call as an unattributed web report."""
    before = table_counts(db)
    response = client.post(
        "/api/v1/requests", json=body(), headers={"Authorization": authorization}
    )
    assert_error(response, 401, "invalid_token")
    assert response.headers["www-authenticate"] == "Bearer"
    assert table_counts(db) == before


def test_staff_without_requests_enter_submit_like_residents(client, db, kunshan):
    headers = demo_headers(client, "supervisor")
    fields = post_invalid(client, headers, channel="hotline")
    assert "channel" in fields
    created = submit(client, headers)
    assert stored(db, created["tracking_number"]).entered_by_id is None


def test_operator_may_use_staff_channels_and_categories(client, db, operator):
    for channel in ("hotline", "window", "reception_day", "inspection"):
        created = submit(client, operator, channel=channel)
        assert stored(db, created["tracking_number"]).channel == channel


def test_malformed_json_is_400(client, db, kunshan):
    for raw in (b'{"category": "urban.stall", ', b"not json", b'{"title": "x",}'):
        response = client.post(
            "/api/v1/requests", content=raw, headers={"content-type": "application/json"}
        )
        assert_error(response, 400, "invalid_json")
    assert count(db, CitizenRequest) == 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", ""]
)
def test_wrong_content_type_is_415(client, db, kunshan, content_type):
    response = client.post(
        "/api/v1/requests",
        content=b'{"category": "urban.stall"}',
        headers={"content-type": content_type},
    )
    assert "JSON" in assert_error(response, 415, "unsupported_media_type")["message"]
    assert count(db, CitizenRequest) == 0


def test_a_form_post_to_the_json_endpoint_is_422_not_a_crash(client, db, kunshan):
    response = client.post("/api/v1/requests", data={"category": "urban.stall"}, files={"x": b"1"})
    assert_error(response, 422, "validation_error")
    assert count(db, CitizenRequest) == 0


def test_json_of_the_wrong_shape_is_422(client, db, kunshan):
    response = client.post("/api/v1/requests", json=["urban.stall", "标题"])
    assert_error(response, 422, "validation_error")
    response = client.post("/api/v1/requests", json={})
    fields = fields_of(assert_error(response, 422, "validation_error"))
    assert {"category", "title", "description"} <= set(fields)
    assert set(fields.values()) == {"请填写这一项"}
    assert count(db, CitizenRequest) == 0


# The SMS to the reporter


def test_reporter_gets_an_sms_with_the_number_and_the_follow_link(client, db, kunshan):
    created = submit(client, contact={"name": "王小明", "phone": "+86 138-1234-5678"})
    messages = list(db.scalars(select(OutboundMessage)))
    db.commit()
    assert len(messages) == 1
    sms = messages[0]
    assert sms.channel == "sms" and sms.recipient == PHONE
    assert sms.purpose == "request_received"
    assert created["tracking_number"] in sms.body
    link = f"{get_settings().base_url}/f/{token_of(created)}"
    assert link in sms.body and created["follow_url"] == link
    # The link's token is the reporter's: it opens the title through the API.
    followed = client.get(
        f"/api/v1/requests/{created['tracking_number']}", params={"token": token_of(created)}
    )
    assert followed.json()["title"] == "夜市摊贩占用人行道"


def test_no_sms_without_a_phone(client, db, kunshan):
    created = submit(client, contact={"name": "王小明"})
    assert created["follow_url"]
    assert count(db, OutboundMessage) == 0
    submit(client, contact=None)
    assert count(db, OutboundMessage) == 0


def test_operator_entry_texts_the_resident_too(client, db, operator):
    created = submit(client, operator, channel="hotline", contact={"phone": "13900001111"})
    sms = db.scalar(select(OutboundMessage))
    db.commit()
    assert sms is not None and sms.recipient == "13900001111"
    assert created["tracking_number"] in sms.body


def test_timeline_names_who_entered_it(client, db, operator):
    created = submit(client, operator, channel="hotline")
    request = stored(db, created["tracking_number"])
    events = list(db.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id)))
    db.commit()
    assert events[0].actor_label == "话务员 张丽" and events[0].text == "通过热线电话受理"
    assert events[1].actor_label == "系统"
