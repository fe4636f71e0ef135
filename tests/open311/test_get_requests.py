"""GET requests, GET requests/{id} and tokens/{token}: the spec's fields in its order, the
filters and their errors, and no personal data ever."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.requests.models import CitizenRequest
from tests.open311 import (
    PHONE,
    REQUEST_FIELDS,
    as_dict,
    children,
    get,
    json_list,
    leak,
    post,
    spec_error,
    xml_root,
)
from tests.requests import body as web_body


def filed(client, key: str, **changes) -> dict:
    response = post(client, "requests", "json", key, **leak(**changes))
    assert response.status_code == 201, response.text
    return dict(response.json()[0])


def web_report(client, **changes) -> str:
    """A resident's report on the web form's API (another channel), its number."""
    response = client.post("/api/v1/requests", json=web_body(**changes))
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_number"])


@pytest.fixture
def two(client, key) -> tuple[str, str]:
    media = "https://fms.example.org/p/1.jpeg"
    first = filed(client, key, media_url=media, description="漏水了，请联系我 13912345678")
    second = filed(client, key, service_code="urban.stall", description="夜市摊贩占用人行道")
    return first["service_request_id"], second["service_request_id"]


def test_one_request_in_xml_has_the_spec_fields_in_order(client, two):
    number, _ = two
    root = xml_root(get(client, f"requests/{number}", "xml"), "service_requests")
    assert children(root) == ["request"]
    assert children(root[0]) == REQUEST_FIELDS
    fields = as_dict(root[0])
    assert fields["service_request_id"] == number
    assert fields["status"] == "open"
    assert fields["status_notes"] == ""
    assert fields["service_code"] == "housing.leak" and fields["service_name"] == "房屋渗漏"
    assert fields["agency_responsible"] == "昆山市住房和城乡建设局"
    assert fields["media_url"] == "https://fms.example.org/p/1.jpeg"
    assert fields["address"] == "巴城镇湖滨路 88 号"
    assert fields["address_id"] == "320583101"
    assert (float(fields["lat"]), float(fields["long"])) == (31.4372, 120.8755)
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        moment = dt.datetime.fromisoformat(fields[name])
        assert fields[name].endswith("+08:00") and moment.utcoffset() == dt.timedelta(hours=8)
    assert fields["expected_datetime"] > fields["requested_datetime"]
    # The phone number written into the description is masked.
    assert "13912345678" not in fields["description"] and "139****5678" in fields["description"]


def test_one_request_in_json(client, two):
    number, _ = two
    (found,) = json_list(get(client, f"requests/{number}", "json"))
    assert list(found) == REQUEST_FIELDS
    assert found["status_notes"] is None and found["zipcode"] is None
    assert isinstance(found["lat"], float) and isinstance(found["long"], float)


def test_no_personal_data_in_any_answer(client, two):
    number, other = two
    for fmt in ("xml", "json"):
        for response in (
            get(client, f"requests/{number}", fmt),
            get(client, "requests", fmt),
            get(client, "servicerequestupdates", fmt),
        ):
            assert response.status_code == 200
            for secret in ("王小明", "小明", PHONE, "wang@example.com", "13912345678"):
                assert secret not in response.text, (secret, response.text[:300])


def test_list_in_both_formats_newest_first(client, two):
    first, second = two
    root = xml_root(get(client, "requests", "xml"), "service_requests")
    assert [as_dict(r)["service_request_id"] for r in root] == [second, first]
    assert all(children(r) == REQUEST_FIELDS for r in root)
    found = json_list(get(client, "requests", "json"))
    assert [r["service_request_id"] for r in found] == [second, first]


def test_ids_override_the_other_filters(client, two):
    first, second = two
    found = json_list(
        get(
            client,
            "requests",
            "json",
            service_request_id=f"{first}, {second},KS19990101-0001",
            service_code="urban.stall",
            status="closed",
        )
    )
    assert [r["service_request_id"] for r in found] == [first, second]


def test_filters_by_service_status_and_dates(client, two):
    first, second = two
    by_code = json_list(get(client, "requests", "json", service_code="housing.leak"))
    assert [r["service_request_id"] for r in by_code] == [first]
    both = json_list(get(client, "requests", "json", service_code="housing.leak,urban.stall"))
    assert len(both) == 2
    assert len(json_list(get(client, "requests", "json", status="open"))) == 2
    assert json_list(get(client, "requests", "json", status="closed")) == []
    assert len(json_list(get(client, "requests", "json", status="open,closed"))) == 2
    now = dt.datetime.now(dt.UTC)
    window = {
        "start_date": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert len(json_list(get(client, "requests", "json", **window))) == 2
    earlier = {"start_date": "2026-01-01", "end_date": "2026-03-01T00:00:00+08:00"}
    assert json_list(get(client, "requests", "json", **earlier)) == []


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "26/11/2026"}, "start_date"),
        ({"end_date": "2026-11-26 10:00"}, "end_date"),
        ({"start_date": "2026-11-26T10:00:00"}, "start_date"),  # no zone
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, "90"),
        ({"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
    ],
)
def test_bad_filters_are_400(client, kunshan, fmt, params, words):
    (message,) = spec_error(get(client, "requests", fmt, **params), 400, fmt)
    assert words in message


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_code_filter_is_404(client, kunshan, fmt):
    spec_error(get(client, "requests", fmt, service_code="no.such"), 404, fmt)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_control_characters_anywhere_are_400(client, kunshan, fmt):
    spec_error(client.get(f"/open311/v2/requests/KS%00.{fmt}"), 400, fmt)
    spec_error(client.get(f"/open311/v2/tokens/%01x.{fmt}"), 400, fmt)
    spec_error(get(client, "requests", fmt, service_code="a\x00b"), 400, fmt)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_request_is_404(client, kunshan, fmt):
    (message,) = spec_error(get(client, "requests/KS20000101-0001", fmt), 404, fmt)
    assert "KS20000101-0001" in message


def test_confidential_and_unlisted_requests_are_never_shown(client, db, key, kunshan):
    secret = web_report(client, confidential=True)
    hidden = filed(client, key)["service_request_id"]
    request = db.scalar(select(CitizenRequest).where(CitizenRequest.tracking_number == hidden))
    assert request is not None
    request.public = False
    db.commit()
    for number in (secret, hidden):
        spec_error(get(client, f"requests/{number}", "json"), 404)
        assert json_list(get(client, "requests", "json", service_request_id=number)) == []
    assert json_list(get(client, "requests", "json")) == []


def test_other_channels_show_only_what_the_public_list_shows(client, kunshan):
    number = web_report(client, title="夜市摊贩占道，请回电 138 1234 5678", latitude=31.43)
    (found,) = json_list(get(client, f"requests/{number}", "json"))
    assert found["description"] == "夜市摊贩占道，请回电 138****5678"  # the title, masked
    assert found["address"] == "巴城镇"  # the town, not the street
    assert found["lat"] is None and found["long"] is None and found["media_url"] is None
    assert "湖滨路" not in str(found) and "每天晚上" not in str(found)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_token_gives_the_number(client, key, fmt):
    created = filed(client, key)
    response = get(client, f"tokens/{created['token']}", fmt)
    assert response.status_code == 200
    if fmt == "xml":
        root = xml_root(response, "service_requests")
        assert children(root[0]) == ["service_request_id", "token"]
        assert as_dict(root[0])["service_request_id"] == created["service_request_id"]
    else:
        assert json_list(response) == [
            {"service_request_id": created["service_request_id"], "token": created["token"]}
        ]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_token_is_404(client, kunshan, fmt):
    (message,) = spec_error(get(client, "tokens/no-such-token", fmt), 404, fmt)
    assert "token" in message
