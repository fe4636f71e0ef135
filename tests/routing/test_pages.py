"""Staff pages for categories and routing rules: forms with CSRF, Chinese messages by the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

import minsheng.routing.module
from minsheng.audit.models import AuditEvent
from minsheng.routing import service
from minsheng.routing.models import Category, RoutingRule
from minsheng.routing.schemas import RoutingRuleCreate
from minsheng.web.i18n import translations
from tests import factories
from tests.conftest import login
from tests.org.test_pages import count, field_error, post, reload
from tests.routing import Place, add_category, kunshan

TEMPLATES = Path(minsheng.routing.module.__file__).parents[1] / "web" / "templates" / "routing"


@pytest.fixture
def place(db) -> Place:
    return kunshan(db)


@pytest.fixture
def admin(client, db):
    user = factories.staff(db, "administrator")
    login(client, user.username, factories.PASSWORD)
    return user


@pytest.fixture
def handler(client, db):
    user = factories.staff(db, "handler")
    login(client, user.username, factories.PASSWORD)
    return user


@pytest.fixture
def tree(db, place) -> dict[str, Category]:
    """住房与物业 (4 h, 5 d) › 物业服务 › 物业收费 (10 d), and 物业报修 (2 h, 3 d)."""
    housing = add_category(
        db,
        "housing",
        "住房与物业",
        response_hours=4,
        resolve_days=5,
        default_unit_id=place.department.id,
    )
    property_ = add_category(db, "housing.property", "物业服务", housing)
    fee = add_category(db, "housing.property.fee", "物业收费", property_, resolve_days=10)
    repair = add_category(db, "repair", "物业报修", response_hours=2, resolve_days=3)
    db.commit()
    return {"housing": housing, "property": property_, "fee": fee, "repair": repair}


def form_of(category: Category, **changes: str) -> dict[str, str]:
    """The edit form as the browser would send it unchanged, with some fields changed."""
    data = {
        "name": category.name,
        "code": category.code,
        "parent_id": str(category.parent_id or ""),
        "response_hours": str(category.response_hours or ""),
        "resolve_days": str(category.resolve_days or ""),
        "default_unit_id": str(category.default_unit_id or ""),
        "keywords": category.keywords,
        "sort_order": str(category.sort_order),
    }
    if category.accepts_public:
        data["accepts_public"] = "on"
    if category.active:
        data["active_flag"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def row_of(page: str, name: str) -> str:
    match = re.search(
        rf"<tr>\s*<td class=\"depth-\d\">{re.escape(name)}</td>(.*?)</tr>", page, re.S
    )
    assert match, name
    return match.group(1)


def select_of(page: str, name: str) -> str:
    """The options of one select on a page."""
    match = re.search(rf'<select id="f-{name}".*?</select>', page, re.S)
    assert match, name
    return match.group(0)


# The category list


def test_category_list_shows_the_limits_that_apply_and_marks_inherited_ones(client, admin, tree):
    page = client.get("/staff/categories")
    assert page.status_code == 200
    assert 'href="/staff/categories/new"' in page.text
    assert '<td class="depth-2">物业收费</td>' in page.text
    fee = row_of(page.text, "物业收费")
    # Hours inherited from 住房与物业 (shown muted), days its own.
    assert '<td data-label="签收时限" class="muted">4 工作小时</td>' in fee
    assert '<td data-label="办结时限">10 个工作日</td>' in fee
    housing = row_of(page.text, "住房与物业")
    assert '<td data-label="签收时限">4 工作小时</td>' in housing
    assert f'href="/staff/categories/new?parent_id={tree["housing"].id}"' in housing
    names = re.findall(r'<td class="depth-\d">([^<]*)</td>', page.text)
    assert names == ["住房与物业", "物业服务", "物业收费", "物业报修"]


def test_handler_sees_the_categories_but_cannot_change_them(client, db, handler, tree):
    page = client.get("/staff/categories")
    assert page.status_code == 200 and "物业收费" in page.text
    assert 'href="/staff/categories/new"' not in page.text
    assert f'href="/staff/categories/{tree["housing"].id}"' not in page.text
    assert client.get("/staff/categories/new").status_code == 403
    assert client.get(f"/staff/categories/{tree['housing'].id}").status_code == 403
    categories, events = count(db, Category), count(db, AuditEvent)
    response = post(client, "/staff/categories/new", {"name": "擅自新增", "code": "sneaky"})
    assert response.status_code == 403 and "没有权限" in response.text
    response = post(
        client, f"/staff/categories/{tree['repair'].id}", form_of(tree["repair"], name="改名")
    )
    assert response.status_code == 403
    assert (count(db, Category), count(db, AuditEvent)) == (categories, events)
    assert reload(db, tree["repair"]).name == "物业报修"
    # Both pages are in the handler's navigation.
    staff = client.get("/staff").text
    assert 'href="/staff/categories"' in staff and 'href="/staff/routing"' in staff


def test_category_pages_need_a_login(client):
    for url in ("/staff/categories", "/staff/categories/new", "/staff/routing"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={url}"


# Creating and changing categories


def test_create_category_through_the_form(client, db, admin, tree, place):
    form = client.get(f"/staff/categories/new?parent_id={tree['housing'].id}")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    assert f'<option value="{tree["housing"].id}" selected>' in select_of(form.text, "parent_id")
    assert 'id="f-accepts_public" type="checkbox" name="accepts_public" checked' in form.text
    response = post(
        client,
        "/staff/categories/new",
        {
            "name": " 电梯故障 ",
            "code": "Housing.Elevator",
            "parent_id": str(tree["housing"].id),
            "response_hours": "2",
            "resolve_days": "",
            "default_unit_id": str(place.city_unit.id),
            "keywords": "电梯 困人",
            "sort_order": "",
            "accepts_public": "on",
        },
    )
    assert response.status_code == 303, response.text
    category = service.get_category_by_code(db, code="housing.elevator")
    db.commit()
    assert response.headers["location"] == f"/staff/categories?saved={category.id}"
    assert category.name == "电梯故障" and category.parent_id == tree["housing"].id
    assert category.path == f"{tree['housing'].path}{category.id}/"
    assert (category.response_hours, category.resolve_days) == (2, None)
    assert (category.default_unit_id, category.keywords) == (place.city_unit.id, "电梯 困人")
    assert (category.sort_order, category.accepts_public, category.active) == (0, True, True)
    assert service.effective_limits(db, category=category) == (2, 5)
    db.commit()
    listing = client.get(response.headers["location"])
    assert "已保存" in listing.text
    assert '<td data-label="办结时限" class="muted">5 个工作日</td>' in row_of(
        listing.text, "电梯故障"
    )


def test_not_ticking_accepts_public_keeps_it_from_residents(client, db, admin):
    response = post(client, "/staff/categories/new", {"name": "内部转办", "code": "internal"})
    assert response.status_code == 303
    category = service.get_category_by_code(db, code="internal")
    db.commit()
    assert category.accepts_public is False and category.active is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("response_hours", "abc", "请填写整数"),
        ("response_hours", "1.5", "请填写整数"),
        ("resolve_days", "0", "不能小于 1"),
        ("resolve_days", "400", "不能大于 365"),
        ("code", "城管", "格式不正确"),
        ("code", "1urban", "格式不正确"),
        ("code", "", "格式不正确"),
        ("name", "", "请填写这一项"),
        ("sort_order", "first", "请填写整数"),
    ],
)
def test_bad_input_rerenders_the_form_with_the_message_beside_the_field(
    client, db, admin, tree, field, value, message
):
    categories, events = count(db, Category), count(db, AuditEvent)
    data = {
        "name": "电梯故障",
        "code": "housing.elevator",
        "parent_id": str(tree["housing"].id),
        "response_hours": "2",
        "resolve_days": "2",
        "accepts_public": "on",
        field: value,
    }
    response = post(client, "/staff/categories/new", data)
    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert f'aria-invalid="true" aria-describedby="e-{field}"' in response.text
    # What was typed is kept, so only the one field needs fixing.
    if field != "name":
        assert 'value="电梯故障"' in response.text
    if value and field not in ("code",):
        assert f'value="{value}"' in response.text
    assert f'<option value="{tree["housing"].id}" selected>' in select_of(
        response.text, "parent_id"
    )
    assert (count(db, Category), count(db, AuditEvent)) == (categories, events)


def test_duplicate_code_names_the_holder_beside_the_field(client, db, admin, tree):
    categories = count(db, Category)
    response = post(client, "/staff/categories/new", {"name": "住房", "code": "HOUSING"})
    assert response.status_code == 422
    assert field_error(response.text, "code") == "代码“housing”已被“住房与物业”使用"
    assert count(db, Category) == categories


def test_tampered_parent_or_unit_is_explained(client, db, admin, tree):
    categories = count(db, Category)
    for value in ("987654", "not-a-number"):
        response = post(
            client,
            "/staff/categories/new",
            {"name": "电梯故障", "code": "elevator", "parent_id": value},
        )
        assert response.status_code == 422
        assert field_error(response.text, "parent_id") == "所选的上级不存在"
        response = post(
            client,
            "/staff/categories/new",
            {"name": "电梯故障", "code": "elevator", "default_unit_id": value},
        )
        assert response.status_code == 422
        assert field_error(response.text, "default_unit_id") == "所选的单位不存在"
    assert count(db, Category) == categories


def test_edit_form_shows_the_current_values(client, admin, tree, place):
    fee = tree["fee"]
    page = client.get(f"/staff/categories/{fee.id}")
    assert page.status_code == 200
    assert 'value="物业收费"' in page.text and 'value="housing.property.fee"' in page.text
    assert 'id="f-resolve_days" name="resolve_days" type="text" value="10"' in page.text
    assert 'id="f-response_hours" name="response_hours" type="text" value=""' in page.text
    assert f'<option value="{tree["property"].id}" selected>' in select_of(page.text, "parent_id")
    assert 'name="active_flag" checked' in page.text


def test_clearing_a_limit_makes_it_inherited_again(client, db, admin, tree):
    fee = tree["fee"]
    response = post(client, f"/staff/categories/{fee.id}", form_of(fee, resolve_days=""))
    assert response.status_code == 303
    assert reload(db, fee).resolve_days is None
    assert service.effective_limits(db, category=fee) == (4, 5)
    db.commit()


def test_moving_a_category_on_the_form_moves_its_subtree(client, db, admin, tree):
    property_, fee, repair = tree["property"], tree["fee"], tree["repair"]
    response = post(
        client, f"/staff/categories/{property_.id}", form_of(property_, parent_id=str(repair.id))
    )
    assert response.status_code == 303
    assert reload(db, property_).path == f"/{repair.id}/{property_.id}/"
    assert reload(db, fee).path == f"/{repair.id}/{property_.id}/{fee.id}/"
    assert service.effective_limits(db, category=fee) == (2, 10)
    db.commit()


def test_a_category_cannot_be_moved_under_its_subtree_on_the_form(client, db, admin, tree):
    housing, property_, fee = tree["housing"], tree["property"], tree["fee"]
    edit = client.get(f"/staff/categories/{housing.id}")
    # The form does not offer the category itself or anything below it as a parent...
    parents = select_of(edit.text, "parent_id")
    for below in (housing, property_, fee):
        assert f'<option value="{below.id}"' not in parents
    assert f'<option value="{tree["repair"].id}"' in parents
    # ...and a hand-made request is refused with the reason beside the field.
    events = count(db, AuditEvent)
    response = post(
        client, f"/staff/categories/{housing.id}", form_of(housing, parent_id=str(fee.id))
    )
    assert response.status_code == 422
    assert field_error(response.text, "parent_id") == "不能把它移到自己或自己的下级之下"
    assert reload(db, housing).parent_id is None
    assert reload(db, fee).path == f"/{housing.id}/{property_.id}/{fee.id}/"
    assert count(db, AuditEvent) == events


def test_deactivating_a_category_with_active_children_is_refused_on_the_form(
    client, db, admin, tree
):
    housing, property_, fee = tree["housing"], tree["property"], tree["fee"]
    events = count(db, AuditEvent)
    response = post(client, f"/staff/categories/{housing.id}", form_of(housing, active_flag=None))
    assert response.status_code == 422
    assert "请先停用它的下级分类。" in response.text
    assert reload(db, housing).active is True
    assert count(db, AuditEvent) == events
    # From the bottom up it works.
    for category in (fee, property_, housing):
        response = post(
            client, f"/staff/categories/{category.id}", form_of(category, active_flag=None)
        )
        assert response.status_code == 303, category.code
    assert [reload(db, c).active for c in (housing, property_, fee)] == [False, False, False]
    listing = client.get("/staff/categories")
    assert '<span class="badge">已停用</span>' in row_of(listing.text, "住房与物业")


def test_edit_unknown_category_is_a_chinese_404(client, admin):
    response = client.get("/staff/categories/987654")
    assert response.status_code == 404 and "没有找到这个分类" in response.text


def test_category_form_without_csrf_token_is_refused(client, db, admin):
    response = client.post("/staff/categories/new", data={"name": "电梯故障", "code": "elevator"})
    assert response.status_code == 403 and "页面已过期" in response.text
    assert count(db, Category) == 0


# Routing rules


def rule_form(category: Category, unit, region=None, note: str = "") -> dict[str, str]:
    return {
        "category_id": str(category.id),
        "region_id": str(region.id) if region else "",
        "unit_id": str(unit.id) if unit else "",
        "note": note,
    }


def test_rules_page_lists_rules_and_names_the_dispatch_centre(client, db, admin, tree, place):
    page = client.get("/staff/routing")
    assert page.status_code == 200
    assert "还没有派单规则。" in page.text
    assert "派单中心：昆山市12345政务服务便民热线" in page.text
    response = post(
        client,
        "/staff/routing",
        rule_form(tree["housing"], place.town_unit, place.town, note="镇里统一处理"),
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/routing?saved=1"
    rule = db.scalar(select(RoutingRule))
    db.commit()
    assert (rule.category_id, rule.region_id, rule.unit_id, rule.note) == (
        tree["housing"].id,
        place.town.id,
        place.town_unit.id,
        "镇里统一处理",
    )
    page = client.get(response.headers["location"])
    assert "已保存" in page.text
    assert re.search(
        r"<td>住房与物业</td>\s*<td[^>]*>周市镇</td>\s*<td[^>]*>周市镇人民政府</td>\s*"
        r"<td[^>]*>镇里统一处理</td>",
        page.text,
    )


def test_city_wide_rule_is_shown_as_such(client, db, admin, tree, place):
    assert (
        post(client, "/staff/routing", rule_form(tree["repair"], place.city_unit)).status_code
        == 303
    )
    page = client.get("/staff/routing").text
    assert re.search(r"<td>物业报修</td>\s*<td[^>]*>全市</td>", page)
    assert db.scalar(select(RoutingRule.region_id)) is None
    db.commit()


def test_rule_without_a_unit_is_explained_and_nothing_is_written(client, db, admin, tree, place):
    rules, events = count(db, RoutingRule), count(db, AuditEvent)
    response = post(client, "/staff/routing", rule_form(tree["housing"], None, place.town))
    assert response.status_code == 422
    assert field_error(response.text, "unit_id") == "请选择承办单位"
    assert 'aria-invalid="true" aria-describedby="e-unit_id"' in response.text
    # The choices made are kept.
    assert f'<option value="{tree["housing"].id}" selected>' in select_of(
        response.text, "category_id"
    )
    assert f'<option value="{place.town.id}" selected>' in select_of(response.text, "region_id")
    response = post(
        client, "/staff/routing", {"category_id": "", "region_id": "", "unit_id": "", "note": ""}
    )
    assert response.status_code == 422
    assert field_error(response.text, "category_id") == "请选择分类"
    assert field_error(response.text, "unit_id") == "请选择承办单位"
    assert (count(db, RoutingRule), count(db, AuditEvent)) == (rules, events)


@pytest.mark.parametrize("where", ["town", None])
def test_second_rule_for_the_same_category_and_place_is_refused(
    client, db, admin, tree, place, where
):
    region = getattr(place, where) if where else None
    assert (
        post(
            client, "/staff/routing", rule_form(tree["housing"], place.town_unit, region)
        ).status_code
        == 303
    )
    rules, events = count(db, RoutingRule), count(db, AuditEvent)
    response = post(client, "/staff/routing", rule_form(tree["housing"], place.department, region))
    assert response.status_code == 422
    assert (
        field_error(response.text, "region_id")
        == "这个分类在这个区域已有规则（派给“周市镇人民政府”）"
    )
    assert (count(db, RoutingRule), count(db, AuditEvent)) == (rules, events)


def test_delete_rule(client, db, admin, tree, place):
    post(client, "/staff/routing", rule_form(tree["housing"], place.town_unit, place.town))
    rule_id = db.scalar(select(RoutingRule.id))
    db.commit()
    response = post(client, f"/staff/routing/{rule_id}/delete", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/routing?deleted=1"
    assert count(db, RoutingRule) == 0
    assert "已删除" in client.get("/staff/routing?deleted=1").text
    assert post(client, f"/staff/routing/{rule_id}/delete", {}).status_code == 404


def test_handler_reads_rules_but_cannot_add_or_delete(client, db, tree, place):
    rule = service.create_rule(
        db,
        data=RoutingRuleCreate(
            category_id=tree["housing"].id, region_id=None, unit_id=place.city_unit.id
        ),
    )
    db.commit()
    handler = factories.staff(db, "handler")
    login(client, handler.username, factories.PASSWORD)
    page = client.get("/staff/routing")
    assert page.status_code == 200 and "昆山市城市管理局" in page.text
    assert 'action="/staff/routing"' not in page.text
    assert "/delete" not in page.text
    events = count(db, AuditEvent)
    response = post(client, "/staff/routing", rule_form(tree["repair"], place.city_unit))
    assert response.status_code == 403
    assert post(client, f"/staff/routing/{rule.id}/delete", {}).status_code == 403
    assert (count(db, RoutingRule), count(db, AuditEvent)) == (1, events)


def test_rules_page_says_when_there_is_no_dispatch_centre(client, db, admin):
    page = client.get("/staff/routing")
    assert "还没有设置派单中心" in page.text


# English


def routing_msgids() -> set[str]:
    """Every Chinese text the routing templates and navigation pass to the translator."""
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", text))
        found |= set(re.findall(r"""(?:label|hint)=["']([^"']+)["']""", text))
        for args in re.findall(r"\{\{\s*select\(([^)]*)\)", text):
            strings = re.findall(r'"([^"]*)"', args)
            found |= set(strings[1:])  # the label, the empty option and the hint
    module = minsheng.routing.module.module
    found |= {item.label for item in module.nav} | {module.label}
    return {s for s in found if re.search(r"[\u4e00-\u9fff]", s)}


# Messages the routing pages show next to a field or at the top of a form (fixed texts only).
PAGE_MESSAGES = {
    "请选择分类",
    "请选择承办单位",
    "请先停用它的下级分类。",
    "所选的分类不存在",
    "所选的区域不存在",
    "所选的单位不存在或已停用",
    "没有找到这个分类。",
    "没有找到这条派单规则。",
}


def test_every_routing_text_has_an_english_translation():
    english = translations("en")
    texts = routing_msgids()
    assert {"分类与时限", "派单规则", "%(n)s 工作小时", "（不指定，按上级或派单中心）"} <= texts
    missing = sorted(t for t in texts | PAGE_MESSAGES if english.gettext(t) == t)
    assert missing == []
    for text in texts:  # placeholders survive translation
        assert re.findall(r"%\(\w+\)s", english.gettext(text)) == re.findall(r"%\(\w+\)s", text)
    # The delete button says what it does, unlike the audit trail's "删除" (deleted).
    assert english.gettext("删除规则") == "Delete rule"


def test_pages_in_english(client, db, admin, tree, place):
    client.cookies.set("minsheng_lang", "en")
    page = client.get("/staff/categories")
    assert "<h1>Categories and time limits</h1>" in page.text
    assert '<td data-label="Response limit" class="muted">4 working hours</td>' in row_of(
        page.text, "物业收费"
    )
    assert '<td data-label="Resolution limit">10 working days</td>' in row_of(page.text, "物业收费")
    assert ">Routing rules</a>" in page.text  # the navigation
    service.create_rule(
        db,
        data=RoutingRuleCreate(
            category_id=tree["housing"].id, region_id=None, unit_id=place.city_unit.id
        ),
    )
    db.commit()
    rules = client.get("/staff/routing").text
    assert "Dispatch centre: 昆山市12345政务服务便民热线" in rules
    assert re.search(r"<td>住房与物业</td>\s*<td[^>]*>Whole city</td>", rules)
    assert '<button type="submit" class="button small">Delete rule<span' in rules
    response = post(client, "/staff/routing", rule_form(tree["repair"], None))
    assert field_error(response.text, "unit_id") == "Please choose a handling unit"
    form = client.get("/staff/categories/new").text
    assert "Response limit (working hours)" in form and "Parent category" in form
