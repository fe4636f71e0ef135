"""The routing JSON API: /api/v1/categories, /api/v1/routing/rules and /api/v1/routing/route."""

from __future__ import annotations

import pytest

from minsheng.audit.models import AuditEvent
from minsheng.core.settings import get_settings
from minsheng.routing.models import Category, RoutingRule
from tests import factories
from tests.conftest import api_token
from tests.org.test_api import assert_error, count, fields_of
from tests.routing import Place, category_body, kunshan


@pytest.fixture
def place(db) -> Place:
    return kunshan(db)


@pytest.fixture
def admin_headers(client, db) -> dict[str, str]:
    admin = factories.staff(db, "administrator")
    return api_token(client, admin.username, factories.PASSWORD)


@pytest.fixture
def handler_headers(client, db) -> dict[str, str]:
    handler = factories.staff(db, "handler")
    return api_token(client, handler.username, factories.PASSWORD)


def post_category(client, headers, **data):
    return client.post("/api/v1/categories", json=data, headers=headers)


def put_category(client, headers, category: dict, **changes):
    body = category_body(category, **changes)
    return client.put(f"/api/v1/categories/{category['id']}", json=body, headers=headers)


def by_code(client, headers=None) -> dict[str, dict]:
    response = client.get("/api/v1/categories", headers=headers or {})
    assert response.status_code == 200, response.text
    return {c["code"]: c for c in response.json()}


@pytest.fixture
def tree(client, admin_headers) -> dict[str, dict]:
    """住房与物业 › 物业服务 › 物业收费, and a separate 物业报修."""
    housing = post_category(
        client, admin_headers, code="housing", name="住房与物业", response_hours=4, resolve_days=5
    ).json()
    property_ = post_category(
        client, admin_headers, code="housing.property", name="物业服务", parent_id=housing["id"]
    ).json()
    fee = post_category(
        client,
        admin_headers,
        code="housing.property.fee",
        name="物业收费",
        parent_id=property_["id"],
        resolve_days=10,
    ).json()
    repair = post_category(
        client, admin_headers, code="repair", name="物业报修", response_hours=2, resolve_days=3
    ).json()
    return {"housing": housing, "property": property_, "fee": fee, "repair": repair}


# Categories


def test_create_category_answers_with_inherited_limits(client, admin_headers, tree):
    fee = tree["fee"]
    assert fee["parent_code"] == "housing.property" and fee["depth"] == 2
    assert (fee["response_hours"], fee["resolve_days"]) == (None, 10)
    assert (fee["effective_response_hours"], fee["effective_resolve_days"]) == (4, 10)
    assert (tree["property"]["effective_response_hours"], tree["property"]["resolve_days"]) == (
        4,
        None,
    )
    assert tree["property"]["effective_resolve_days"] == 5
    assert list(by_code(client, admin_headers)) == [
        "housing",
        "housing.property",
        "housing.property.fee",
        "repair",
    ]


def test_limits_fall_back_to_the_settings(client, admin_headers, monkeypatch):
    monkeypatch.setenv("MINSHENG_DEFAULT_RESPONSE_HOURS", "48")
    monkeypatch.setenv("MINSHENG_DEFAULT_RESOLVE_DAYS", "15")
    get_settings.cache_clear()
    created = post_category(client, admin_headers, code="other", name="其他").json()
    assert (created["effective_response_hours"], created["effective_resolve_days"]) == (48, 15)
    assert by_code(client)["other"]["effective_resolve_days"] == 15


@pytest.mark.parametrize("code", ["1urban", "u", "urban stall", "城管", "x" * 41])
def test_bad_code_is_422_with_a_chinese_message(client, admin_headers, db, code):
    response = post_category(client, admin_headers, code=code, name="市容城管")
    assert fields_of(assert_error(response, 422, "validation_error")) == {"code": "格式不正确"}
    assert count(db, Category) == 0


def test_duplicate_code_is_422_naming_the_holder(client, admin_headers, db, tree):
    before = count(db, Category)
    response = post_category(client, admin_headers, code=" Housing ", name="住房")
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "code": "代码“housing”已被“住房与物业”使用"
    }
    response = put_category(client, admin_headers, tree["repair"], code="housing")
    assert (
        "已被“住房与物业”使用" in fields_of(assert_error(response, 422, "validation_error"))["code"]
    )
    assert count(db, Category) == before
    assert by_code(client, admin_headers)["repair"]["name"] == "物业报修"


def test_limits_must_be_whole_numbers_in_range(client, admin_headers, db):
    response = post_category(client, admin_headers, code="urban", name="市容城管", resolve_days=0)
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "resolve_days": "不能小于 1"
    }
    response = post_category(
        client, admin_headers, code="urban", name="市容城管", response_hours="两小时"
    )
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "response_hours": "请填写整数"
    }
    assert count(db, Category) == 0


def test_unknown_parent_is_a_field_error(client, admin_headers, db):
    response = post_category(client, admin_headers, code="urban", name="市容城管", parent_id=98765)
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "parent_id": "所选的上级不存在"
    }
    assert count(db, Category) == 0


def test_moving_a_category_moves_its_subtree(client, admin_headers, tree):
    response = put_category(client, admin_headers, tree["property"], parent_id=tree["repair"]["id"])
    assert response.status_code == 200, response.text
    moved = response.json()
    assert (moved["parent_code"], moved["effective_response_hours"]) == ("repair", 2)
    after = by_code(client, admin_headers)
    fee = after["housing.property.fee"]
    assert (fee["parent_code"], fee["depth"]) == ("housing.property", 2)
    # The fee category now inherits its hours from 物业报修, keeping its own days.
    assert (fee["effective_response_hours"], fee["effective_resolve_days"]) == (2, 10)
    assert list(after) == ["housing", "repair", "housing.property", "housing.property.fee"]


def test_a_category_cannot_move_under_its_descendant(client, admin_headers, tree):
    for target in ("fee", "housing"):
        response = put_category(
            client, admin_headers, tree["housing"], parent_id=tree[target]["id"]
        )
        assert fields_of(assert_error(response, 422, "validation_error")) == {
            "parent_id": "不能把它移到自己或自己的下级之下"
        }
    assert by_code(client, admin_headers)["housing"]["parent_code"] is None


def test_deactivating_a_category_with_active_children_is_409(client, admin_headers, tree):
    response = put_category(client, admin_headers, tree["housing"], active=False)
    assert assert_error(response, 409, "conflict")["message"] == "请先停用它的下级分类。"
    assert by_code(client, admin_headers)["housing"]["active"] is True
    for key in ("fee", "property", "housing"):
        response = put_category(client, admin_headers, tree[key], active=False)
        assert response.status_code == 200, response.text
        assert response.json()["active"] is False
    assert list(by_code(client)) == ["repair"]


def test_update_unknown_category_is_404(client, admin_headers):
    body = {"code": "urban", "name": "市容城管"}
    response = client.put("/api/v1/categories/98765", json=body, headers=admin_headers)
    assert assert_error(response, 404, "not_found")["message"] == "没有找到这个分类。"


def test_the_public_sees_only_active_categories_residents_may_choose(client, admin_headers, tree):
    post_category(
        client,
        admin_headers,
        code="housing.internal",
        name="内部转办",
        parent_id=tree["housing"]["id"],
        accepts_public=False,
    )
    put_category(client, admin_headers, tree["repair"], active=False)
    public = by_code(client)
    assert list(public) == ["housing", "housing.property", "housing.property.fee"]
    assert public["housing.property.fee"]["effective_response_hours"] == 4
    staff = by_code(client, admin_headers)
    assert list(staff) == [
        "housing",
        "housing.property",
        "housing.property.fee",
        "housing.internal",
        "repair",
    ]
    assert (staff["repair"]["active"], staff["housing.internal"]["accepts_public"]) == (
        False,
        False,
    )


def test_public_list_keeps_limits_inherited_from_an_internal_parent(client, admin_headers):
    """A category residents may choose under one they may not still has its parent's limits."""
    internal = post_category(
        client,
        admin_headers,
        code="safety",
        name="安全隐患",
        response_hours=1,
        resolve_days=2,
        accepts_public=False,
    ).json()
    post_category(
        client, admin_headers, code="safety.fire", name="消防隐患", parent_id=internal["id"]
    )
    public = by_code(client)
    assert list(public) == ["safety.fire"]
    fire = public["safety.fire"]
    assert (fire["effective_response_hours"], fire["effective_resolve_days"]) == (1, 2)
    # Its parent is not in the list, so it stands at the top of it.
    assert (fire["parent_id"], fire["parent_code"], fire["depth"]) == (None, None, 0)
    assert by_code(client, admin_headers)["safety.fire"]["effective_resolve_days"] == 2


# Permissions


def test_handler_reads_but_cannot_write(client, handler_headers, admin_headers, db, tree, place):
    assert by_code(client, handler_headers) == by_code(client, admin_headers)
    assert client.get("/api/v1/routing/rules", headers=handler_headers).status_code == 200
    categories, rules, events = count(db, Category), count(db, RoutingRule), count(db, AuditEvent)
    assert_error(
        post_category(client, handler_headers, code="urban", name="市容城管"), 403, "forbidden"
    )
    assert_error(
        put_category(client, handler_headers, tree["repair"], name="改名"), 403, "forbidden"
    )
    rule = {"category_id": tree["repair"]["id"], "unit_id": place.city_unit.id}
    assert_error(
        client.post("/api/v1/routing/rules", json=rule, headers=handler_headers), 403, "forbidden"
    )
    assert (count(db, Category), count(db, RoutingRule), count(db, AuditEvent)) == (
        categories,
        rules,
        events,
    )


def test_rules_and_route_need_a_token(client, tree):
    for url in ("/api/v1/routing/rules", "/api/v1/routing/route?category=repair"):
        response = client.get(url)
        assert_error(response, 401, "not_authenticated")
        assert response.headers["www-authenticate"] == "Bearer"
    assert_error(
        client.post("/api/v1/categories", json={"code": "urban", "name": "市容城管"}),
        401,
        "not_authenticated",
    )
    # Reading the category tree needs no token.
    assert client.get("/api/v1/categories").status_code == 200


def test_a_bad_token_is_refused_for_rules_and_counts_as_anonymous_for_the_tree(
    client, admin_headers, tree
):
    put_category(client, admin_headers, tree["repair"], accepts_public=False)
    bad = {"Authorization": "Bearer nonsense"}
    response = client.get("/api/v1/routing/rules", headers=bad)
    assert assert_error(response, 401, "invalid_token")["message"] == "令牌无效、已过期或已被吊销。"
    assert "repair" not in by_code(client, bad)
    assert "repair" in by_code(client, admin_headers)


# Rules


def post_rule(client, headers, **data):
    return client.post("/api/v1/routing/rules", json=data, headers=headers)


def test_rules_crud(client, admin_headers, db, tree, place):
    created = post_rule(
        client,
        admin_headers,
        category_id=tree["housing"]["id"],
        region_id=place.town.id,
        unit_id=place.town_unit.id,
        note="镇里统一处理",
    )
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule == {
        "id": rule["id"],
        "category_id": tree["housing"]["id"],
        "category_name": "住房与物业",
        "region_id": place.town.id,
        "region_name": "周市镇",
        "unit_id": place.town_unit.id,
        "unit_name": "周市镇人民政府",
        "note": "镇里统一处理",
    }
    listed = client.get("/api/v1/routing/rules", headers=admin_headers).json()
    assert listed == [rule]

    changed = client.put(
        f"/api/v1/routing/rules/{rule['id']}",
        json={
            "category_id": tree["housing"]["id"],
            "region_id": None,
            "unit_id": place.department.id,
        },
        headers=admin_headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["region_name"], changed.json()["unit_name"]) == (
        None,
        "昆山市住房和城乡建设局",
    )

    deleted = client.delete(f"/api/v1/routing/rules/{rule['id']}", headers=admin_headers)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get("/api/v1/routing/rules", headers=admin_headers).json() == []
    assert count(db, RoutingRule) == 0
    assert_error(
        client.delete(f"/api/v1/routing/rules/{rule['id']}", headers=admin_headers),
        404,
        "not_found",
    )


@pytest.mark.parametrize("region", ["town", None])
def test_one_rule_per_category_and_region(client, admin_headers, db, tree, place, region):
    region_id = getattr(place, region).id if region else None
    first = post_rule(
        client,
        admin_headers,
        category_id=tree["repair"]["id"],
        region_id=region_id,
        unit_id=place.town_unit.id,
    )
    assert first.status_code == 201, first.text
    response = post_rule(
        client,
        admin_headers,
        category_id=tree["repair"]["id"],
        region_id=region_id,
        unit_id=place.department.id,
    )
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "region_id": "这个分类在这个区域已有规则（派给“周市镇人民政府”）"
    }
    assert count(db, RoutingRule) == 1
    # Another region, or another category, is a different rule.
    other_region = place.other_town.id if region else place.town.id
    assert (
        post_rule(
            client,
            admin_headers,
            category_id=tree["repair"]["id"],
            region_id=other_region,
            unit_id=place.department.id,
        ).status_code
        == 201
    )
    assert (
        post_rule(
            client,
            admin_headers,
            category_id=tree["housing"]["id"],
            region_id=region_id,
            unit_id=place.department.id,
        ).status_code
        == 201
    )
    # Moving the second rule onto the first one's place is refused as well.
    second = next(
        r
        for r in client.get("/api/v1/routing/rules", headers=admin_headers).json()
        if r["region_id"] == other_region
    )
    response = client.put(
        f"/api/v1/routing/rules/{second['id']}",
        json={
            "category_id": tree["repair"]["id"],
            "region_id": region_id,
            "unit_id": place.department.id,
        },
        headers=admin_headers,
    )
    assert "已有规则" in fields_of(assert_error(response, 422, "validation_error"))["region_id"]
    assert count(db, RoutingRule) == 3


def test_rule_without_a_unit_or_with_unknown_ids_is_422(client, admin_headers, db, tree):
    response = post_rule(client, admin_headers, category_id=tree["repair"]["id"])
    assert "unit_id" in fields_of(assert_error(response, 422, "validation_error"))
    response = post_rule(client, admin_headers, category_id=98765, region_id=98765, unit_id=98765)
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "category_id": "所选的分类不存在",
        "region_id": "所选的区域不存在",
        "unit_id": "所选的单位不存在或已停用",
    }
    assert count(db, RoutingRule) == 0


# Route look-up


def route(client, headers, **params):
    return client.get("/api/v1/routing/route", params=params, headers=headers)


def test_route_by_division_code_or_region_id(client, admin_headers, handler_headers, tree, place):
    rule = post_rule(
        client,
        admin_headers,
        category_id=tree["housing"]["id"],
        region_id=place.town.id,
        unit_id=place.town_unit.id,
    ).json()
    expected = {
        "unit_id": place.town_unit.id,
        "unit_name": "周市镇人民政府",
        "reason": "派单规则：住房与物业（周市镇）",
        "rule_id": rule["id"],
    }
    # A subcategory in a community of the town, found by the town's code or the community's id.
    answer = route(client, handler_headers, category="housing.property.fee", region="320583102")
    assert answer.status_code == 200, answer.text
    assert answer.json() == expected
    answer = route(
        client, handler_headers, category="HOUSING.PROPERTY", region=str(place.community.id)
    )
    assert answer.json() == expected
    # Another town: no rule, no default unit, so the dispatch centre.
    answer = route(client, handler_headers, category="housing", region="320583101").json()
    assert (answer["unit_name"], answer["rule_id"]) == ("昆山市12345政务服务便民热线", None)
    # No region given: only city-wide rules could apply.
    assert route(client, handler_headers, category="housing").json()["unit_id"] == place.centre.id


def test_route_with_unknown_category_or_region_is_422(client, admin_headers, tree):
    response = route(client, admin_headers, category="nope", region="320583102")
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "category": "没有代码为“nope”的分类"
    }
    response = route(client, admin_headers, category="housing", region="999999999")
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "region": "没有“999999999”这个区划"
    }
    response = route(client, admin_headers)
    assert fields_of(assert_error(response, 422, "validation_error")) == {
        "query.category": "请填写这一项"
    }


def test_route_says_why_when_nothing_takes_the_request(client, admin_headers, db, tree):
    answer = route(client, admin_headers, category="repair")
    assert answer.status_code == 200
    assert answer.json() == {
        "unit_id": None,
        "unit_name": None,
        "reason": "没有匹配的规则，也没有设置派单中心",
        "rule_id": None,
    }
