"""The routing service: inherited time limits, the category tree, rules, route(), demo data."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from minsheng.audit import service as audit
from minsheng.core.errors import Conflict, InvalidInput
from minsheng.core.modules import load_modules
from minsheng.core.settings import get_settings
from minsheng.org import service as org
from minsheng.org.models import Region
from minsheng.routing import demo, service
from minsheng.routing.models import Category, RoutingRule
from minsheng.routing.schemas import CategoryCreate, RoutingRuleCreate
from tests.routing import Place, add_category, change_category, kunshan


@pytest.fixture
def place(db) -> Place:
    return kunshan(db)


def set_defaults(monkeypatch, hours: int, days: int) -> None:
    monkeypatch.setenv("MINSHENG_DEFAULT_RESPONSE_HOURS", str(hours))
    monkeypatch.setenv("MINSHENG_DEFAULT_RESOLVE_DAYS", str(days))
    get_settings.cache_clear()


def add_rule(db, category: Category, region: Region | None, unit) -> RoutingRule:
    data = RoutingRuleCreate(
        category_id=category.id, region_id=region.id if region else None, unit_id=unit.id
    )
    return service.create_rule(db, data=data)


def limits_read(db) -> dict[str, tuple[int, int]]:
    return {
        c.code: (c.effective_response_hours, c.effective_resolve_days)
        for c in service.read_all(service.list_categories(db))
    }


# Time limits


def test_limits_come_from_the_category_then_its_parents_then_settings(db, monkeypatch):
    set_defaults(monkeypatch, 36, 9)
    root = add_category(db, "housing", "住房与物业")
    child = add_category(db, "housing.leak", "房屋渗漏", root, resolve_days=7)
    grandchild = add_category(db, "housing.leak.roof", "屋顶漏水", child)
    own = add_category(db, "housing.leak.pipe", "水管爆裂", child, response_hours=2)
    assert service.effective_limits(db, category=root) == (36, 9)  # settings
    assert service.effective_limits(db, category=child) == (36, 7)  # own days, settings' hours
    assert service.effective_limits(db, category=grandchild) == (36, 7)  # the parent's days
    assert service.effective_limits(db, category=own) == (2, 7)
    # The list the API and pages show agrees with the single look-up.
    assert limits_read(db) == {
        "housing": (36, 9),
        "housing.leak": (36, 7),
        "housing.leak.roof": (36, 7),
        "housing.leak.pipe": (2, 7),
    }
    # Inherited, not copied: the category keeps no value of its own.
    assert (grandchild.response_hours, grandchild.resolve_days) == (None, None)


def test_nearest_set_value_wins_and_changes_reach_the_subtree(db, monkeypatch):
    set_defaults(monkeypatch, 24, 5)
    root = add_category(db, "utilities", "水电气", response_hours=2, resolve_days=3)
    child = add_category(db, "utilities.water", "停水", root)
    grandchild = add_category(db, "utilities.water.pressure", "水压低", child)
    assert service.effective_limits(db, category=grandchild) == (2, 3)
    change_category(db, child, resolve_days=1)
    assert service.effective_limits(db, category=grandchild) == (2, 1)
    change_category(db, root, response_hours=None, resolve_days=None)
    assert service.effective_limits(db, category=root) == (24, 5)
    assert service.effective_limits(db, category=grandchild) == (24, 1)


def test_settings_defaults_are_read_when_asked_not_stored(db, monkeypatch):
    set_defaults(monkeypatch, 24, 5)
    other = add_category(db, "other", "其他")
    assert service.effective_limits(db, category=other) == (24, 5)
    set_defaults(monkeypatch, 8, 12)
    assert service.effective_limits(db, category=other) == (8, 12)
    assert limits_read(db)["other"] == (8, 12)


@pytest.mark.parametrize(
    ("field", "value"),
    [("response_hours", 0), ("response_hours", 721), ("resolve_days", 0), ("resolve_days", 366)],
)
def test_limits_out_of_range_are_refused_by_the_schema(field, value):
    with pytest.raises(ValidationError) as caught:
        CategoryCreate(code="other", name="其他", **{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


# Codes


@pytest.mark.parametrize(
    "code", ["1urban", "u", "urban stall", "城管", "urban/stall", "x" * 41, "", "_urban"]
)
def test_code_format_is_checked(code):
    with pytest.raises(ValidationError) as caught:
        CategoryCreate(code=code, name="市容城管")
    assert caught.value.errors()[0]["loc"] == ("code",)


def test_code_is_trimmed_and_lowercased(db):
    category = add_category(db, "  Housing.Elevator ", "电梯故障")
    assert category.code == "housing.elevator"
    assert service.get_category_by_code(db, code=" HOUSING.ELEVATOR") is category


def test_code_must_be_unique_whatever_its_case(db):
    add_category(db, "housing", "住房与物业")
    with pytest.raises(InvalidInput) as caught:
        add_category(db, "HOUSING", "住房")
    assert caught.value.fields == {"code": "代码“housing”已被“住房与物业”使用"}


def test_keeping_ones_own_code_on_update_is_not_a_clash(db):
    category = add_category(db, "housing", "住房与物业")
    change_category(db, category, name="住房和物业")
    assert category.name == "住房和物业"
    other = add_category(db, "traffic", "交通出行")
    with pytest.raises(InvalidInput) as caught:
        change_category(db, other, code="housing")
    assert "已被“住房和物业”使用" in caught.value.fields["code"]


def test_unknown_parent_or_default_unit_is_a_field_error(db):
    with pytest.raises(InvalidInput) as caught:
        service.create_category(
            db, data=CategoryCreate(code="urban", name="市容城管", parent_id=987654)
        )
    assert caught.value.fields == {"parent_id": "所选的上级不存在"}
    with pytest.raises(InvalidInput) as caught:
        service.create_category(
            db, data=CategoryCreate(code="urban", name="市容城管", default_unit_id=987654)
        )
    assert caught.value.fields == {"default_unit_id": "所选的单位不存在"}


# The tree


def test_paths_follow_the_tree_and_the_list_puts_parents_first(db):
    traffic = add_category(db, "traffic", "交通出行", sort_order=2)
    urban = add_category(db, "urban", "市容城管", sort_order=1)
    stall = add_category(db, "urban.stall", "占道经营", urban)
    bus = add_category(db, "traffic.bus", "公交线路", traffic)
    assert stall.path == f"/{urban.id}/{stall.id}/"
    assert [c.code for c in service.list_categories(db)] == [
        "urban",
        "urban.stall",
        "traffic",
        "traffic.bus",
    ]
    read = {c.code: c for c in service.read_all(service.list_categories(db))}
    assert (read["traffic.bus"].parent_code, read["traffic.bus"].depth) == ("traffic", 1)
    assert (read["traffic"].parent_code, read["traffic"].depth) == (None, 0)
    assert bus.path == f"/{traffic.id}/{bus.id}/"


def test_moving_a_category_moves_its_subtree_and_its_inherited_limits(db, monkeypatch):
    set_defaults(monkeypatch, 24, 5)
    housing = add_category(db, "housing", "住房与物业", resolve_days=5)
    repair = add_category(db, "repair", "物业报修", response_hours=2, resolve_days=3)
    property_ = add_category(db, "housing.property", "物业服务", housing)
    door = add_category(db, "housing.property.door", "门禁门窗", property_)
    lock = add_category(db, "housing.property.door.lock", "门锁", door)
    assert service.effective_limits(db, category=lock) == (24, 5)

    change_category(db, property_, parent_id=repair.id)
    db.commit()
    for row in (property_, door, lock):
        db.refresh(row)
    assert property_.path == f"/{repair.id}/{property_.id}/"
    assert door.path == f"/{repair.id}/{property_.id}/{door.id}/"
    assert lock.path == f"{door.path}{lock.id}/"
    assert door.parent_id == property_.id  # children keep their parent
    assert service.effective_limits(db, category=lock) == (2, 3)
    assert [c.code for c in service.list_categories(db)] == [
        "housing",
        "repair",
        "housing.property",
        "housing.property.door",
        "housing.property.door.lock",
    ]

    # And up to the top level.
    change_category(db, door, parent_id=None)
    assert door.path == f"/{door.id}/" and lock.path == f"/{door.id}/{lock.id}/"
    assert service.effective_limits(db, category=lock) == (24, 5)


def test_a_category_cannot_move_under_itself_or_its_descendants(db):
    housing = add_category(db, "housing", "住房与物业")
    child = add_category(db, "housing.property", "物业服务", housing)
    grandchild = add_category(db, "housing.property.fee", "物业收费", child)
    db.commit()
    for target in (housing, child, grandchild):
        with pytest.raises(InvalidInput) as caught:
            change_category(db, housing, parent_id=target.id)
        assert caught.value.fields == {"parent_id": "不能把它移到自己或自己的下级之下"}
        db.rollback()
    assert housing.parent_id is None and housing.path == f"/{housing.id}/"
    assert grandchild.path == f"/{housing.id}/{child.id}/{grandchild.id}/"


def test_a_category_with_active_children_cannot_be_deactivated(db):
    housing = add_category(db, "housing", "住房与物业")
    child = add_category(db, "housing.property", "物业服务", housing)
    db.commit()
    with pytest.raises(Conflict) as caught:
        change_category(db, housing, active=False)
    assert caught.value.message == "请先停用它的下级分类。"
    db.rollback()
    assert housing.active is True
    change_category(db, child, active=False)
    change_category(db, housing, active=False)
    assert (housing.active, child.active) == (False, False)
    assert [c.code for c in service.list_categories(db, active_only=True)] == []


def test_no_active_category_under_a_retired_one(db):
    housing = add_category(db, "housing", "住房与物业")
    child = add_category(db, "housing.property", "物业服务", housing)
    change_category(db, child, active=False)
    change_category(db, housing, active=False)
    other = add_category(db, "other", "其他")
    db.commit()
    expected = {"parent_id": "上级分类“住房与物业”已停用，请先启用它"}
    with pytest.raises(InvalidInput) as caught:  # a new one under it
        add_category(db, "housing.fee", "物业收费", housing)
    assert caught.value.fields == expected
    db.rollback()
    with pytest.raises(InvalidInput) as caught:  # bringing a child back alone
        change_category(db, child, active=True)
    assert caught.value.fields == expected
    db.rollback()
    with pytest.raises(InvalidInput) as caught:  # moving an active one under it
        change_category(db, other, parent_id=housing.id)
    assert caught.value.fields == expected
    db.rollback()
    # Retired ones may still be filed under it, and the parent comes back first.
    change_category(db, other, parent_id=housing.id, active=False)
    change_category(db, housing, active=True)
    change_category(db, child, active=True)
    assert [c.code for c in service.list_categories(db, active_only=True)] == [
        "housing",
        "housing.property",
    ]


def test_public_list_leaves_out_inactive_and_internal_categories(db):
    housing = add_category(db, "housing", "住房与物业")
    add_category(db, "housing.property", "物业服务", housing)
    add_category(db, "housing.internal", "内部转办", housing, accepts_public=False)
    retired = add_category(db, "housing.old", "旧分类", housing)
    change_category(db, retired, active=False)
    public = service.list_categories(db, active_only=True, public_only=True)
    assert [c.code for c in public] == ["housing", "housing.property"]
    assert len(service.list_categories(db)) == 4


# Rules


def test_one_rule_per_category_and_region(db, place):
    urban = add_category(db, "urban", "市容城管")
    stall = add_category(db, "urban.stall", "占道经营", urban)
    add_rule(db, urban, place.town, place.town_unit)
    with pytest.raises(InvalidInput) as caught:
        add_rule(db, urban, place.town, place.city_unit)
    assert caught.value.fields == {
        "region_id": "这个分类在这个区域已有规则（派给“周市镇人民政府”）"
    }
    # The same region for another category, another region for the same one: both fine.
    add_rule(db, stall, place.town, place.city_unit)
    add_rule(db, urban, place.other_town, place.other_town_unit)
    assert len(service.list_rules(db)) == 3


def test_one_city_wide_rule_per_category(db, place):
    """The database lets NULL regions repeat; the service must not."""
    urban = add_category(db, "urban", "市容城管")
    add_rule(db, urban, None, place.city_unit)
    db.commit()
    with pytest.raises(InvalidInput) as caught:
        add_rule(db, urban, None, place.department)
    assert "已有规则（派给“昆山市城市管理局”）" in caught.value.fields["region_id"]
    db.rollback()
    assert len(service.list_rules(db)) == 1
    # A city-wide rule and one for a town of the same category live side by side.
    add_rule(db, urban, place.town, place.town_unit)
    assert len(service.list_rules(db)) == 2


def test_changing_a_rule_onto_another_rules_place_is_refused(db, place):
    urban = add_category(db, "urban", "市容城管")
    city_wide = add_rule(db, urban, None, place.city_unit)
    town = add_rule(db, urban, place.town, place.town_unit)
    db.commit()
    data = RoutingRuleCreate(category_id=urban.id, region_id=None, unit_id=place.department.id)
    with pytest.raises(InvalidInput):
        service.update_rule(db, rule=town, data=data)
    db.rollback()
    # Changing a rule's own unit while keeping its place is fine.
    service.update_rule(db, rule=city_wide, data=data)
    assert service.rule_read(city_wide).unit_name == "昆山市住房和城乡建设局"


def test_a_changed_rule_routes_to_its_new_unit_at_once(db, place):
    urban = add_category(db, "urban", "市容城管")
    rule = add_rule(db, urban, place.town, place.town_unit)
    assert service.route(db, category=urban, region=place.town).unit_id == place.town_unit.id
    data = RoutingRuleCreate(category_id=urban.id, region_id=None, unit_id=place.city_unit.id)
    service.update_rule(db, rule=rule, data=data)
    assert service.rule_read(rule).model_dump() == {
        "id": rule.id,
        "category_id": urban.id,
        "category_name": "市容城管",
        "region_id": None,
        "region_name": None,
        "unit_id": place.city_unit.id,
        "unit_name": "昆山市城市管理局",
        "note": "",
    }
    answer = service.route(db, category=urban, region=place.town)
    assert (answer.unit_id, answer.unit_name) == (place.city_unit.id, "昆山市城市管理局")
    assert answer.reason == "派单规则：市容城管（全市）"


def test_rule_needs_existing_category_region_and_an_active_unit(db, place):
    urban = add_category(db, "urban", "市容城管")
    place.department.active = False
    db.flush()
    with pytest.raises(InvalidInput) as caught:
        service.create_rule(
            db, data=RoutingRuleCreate(category_id=987654, region_id=987654, unit_id=987654)
        )
    assert set(caught.value.fields) == {"category_id", "region_id", "unit_id"}
    with pytest.raises(InvalidInput) as caught:
        add_rule(db, urban, None, place.department)
    assert caught.value.fields == {"unit_id": "所选的单位不存在或已停用"}


# route()


def test_most_specific_category_wins_over_a_nearer_region(db, place):
    urban = add_category(db, "urban", "市容城管")
    building = add_category(db, "urban.building", "违章搭建", urban)
    add_rule(db, urban, place.community, place.community_unit)
    rule = add_rule(db, building, None, place.department)
    answer = service.route(db, category=building, region=place.community)
    assert (answer.unit_id, answer.rule_id) == (place.department.id, rule.id)
    assert answer.reason == "派单规则：违章搭建（全市）"
    # The parent category itself still goes to the community.
    assert service.route(db, category=urban, region=place.community).unit_id == (
        place.community_unit.id
    )


def test_nearest_region_wins_within_a_category(db, place):
    urban = add_category(db, "urban", "市容城管")
    add_rule(db, urban, None, place.department)
    add_rule(db, urban, place.city, place.city_unit)
    add_rule(db, urban, place.town, place.town_unit)
    add_rule(db, urban, place.other_town, place.other_town_unit)
    assert service.route(db, category=urban, region=place.community).unit_id == (place.town_unit.id)
    assert service.route(db, category=urban, region=place.town).unit_id == place.town_unit.id
    assert service.route(db, category=urban, region=place.other_town).unit_id == (
        place.other_town_unit.id
    )
    assert service.route(db, category=urban, region=place.city).unit_id == place.city_unit.id
    # Without a place only the city-wide rule applies.
    assert service.route(db, category=urban, region=None).unit_id == place.department.id


def test_community_falls_back_to_town_then_city(db, place):
    stall = add_category(db, "urban.stall", "占道经营")
    community_rule = add_rule(db, stall, place.community, place.community_unit)
    town_rule = add_rule(db, stall, place.town, place.town_unit)
    add_rule(db, stall, place.city, place.city_unit)

    def routed() -> tuple[int | None, str]:
        answer = service.route(db, category=stall, region=place.community)
        return answer.unit_id, answer.reason

    assert routed() == (place.community_unit.id, "派单规则：占道经营（长泾社区）")
    service.delete_rule(db, rule=community_rule)
    assert routed() == (place.town_unit.id, "派单规则：占道经营（周市镇）")
    service.delete_rule(db, rule=town_rule)
    assert routed() == (place.city_unit.id, "派单规则：占道经营（昆山市）")


def test_inactive_unit_is_skipped(db, place):
    urban = add_category(db, "urban", "市容城管", default_unit_id=place.department.id)
    add_rule(db, urban, place.town, place.town_unit)
    add_rule(db, urban, None, place.city_unit)
    place.town_unit.active = False
    db.flush()
    answer = service.route(db, category=urban, region=place.community)
    assert answer.unit_id == place.city_unit.id
    place.city_unit.active = False
    db.flush()
    answer = service.route(db, category=urban, region=place.community)
    assert (answer.unit_id, answer.rule_id) == (place.department.id, None)
    place.department.active = False
    db.flush()
    assert service.route(db, category=urban, region=place.community).unit_id == place.centre.id


def test_default_unit_of_the_nearest_ancestor(db, place):
    housing = add_category(db, "housing", "住房与物业", default_unit_id=place.department.id)
    property_ = add_category(db, "housing.property", "物业服务", housing)
    fee = add_category(db, "housing.property.fee", "物业收费", property_)
    answer = service.route(db, category=fee, region=place.community)
    assert (answer.unit_id, answer.unit_name, answer.rule_id) == (
        place.department.id,
        "昆山市住房和城乡建设局",
        None,
    )
    assert answer.reason == "分类“住房与物业”的默认承办单位"
    change_category(db, property_, default_unit_id=place.city_unit.id)
    answer = service.route(db, category=fee, region=place.community)
    assert answer.unit_id == place.city_unit.id
    assert answer.reason == "分类“物业服务”的默认承办单位"
    # A rule still beats any default unit.
    add_rule(db, housing, place.city, place.town_unit)
    assert service.route(db, category=fee, region=place.community).unit_id == place.town_unit.id


def test_else_the_dispatch_centre_else_a_clear_reason(db, place):
    other = add_category(db, "other", "其他")
    answer = service.route(db, category=other, region=place.town)
    assert (answer.unit_id, answer.unit_name, answer.rule_id) == (
        place.centre.id,
        "昆山市12345政务服务便民热线",
        None,
    )
    assert "派单中心" in answer.reason
    assert service.dispatch_centre(db) is place.centre
    place.centre.active = False
    db.flush()
    assert service.dispatch_centre(db) is None
    answer = service.route(db, category=other, region=place.town)
    assert (answer.unit_id, answer.unit_name) == (None, None)
    assert answer.reason == "没有匹配的规则，也没有设置派单中心"


def test_rules_of_unrelated_categories_and_regions_do_not_apply(db, place):
    urban = add_category(db, "urban", "市容城管")
    stall = add_category(db, "urban.stall", "占道经营", urban)
    traffic = add_category(db, "traffic", "交通出行")
    add_rule(db, stall, None, place.city_unit)  # a child's rule does not cover its parent
    add_rule(db, traffic, None, place.department)
    add_rule(db, urban, place.other_town, place.other_town_unit)  # another town
    assert service.route(db, category=urban, region=place.community).unit_id == place.centre.id


# Demo data


def run_demos(db) -> int:
    """Loads every module's demo data in order, as `minsheng demo` does; the audit rows added."""
    before = audit.total(db)
    loaders = sorted((m for m in load_modules() if m.demo), key=lambda m: m.demo_order)
    assert {"org", "accounts", "routing"} <= {m.name for m in loaders}
    for module in loaders:
        assert module.demo is not None
        module.demo(db, lambda step: None)
    db.flush()
    added = audit.total(db) - before
    db.commit()
    return added


def test_demo_loaded_twice_changes_nothing(db):
    first = run_demos(db)
    categories = db.scalars(select(Category)).all()
    rules = db.scalars(select(RoutingRule)).all()
    assert len(categories) == len(demo.CATEGORIES) and len(rules) == len(demo.TOWN_RULES)
    assert first > len(categories) + len(rules)  # everything it created was audited
    assert run_demos(db) == 0
    assert len(db.scalars(select(Category)).all()) == len(categories)
    assert len(db.scalars(select(RoutingRule)).all()) == len(rules)


def test_every_demo_category_routes_to_a_unit_everywhere(db):
    run_demos(db)
    regions: list[Region | None] = [None, *org.list_regions(db)]
    for category in service.list_categories(db):
        for region in regions:
            answer = service.route(db, category=category, region=region)
            where = region.name if region else "全市"
            assert answer.unit_id is not None, (category.code, where, answer.reason)
    # The town rules are honoured: a fire hazard in 泾河村 goes to its village committee.
    fire = service.get_category_by_code(db, code="safety.fire")
    village = next(r for r in org.list_regions(db) if r.name == "泾河村")
    assert service.route(db, category=fire, region=village).unit_name == "泾河村村民委员会"
    # Categories without a default anywhere up their tree go to the 12345 centre.
    other = service.get_category_by_code(db, code="other")
    assert service.route(db, category=other, region=None).unit_name == "昆山市12345政务服务便民热线"


def test_demo_parents_come_before_their_children():
    seen: set[str] = set()
    for code, _name, parent, *_ in demo.CATEGORIES:
        assert parent is None or parent in seen, code
        seen.add(code)
