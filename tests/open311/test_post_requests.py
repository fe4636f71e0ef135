"""POST requests: filing enters the normal dispatch; every bad input is the spec's error and
leaves nothing behind."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from minsheng.audit.models import AuditEvent
from minsheng.open311.models import Open311Request
from minsheng.requests.models import Channel, CitizenRequest, Status
from tests.open311 import (
    FORM,
    HOUSING_BUREAU,
    PHONE,
    as_dict,
    children,
    json_list,
    leak,
    post,
    spec_error,
    xml_root,
)


def stored(db, number: str) -> CitizenRequest:
    db.expire_all()
    request = db.scalar(select(CitizenRequest).where(CitizenRequest.tracking_number == number))
    assert request is not None, number
    return request


def rows(db, model: type) -> int:
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)


def test_filing_in_xml_answers_the_number_and_notice(client, db, key):
    response = post(client, "requests", "xml", key, **leak())
    assert response.status_code == 201, response.text
    root = xml_root(response, "service_requests")
    assert children(root) == ["request"]
    request = root[0]
    assert children(request) == ["service_request_id", "service_notice", "account_id", "token"]
    fields = as_dict(request)
    assert fields["service_request_id"].startswith("KS")
    assert HOUSING_BUREAU in fields["service_notice"]
    assert fields["account_id"] == ""
    assert fields["token"]


def test_filing_in_json_enters_the_normal_dispatch_with_the_integration(client, db, key):
    response = post(client, "requests", "json", key, **leak(account_id="fms-42"))
    assert response.status_code == 201, response.text
    (answer,) = json_list(response)
    assert list(answer) == ["service_request_id", "service_notice", "account_id", "token"]
    assert answer["account_id"] == "fms-42"
    request = stored(db, answer["service_request_id"])
    assert request.channel == Channel.open311
    assert request.status == Status.dispatched
    assert request.unit is not None and request.unit.name == HOUSING_BUREAU
    assert request.town is not None and request.town.name == "巴城镇"
    assert request.title == "楼上卫生间漏水，已经渗到我家天花板，墙面发霉。"[:40]
    assert (request.latitude, request.longitude) == (31.4372, 120.8755)
    # Personal data goes where the handler's contact fields are, masked for others.
    assert (request.contact_name, request.contact_phone) == ("王小明", PHONE)
    submitted = request.events[0]
    assert submitted.kind == "submitted"
    assert "Open311对接" in submitted.text and "FixMyStreet 昆山站" in submitted.text
    record = db.scalar(select(Open311Request).where(Open311Request.request_id == request.id))
    assert record is not None and record.email == "wang@example.com"
    db.commit()


def test_coordinates_alone_are_enough_and_the_request_is_routed_by_category(client, db, key):
    fields = leak(address_string=None)
    answer = json_list(post(client, "requests", "json", key, **fields))[0]
    request = stored(db, answer["service_request_id"])
    assert request.town_id is None  # the dispatch centre places it
    assert request.unit is not None and request.unit.name == HOUSING_BUREAU
    db.commit()


def test_address_id_is_a_division_code(client, db, key):
    fields = leak(address_string=None, lat=None, long=None, address_id="320583102")
    answer = json_list(post(client, "requests", "json", key, **fields))[0]
    request = stored(db, answer["service_request_id"])
    assert request.town is not None and request.town.name == "周市镇"
    db.commit()
    # FixMyStreet's "not pinpointed" marker with coordinates is accepted.
    fields = leak(address_string=None, address_id="#NOTPINPOINTED#", description="另一处漏水情况")
    assert post(client, "requests", "json", key, **fields).status_code == 201


def test_attributes_are_checked_and_kept_for_the_handler(client, db, key):
    fields = leak(
        service_code="environment.noise",
        description="每天夜里工地施工，噪声很大，无法入睡。",
        **{
            "attribute[sources][]": ["construction", "vehicle"],
            "attribute[since]": "2026-11-20T22:00:00+08:00",
            "attribute[unknown]": "ignored",
        },
    )
    response = post(client, "requests", "json", key, **fields)
    assert response.status_code == 201, response.text
    request = stored(db, response.json()[0]["service_request_id"])
    supplement = next(e for e in request.events if e.kind == "supplement")
    assert "噪声来自哪里？：建筑施工、车辆" in supplement.text
    assert "2026-11-20T22:00:00+08:00" in supplement.text
    assert not supplement.public
    record = db.scalar(select(Open311Request).where(Open311Request.request_id == request.id))
    assert record is not None
    assert record.answers == {
        "sources": ["construction", "vehicle"],
        "since": "2026-11-20T22:00:00+08:00",
    }
    db.commit()


def test_media_url_is_kept_and_shown_to_the_handler(client, db, key):
    url = "https://fms.example.org/photo/42.jpeg"
    answer = json_list(post(client, "requests", "json", key, **leak(media_url=url)))[0]
    request = stored(db, answer["service_request_id"])
    assert any(url in e.text for e in request.events if e.kind == "supplement")
    db.commit()


def test_a_retry_of_the_same_report_gets_the_same_number(client, db, key):
    first = post(client, "requests", "json", key, **leak(device_id="phone-1"))
    again = post(client, "requests", "json", key, **leak(device_id="phone-1"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert again.json()[0]["token"] == first.json()[0]["token"]
    other = post(client, "requests", "json", key, **leak(device_id="phone-2"))
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert rows(db, CitizenRequest) == 2


def test_a_short_or_missing_description_still_files(client, db, key):
    answer = json_list(post(client, "requests", "json", key, **leak(description=None)))[0]
    request = stored(db, answer["service_request_id"])
    assert request.title == "房屋渗漏" and "房屋渗漏" in request.description
    db.commit()


# Bad input: the specification's error, nothing written.


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_missing_key_is_403(client, db, kunshan, fmt):
    (message,) = spec_error(post(client, "requests", fmt, None, **leak()), 403, fmt)
    assert "api_key" in message
    assert rows(db, CitizenRequest) == 0


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_wrong_or_revoked_key_is_403(client, db, admin, key, fmt):
    spec_error(post(client, "requests", fmt, "o311_not-a-key", **leak()), 403, fmt)
    key_id = client.get("/api/v1/api-keys", headers=admin).json()[0]["id"]
    assert client.delete(f"/api/v1/api-keys/{key_id}", headers=admin).status_code == 200
    (message,) = spec_error(post(client, "requests", fmt, key, **leak()), 403, fmt)
    assert "吊销" in message
    assert rows(db, CitizenRequest) == 0


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"service_code": "no.such"}, 404, "service_code"),
        ({"service_code": None}, 400, "service_code"),
        ({"lat": None, "long": None, "address_string": None}, 400, "address_string"),
        ({"lat": "abc"}, 400, "lat"),
        ({"lat": "95"}, 400, "lat"),
        ({"long": "-181"}, 400, "long"),
        ({"long": None, "address_string": None}, 400, "long"),
        ({"lat": "nan"}, 400, "lat"),
        (
            {"address_id": "999999999", "address_string": None, "lat": None, "long": None},
            400,
            "address_id",
        ),
        ({"description": "长" * 4001}, 400, "4000"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": "12345"}, 400, "phone"),
        ({"email": "not an email"}, 400, "email"),
        ({"description": "漏水\x00了"}, 400, "description"),
        ({"device_id": "phone\x00"}, 400, "device_id"),
        ({"service_code": "housing\x00leak"}, 400, "service_code"),
        ({"jurisdiction_id": "110101"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_input_is_the_spec_error_and_writes_nothing(
    client, db, key, fmt, changes, status, words
):
    response = post(client, "requests", fmt, key, **leak(**changes))
    messages = spec_error(response, status, fmt)
    assert any(words in m for m in messages), messages
    assert rows(db, CitizenRequest) == 0
    assert rows(db, Open311Request) == 0


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({}, "attribute[hazard]"),  # required
        ({"attribute[hazard]": "volcano"}, "volcano"),  # not an option
        ({"attribute[hazard]": "pothole", "attribute[width_m]": "wide"}, "数字"),
        ({"attribute[hazard]": ["pothole", "manhole"]}, "一个值"),
    ],
)
def test_answers_are_checked_against_the_definition(client, db, key, fmt, answers, words):
    fields = leak(service_code="traffic.road", description="路面有个大坑，车辆经过很危险。")
    messages = spec_error(post(client, "requests", fmt, key, **fields, **answers), 400, fmt)
    assert any(words in m for m in messages), messages
    assert rows(db, CitizenRequest) == 0


def test_every_problem_is_told_at_once(client, key):
    fields = leak(
        service_code="environment.noise",
        lat="200",
        description="x" * 4001,
        **{"attribute[since]": "yesterday", "attribute[sources]": "aliens"},
    )
    messages = spec_error(post(client, "requests", "json", key, **fields), 400)
    joined = " ".join(messages)
    for words in ("attribute[sources]", "attribute[since]", "lat", "description"):
        assert words in joined, messages


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain", ""]
)
def test_only_form_encoded_bodies_are_read(client, db, key, fmt, content_type):
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        content=b'{"api_key": "%s", "service_code": "housing.leak"}' % key.encode(),
        headers={"content-type": content_type} if content_type else {},
    )
    (message,) = spec_error(response, 400, fmt)
    assert "x-www-form-urlencoded" in message
    assert rows(db, CitizenRequest) == 0


def test_a_body_that_is_not_utf8_is_400(client, db, key):
    body = b"api_key=" + key.encode() + b"&description=%FF%FE&service_code=housing.leak"
    response = client.post("/open311/v2/requests.json", content=body, headers=FORM)
    spec_error(response, 400)
    assert rows(db, CitizenRequest) == 0


def test_refused_and_keyed_calls_are_in_the_audit_trail(client, db, key):
    assert post(client, "requests", "json", key, **leak()).status_code == 201
    spec_error(post(client, "requests", "json", key, **leak(lat="abc")), 400)
    spec_error(post(client, "requests", "json", "o311_wrong", **leak()), 403)
    events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    db.commit()
    calls = [e for e in events if e.action == "open311_call"]
    refused = [e for e in events if e.action == "open311_refused"]
    assert len(calls) == 1 and json.loads(calls[0].summary)["status"] == 201
    assert calls[0].actor_kind == "integration" and "FixMyStreet" in calls[0].actor_label
    assert [json.loads(e.summary)["status"] for e in refused] == [400, 403]
    assert refused[0].object_type == "open311_api_key"
    assert refused[1].object_type == "open311"  # no valid key: nothing to name
    # The request itself was written by the integration, as the row-change trail says.
    created = next(e for e in events if e.action == "create" and e.object_type == "citizen_request")
    assert created.actor_kind == "integration"
    # No key, right or wrong, is kept: only the issued key's first characters.
    assert not any(key in e.summary or "o311_wrong" in e.summary for e in events)
