"""Discovery, the service list and service definitions, in XML and JSON, and their errors."""

from __future__ import annotations

import pytest

from minsheng.routing import service as routing
from tests.open311 import (
    ATTRIBUTE_FIELDS,
    BASE,
    SERVICE_FIELDS,
    as_dict,
    children,
    get,
    json_list,
    spec_error,
    xml_root,
)


def test_discovery_in_xml_names_the_endpoint_and_its_formats(client, kunshan):
    root = xml_root(get(client, "discovery", "xml"), "discovery")
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert endpoints is not None and children(endpoints) == ["endpoint"]
    endpoint = endpoints[0]
    assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    fields = as_dict(endpoint)
    assert fields["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert fields["url"].endswith("/open311/v2")
    assert fields["type"] == "production"
    assert fields["changeset"].endswith("+08:00")
    formats = endpoint.find("formats")
    assert formats is not None
    assert [f.text for f in formats] == ["text/xml", "application/json"]
    assert [f.tag for f in formats] == ["format", "format"]


def test_discovery_in_json_has_the_same_fields(client, kunshan):
    response = get(client, "discovery", "json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    (endpoint,) = body["endpoints"]
    assert list(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "api-keys" in body["key_service"]


def test_services_list_every_public_category_with_its_group_in_xml(client, db, kunshan):
    root = xml_root(get(client, "services", "xml"), "services")
    services = [as_dict(s) for s in root]
    assert all(children(s) == SERVICE_FIELDS for s in root)
    public = routing.list_categories(db, active_only=True, public_only=True)
    db.commit()
    assert [s["service_code"] for s in services] == [c.code for c in public]
    road = next(s for s in services if s["service_code"] == "traffic.road")
    assert road["service_name"] == "道路破损"
    assert road["group"] == "交通出行"  # the parent category
    assert road["metadata"] == "true"  # the demo asks what kind of damage
    assert road["type"] == "realtime"
    assert road["keywords"] == "坑洼, 井盖, 路面"
    top = next(s for s in services if s["service_code"] == "traffic")
    assert top["group"] == "交通出行"  # a top-level category is its own group
    stall = next(s for s in services if s["service_code"] == "urban.stall")
    assert stall["metadata"] == "false"


def test_services_in_json_are_the_same_with_booleans(client, kunshan):
    xml_codes = [
        as_dict(s)["service_code"] for s in xml_root(get(client, "services", "xml"), "services")
    ]
    services = json_list(get(client, "services", "json"))
    assert [s["service_code"] for s in services] == xml_codes
    assert all(list(s) == SERVICE_FIELDS for s in services)
    road = next(s for s in services if s["service_code"] == "traffic.road")
    assert road["metadata"] is True and road["group"] == "交通出行"


def test_a_category_residents_cannot_choose_is_not_a_service(client, db, kunshan):
    category = routing.get_category_by_code(db, code="consult")
    assert category is not None
    category.accepts_public = False
    db.commit()
    codes = [s["service_code"] for s in json_list(get(client, "services", "json"))]
    assert "consult" not in codes
    spec_error(get(client, "services/consult", "json"), 404)


def test_service_definition_lists_the_questions_in_xml(client, kunshan):
    root = xml_root(get(client, "services/traffic.road", "xml"), "service_definition")
    assert children(root) == ["service_code", "attributes"]
    assert root.findtext("service_code") == "traffic.road"
    attributes = root.find("attributes")
    assert attributes is not None
    assert [a.tag for a in attributes] == ["attribute", "attribute"]
    first, second = attributes
    assert children(first) == ATTRIBUTE_FIELDS
    fields = as_dict(first)
    assert fields["variable"] == "true"
    assert fields["code"] == "hazard"
    assert fields["datatype"] == "singlevaluelist"
    assert fields["required"] == "true"
    assert int(fields["order"]) < int(as_dict(second)["order"])
    values = first.find("values")
    assert values is not None
    assert [children(v) for v in values] == [["key", "name"]] * 3
    assert [as_dict(v)["key"] for v in values] == ["pothole", "manhole", "subsidence"]
    assert as_dict(values[1])["name"] == "井盖缺失或破损"
    assert as_dict(second)["datatype"] == "number"
    assert second.find("values") is not None and len(second.find("values")) == 0


def test_service_definition_in_json(client, kunshan):
    response = get(client, "services/environment.noise", "json")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["service_code", "attributes"]
    sources, since = body["attributes"]
    assert list(sources) == ATTRIBUTE_FIELDS
    assert sources["datatype"] == "multivaluelist" and sources["required"] is True
    assert {"key": "plaza", "name": "广场舞"} in sources["values"]
    assert since["datatype"] == "datetime" and since["required"] is False
    assert since["values"] == []


def test_a_service_without_questions_has_an_empty_definition(client, kunshan):
    body = get(client, "services/urban.stall", "json").json()
    assert body == {"service_code": "urban.stall", "attributes": []}
    root = xml_root(get(client, "services/urban.stall", "xml"), "service_definition")
    assert children(root) == ["service_code", "attributes"] and len(root[1]) == 0


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_code_is_404_in_the_spec_error(client, kunshan, fmt):
    (message,) = spec_error(get(client, "services/no.such", fmt), 404, fmt)
    assert "service_code" in message and "no.such" in message


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_another_jurisdiction_is_404(client, kunshan, fmt):
    (message,) = spec_error(get(client, "services", fmt, jurisdiction_id="110101"), 404, fmt)
    assert "jurisdiction_id" in message
    assert get(client, "services", fmt, jurisdiction_id="320583").status_code == 200


@pytest.mark.parametrize("path", ["discovery", "services", "services/traffic.road", "requests"])
@pytest.mark.parametrize("fmt", ["html", "csv", "XML", "txt"])
def test_a_format_other_than_xml_or_json_is_404_in_json(client, kunshan, path, fmt):
    (message,) = spec_error(client.get(f"{BASE}/{path}.{fmt}"), 404, "json")
    assert "xml" in message and "json" in message


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_paths_and_methods_answer_with_the_spec_error(client, kunshan, fmt):
    spec_error(client.get(f"{BASE}/nothing-here.{fmt}"), 404, fmt)
    spec_error(client.get("/open311/v3/services.json"), 404, "json")
    (message,) = spec_error(client.delete(f"{BASE}/services.{fmt}"), 405, fmt)
    assert "DELETE" in message
    spec_error(client.post(f"{BASE}/discovery.{fmt}"), 405, fmt)
