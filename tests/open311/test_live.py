"""Real clients against a real server: the `georeport` package from PyPI and plain httpx talk to
uvicorn over HTTP, and a request goes from discovery to closure as a client that knows only the
Open311 specification sees it, in XML and in JSON."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from defusedxml import ElementTree
from georeport import GeoReport

from minsheng.core.db import Database
from minsheng.org import service as org
from tests import factories
from tests.browser.conftest import LiveServer
from tests.open311 import FORM, HOUSING_BUREAU, REQUEST_FIELDS, SERVICE_FIELDS


@pytest.fixture
def live(database: Database, kunshan) -> Iterator[LiveServer]:
    server = LiveServer(database)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=20) as client:
        yield client


def bearer(http: httpx.Client, db, role: str, unit_name: str) -> dict[str, str]:
    user = factories.staff(db, role, org.get_unit_by_name(db, name=unit_name))
    response = http.post(
        "/api/v1/auth/token", json={"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def key(http: httpx.Client, db) -> str:
    admin = bearer(http, db, "administrator", "昆山市")
    response = http.post("/api/v1/api-keys", json={"name": "FixMyStreet 昆山站"}, headers=admin)
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


NOISE = {
    "service_code": "environment.noise",
    "description": "青阳路工地每天夜里十一点以后还在打桩，吵得孩子没法睡觉。",
    "address_string": "昆山市巴城镇湖滨路 88 号",
    "lat": "31.4372",
    "long": "120.8755",
    "media_url": "https://fms.example.org/photos/noise-1.jpeg",
    "attribute[sources][]": ["construction", "vehicle"],
    "attribute[since]": "2026-11-20T23:00:00+08:00",
    "first_name": "小明",
    "last_name": "王",
    "email": "wang@example.com",
}


def test_georeport_client_reads_services_definitions_and_requests(live, http, key):
    posted = http.post("/open311/v2/requests.json", data={**NOISE, "api_key": key}, headers=FORM)
    assert posted.status_code == 201, posted.text
    number = posted.json()[0]["service_request_id"]
    root = f"{live.url}/open311/v2"

    client = GeoReport(root, jurisdiction="320583")
    services = client.get_service_list()
    noise = next(s for s in services if s["service_code"] == "environment.noise")
    assert list(noise) == SERVICE_FIELDS and noise["metadata"] is True
    definition = client.get_service_definition("environment.noise")
    assert [a["code"] for a in definition["attributes"]] == ["sources", "since"]
    found = client.get_service_requests(service_request_id=number)
    assert [r["service_request_id"] for r in found] == [number]
    one = client.get_service_request(number)
    assert list(one) == REQUEST_FIELDS
    assert one["media_url"] == NOISE["media_url"] and one["status"] == "open"

    as_xml = GeoReport(root, jurisdiction="320583", output_format="xml")
    xml_services = as_xml.get_service_list()
    assert [s["service_code"] for s in xml_services] == [s["service_code"] for s in services]
    xml_definition = as_xml.get_service_definition("environment.noise")
    values = xml_definition["attributes"]["attribute"][0]["values"]["value"]
    assert {"key": "plaza", "name": "广场舞"} in values
    xml_one = as_xml.get_service_request(number)
    assert xml_one["service_request_id"] == number
    assert xml_one["agency_responsible"] == "苏州市昆山生态环境局"
    # A filter in the wrong format is the specification's error, not a crash.
    with pytest.raises(Exception, match="400"):
        client.get_service_requests(start_date="last week")


def test_plain_http_posts_attributes_and_media_and_reads_them_back(http, key, db):
    posted = http.post("/open311/v2/requests.xml", data={**NOISE, "api_key": key}, headers=FORM)
    assert posted.status_code == 201, posted.text
    answer = ElementTree.fromstring(posted.content)
    number = answer.findtext("request/service_request_id")
    assert number and answer.findtext("request/token")
    read = http.get(f"/open311/v2/requests/{number}.json")
    (found,) = read.json()
    assert found["description"] == NOISE["description"]
    assert found["media_url"] == NOISE["media_url"]
    assert found["address"] == NOISE["address_string"] and found["address_id"] == "320583101"
    for secret in ("王", "wang@example.com"):
        assert secret not in read.text
    # The handler reads the answers on the timeline.
    handler = bearer(http, db, "handler", "苏州市昆山生态环境局")
    record = http.get(f"/api/v1/requests/{number}", headers=handler).json()
    supplement = next(e for e in record["timeline"] if e["kind"] == "supplement")
    assert "建筑施工、车辆" in supplement["text"] and NOISE["media_url"] in supplement["text"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_done_when_a_spec_only_client_follows_a_request_to_closure(http, key, db, fmt):
    """Discover, list services, file; a Kunshan handler sees it in the workbench and handles it
    to closure; the client reads it closed. Nothing but the specification on the client side."""

    def read(path: str, **params: str) -> list[dict[str, str]]:
        response = http.get(f"/open311/v2/{path}.{fmt}", params=params)
        assert response.status_code in (200, 201), response.text
        if fmt == "json":
            body = response.json()
            return body if isinstance(body, list) else [body]
        root = ElementTree.fromstring(response.content)
        items = list(root) if path in ("services", "requests") or "/" in path else [root]
        return [{c.tag: (c.text or "") for c in item} for item in items]

    discovery = read("discovery")[0]
    assert "endpoints" in discovery
    endpoint = http.get(f"/open311/v2/discovery.{fmt}")
    assert "/open311/v2" in endpoint.text
    codes = [s["service_code"] for s in read("services")]
    assert "housing.leak" in codes
    filed = http.post(
        f"/open311/v2/requests.{fmt}",
        data={
            "api_key": key,
            "jurisdiction_id": "320583",
            "service_code": "housing.leak",
            "description": "楼上卫生间漏水，已经渗到我家天花板。",
            "lat": "31.4372",
            "long": "120.8755",
        },
        headers=FORM,
    )
    assert filed.status_code == 201, filed.text
    if fmt == "json":
        number = filed.json()[0]["service_request_id"]
    else:
        number = ElementTree.fromstring(filed.content).findtext("request/service_request_id")
    assert read(f"requests/{number}")[0]["status"] == "open"

    # A Kunshan handler sees it in the workbench and handles it with the usual steps.
    handler = bearer(http, db, "handler", HOUSING_BUREAU)
    workbench = http.get("/api/v1/requests", headers=handler, params={"channel": "open311"})
    (row,) = workbench.json()["items"]
    assert row["tracking_number"] == number and row["status"] == "dispatched"
    for action, body in (
        ("accept", {}),
        ("replies", {"text": "已联系物业，明天上门维修。"}),
        ("close", {"outcome": "resolved", "text": "楼上管道已更换，不再渗水。"}),
    ):
        version = http.get(f"/api/v1/requests/{number}", headers=handler).json()["version"]
        response = http.post(
            f"/api/v1/requests/{number}/{action}",
            json={**body, "version": version},
            headers=handler,
        )
        assert response.status_code == 200, response.text

    closed = read(f"requests/{number}")[0]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "已解决：楼上管道已更换，不再渗水。"
    assert closed["agency_responsible"] == HOUSING_BUREAU
    listed = read("requests", status="closed")
    assert [r["service_request_id"] for r in listed] == [number]
    updates = http.get(f"/open311/v2/servicerequestupdates.{fmt}")
    assert updates.status_code == 200 and "fixed" in updates.text
