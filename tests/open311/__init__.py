"""Shared arrangements for the Open311 tests: Kunshan's places and categories, an integration's
key, form posts, and readers that check every answer against the GeoReport v2 structure."""

from __future__ import annotations

import json
import time
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

BASE = "/open311/v2"
FORM = {"content-type": "application/x-www-form-urlencoded"}
BACHENG = "320583101"  # 巴城镇
HOUSING_BUREAU = "昆山市住房和城乡建设局"
PHONE = "13812345678"

# The fields of a request in the order GeoReport v2 lists them.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
UPDATE_FIELDS = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
]


def leak(**changes: Any) -> dict[str, Any]:
    """A leak report as an Open311 client posts it (form fields), with some changed."""
    fields: dict[str, Any] = {
        "service_code": "housing.leak",
        "description": "楼上卫生间漏水，已经渗到我家天花板，墙面发霉。",
        "address_string": "巴城镇湖滨路 88 号",
        "lat": "31.4372",
        "long": "120.8755",
        "first_name": "小明",
        "last_name": "王",
        "email": "wang@example.com",
        "phone": PHONE,
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def post(client: Any, path: str, fmt: str, key: str | None, **fields: Any) -> Any:
    """POSTs form-encoded fields to /open311/v2/{path}.{fmt} with the key."""
    data = dict(fields)
    if key is not None:
        data["api_key"] = key
    return client.post(f"{BASE}/{path}.{fmt}", data=data, headers=FORM)


def get(client: Any, path: str, fmt: str, **params: Any) -> Any:
    return client.get(f"{BASE}/{path}.{fmt}", params=params)


def xml_root(response: Any, root: str) -> Element:
    """The parsed XML answer, checked for its content type, declaration and root element."""
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>'), response.text[:80]
    element = ElementTree.fromstring(response.content)
    assert element.tag == root, response.text[:200]
    return element


def children(element: Element) -> list[str]:
    return [child.tag for child in element]


def as_dict(element: Element) -> dict[str, str]:
    """A flat element's children as name → text ("" for an empty one)."""
    return {child.tag: (child.text or "").strip() for child in element}


def json_list(response: Any) -> list[dict[str, Any]]:
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = json.loads(response.content)
    assert isinstance(body, list), body
    return body


def spec_error(response: Any, status: int, fmt: str = "json") -> list[str]:
    """The specification's errors document with `status`; returns the descriptions."""
    assert response.status_code == status, (response.status_code, response.text)
    assert "Traceback" not in response.text
    if fmt == "xml":
        root = xml_root(response, "errors")
        assert children(root) and set(children(root)) == {"error"}
        found = []
        for error in root:
            assert children(error) == ["code", "description"], response.text
            fields = as_dict(error)
            assert fields["description"]
            found.append((int(fields["code"]), fields["description"]))
    else:
        body = json_list(response)
        assert body
        found = []
        for error in body:
            assert list(error) == ["code", "description"], body
            assert isinstance(error["code"], int) and error["description"]
            found.append((error["code"], error["description"]))
    assert found[0][0] == status
    return [description for _code, description in found]


def away_from_the_minute(margin: float = 3.0) -> None:
    """Waits out the last seconds of a minute, so a per-minute window cannot turn over in the
    middle of a test."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.1)
