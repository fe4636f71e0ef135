"""The organisation JSON API: /api/v1/regions and /api/v1/units, with bearer tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from minsheng.org.models import Region, Unit
from tests import factories
from tests.conftest import api_token


def count(db, model) -> int:
    """Rows in a table as the app committed them (ends the read so the app can write)."""
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]  # always something a person can read
    return body["error"]


def fields_of(error: dict) -> dict[str, str]:
    return {d["field"]: d["message"] for d in error["details"]}


@pytest.fixture
def admin_headers(client, db) -> dict[str, str]:
    admin = factories.staff(db, "administrator")
    return api_token(client, admin.username, factories.PASSWORD)


@pytest.fixture
def handler_headers(client, db) -> dict[str, str]:
    handler = factories.staff(db, "handler")
    return api_token(client, handler.username, factories.PASSWORD)


def post_region(client, headers, **data):
    return client.post("/api/v1/regions", json=data, headers=headers)


@pytest.fixture
def tree(client, admin_headers) -> dict[str, dict]:
    city = post_region(client, admin_headers, name="昆山市", level="city", code="320583").json()
    town = post_region(
        client, admin_headers, name="周市镇", level="town", code="320583102", parent_id=city["id"]
    ).json()
    community = post_region(
        client, admin_headers, name="长泾社区", level="community", parent_id=town["id"]
    ).json()
    return {"city": city, "town": town, "community": community}


# Regions


def test_create_region_tree(client, admin_headers, tree):
    city, town, community = tree["city"], tree["town"], tree["community"]
    assert city["path"] == f"/{city['id']}/" and city["code"] == "320583" and city["active"] is True
    assert community["path"] == f"/{city['id']}/{town['id']}/{community['id']}/"
    listed = client.get("/api/v1/regions", headers=admin_headers)
    assert listed.status_code == 200
    assert [r["name"] for r in listed.json()] == ["昆山市", "周市镇", "长泾社区"]


def test_region_under_wrong_level_is_422_with_field(client, admin_headers, db, tree):
    before = count(db, Region)
    response = post_region(
        client, admin_headers, name="某村", level="village", parent_id=tree["city"]["id"]
    )
    error = assert_error(response, 422, "validation_error")
    assert "level" in fields_of(error)
    response = post_region(
        client, admin_headers, name="某小区", level="community", parent_id=tree["community"]["id"]
    )
    assert "不能再设下级区划" in fields_of(assert_error(response, 422, "validation_error"))["level"]
    assert count(db, Region) == before


@pytest.mark.parametrize("code", ["32058", "3205831020", "abcdef", "3205831020011"])
def test_region_code_must_have_6_9_or_12_digits(client, admin_headers, db, code):
    response = post_region(client, admin_headers, name="昆山市", level="city", code=code)
    error = assert_error(response, 422, "validation_error")
    assert "code" in fields_of(error)
    assert count(db, Region) == 0


def test_region_code_must_be_unique(client, admin_headers, db, tree):
    before = count(db, Region)
    response = post_region(
        client,
        admin_headers,
        name="巴城镇",
        level="town",
        code="320583102",
        parent_id=tree["city"]["id"],
    )
    message = fields_of(assert_error(response, 422, "validation_error"))["code"]
    assert "周市镇" in message
    assert count(db, Region) == before


def test_moving_a_region_through_the_api_moves_its_subtree(client, admin_headers, tree):
    other = post_region(client, admin_headers, name="太仓市", level="city", code="320585").json()
    town = tree["town"]
    response = client.put(
        f"/api/v1/regions/{town['id']}",
        headers=admin_headers,
        json={
            "name": town["name"],
            "code": town["code"],
            "level": "town",
            "parent_id": other["id"],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["path"] == f"/{other['id']}/{town['id']}/"
    regions = {r["id"]: r for r in client.get("/api/v1/regions", headers=admin_headers).json()}
    assert (
        regions[tree["community"]["id"]]["path"]
        == f"/{other['id']}/{town['id']}/{tree['community']['id']}/"
    )


def test_region_cannot_move_under_its_own_descendant(client, admin_headers, tree):
    town = tree["town"]
    response = client.put(
        f"/api/v1/regions/{town['id']}",
        headers=admin_headers,
        json={
            "name": town["name"],
            "code": town["code"],
            "level": "town",
            "parent_id": tree["community"]["id"],
        },
    )
    assert_error(response, 422, "validation_error")
    regions = {r["id"]: r for r in client.get("/api/v1/regions", headers=admin_headers).json()}
    assert regions[town["id"]]["parent_id"] == tree["city"]["id"]


def test_update_unknown_region_is_404(client, admin_headers):
    response = client.put(
        "/api/v1/regions/987654", headers=admin_headers, json={"name": "昆山市", "level": "city"}
    )
    assert "区划" in assert_error(response, 404, "not_found")["message"]


# Units


def post_unit(client, headers, **data):
    return client.post("/api/v1/units", json={"kind": "department", **data}, headers=headers)


def test_create_and_read_unit(client, admin_headers, tree):
    parent = post_unit(
        client,
        admin_headers,
        name="昆山市人民政府",
        kind="government",
        region_id=tree["city"]["id"],
    ).json()
    response = post_unit(
        client,
        admin_headers,
        name="昆山市水务局",
        parent_id=parent["id"],
        contact_phone=" 0512-57311013 ",
    )
    assert response.status_code == 201, response.text
    unit = response.json()
    assert unit["path"] == f"/{parent['id']}/{unit['id']}/"
    assert unit["contact_phone"] == "0512-57311013"
    read = client.get(f"/api/v1/units/{unit['id']}", headers=admin_headers)
    assert read.status_code == 200 and read.json() == unit
    names = [u["name"] for u in client.get("/api/v1/units", headers=admin_headers).json()]
    assert names.index("昆山市人民政府") + 1 == names.index(
        "昆山市水务局"
    )  # parent first, child after


def test_unit_name_must_be_unique(client, admin_headers, db):
    before = count(db, Unit)
    assert post_unit(client, admin_headers, name="昆山市教育局").status_code == 201
    response = post_unit(client, admin_headers, name="昆山市教育局")
    assert "已有名为" in fields_of(assert_error(response, 422, "validation_error"))["name"]
    assert count(db, Unit) == before + 1


def test_unit_contact_phone_is_validated(client, admin_headers, db):
    before = count(db, Unit)
    response = post_unit(client, admin_headers, name="昆山市教育局", contact_phone="打电话给我")
    message = fields_of(assert_error(response, 422, "validation_error"))["contact_phone"]
    assert "联系电话只能包含数字" in message
    assert count(db, Unit) == before


def test_unit_with_unknown_parent_or_region_is_refused(client, admin_headers, db):
    before = count(db, Unit)
    response = post_unit(client, admin_headers, name="昆山市教育局", parent_id=987654)
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "parent_id": "所选的上级不存在"
    }
    response = post_unit(client, admin_headers, name="昆山市教育局", region_id=987654)
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "region_id": "所选的区划不存在"
    }
    assert count(db, Unit) == before


def test_unit_with_unknown_kind_is_refused(client, admin_headers, db):
    before = count(db, Unit)
    response = post_unit(client, admin_headers, name="昆山市教育局", kind="ministry")
    assert "kind" in fields_of(assert_error(response, 422, "validation_error"))
    assert count(db, Unit) == before


def test_deactivating_unit_with_active_children_is_409(client, admin_headers, db):
    parent = post_unit(client, admin_headers, name="昆山市人民政府", kind="government").json()
    child = post_unit(client, admin_headers, name="昆山市水务局", parent_id=parent["id"]).json()
    body = {k: parent[k] for k in ("name", "kind", "parent_id", "region_id", "contact_phone")}
    response = client.put(
        f"/api/v1/units/{parent['id']}", headers=admin_headers, json={**body, "active": False}
    )
    assert "下级单位" in assert_error(response, 409, "conflict")["message"]
    assert (
        client.get(f"/api/v1/units/{parent['id']}", headers=admin_headers).json()["active"] is True
    )
    child_body = {k: child[k] for k in ("name", "kind", "parent_id", "region_id", "contact_phone")}
    assert (
        client.put(
            f"/api/v1/units/{child['id']}",
            headers=admin_headers,
            json={**child_body, "active": False},
        ).json()["active"]
        is False
    )
    response = client.put(
        f"/api/v1/units/{parent['id']}", headers=admin_headers, json={**body, "active": False}
    )
    assert response.status_code == 200 and response.json()["active"] is False


def test_unit_cannot_move_under_its_own_descendant(client, admin_headers):
    parent = post_unit(client, admin_headers, name="昆山市人民政府", kind="government").json()
    child = post_unit(client, admin_headers, name="昆山市水务局", parent_id=parent["id"]).json()
    body = {k: parent[k] for k in ("name", "kind", "region_id", "contact_phone")}
    response = client.put(
        f"/api/v1/units/{parent['id']}",
        headers=admin_headers,
        json={**body, "parent_id": child["id"]},
    )
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "parent_id": "不能把它移到自己或自己的下级之下"
    }
    assert (
        client.get(f"/api/v1/units/{parent['id']}", headers=admin_headers).json()["parent_id"]
        is None
    )


def test_unknown_unit_is_404(client, admin_headers):
    assert (
        "单位"
        in assert_error(
            client.get("/api/v1/units/987654", headers=admin_headers), 404, "not_found"
        )["message"]
    )


# Permissions


def test_handler_may_read_but_not_write(client, handler_headers, admin_headers, db, tree):
    assert client.get("/api/v1/regions", headers=handler_headers).status_code == 200
    assert client.get("/api/v1/units", headers=handler_headers).status_code == 200
    before_units, before_regions = count(db, Unit), count(db, Region)
    response = post_unit(client, handler_headers, name="擅自新增的单位")
    assert_error(response, 403, "forbidden")
    response = post_region(
        client, handler_headers, name="擅自新增的镇", level="town", parent_id=tree["city"]["id"]
    )
    assert_error(response, 403, "forbidden")
    town = tree["town"]
    response = client.put(
        f"/api/v1/regions/{town['id']}",
        headers=handler_headers,
        json={"name": "改名镇", "level": "town", "parent_id": tree["city"]["id"]},
    )
    assert_error(response, 403, "forbidden")
    assert (count(db, Unit), count(db, Region)) == (before_units, before_regions)
    assert db.get(Region, town["id"]).name == "周市镇"


def test_org_api_needs_a_token(client):
    response = client.get("/api/v1/units")
    assert_error(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(
        client.post("/api/v1/units", json={"name": "某单位", "kind": "department"}),
        401,
        "not_authenticated",
    )


def test_huge_ids_are_a_clear_answer_not_a_server_error(client, admin_headers, db):
    before = count(db, Unit)
    response = client.get("/api/v1/units/99999999999999999999", headers=admin_headers)
    assert response.status_code in (400, 404, 422), response.text
    assert "error" in response.json()
    response = post_unit(client, admin_headers, name="昆山市教育局", parent_id=99999999999999999999)
    assert response.status_code in (400, 422), response.text
    assert "error" in response.json()
    assert count(db, Unit) == before
