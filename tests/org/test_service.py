"""The region and unit trees through the service: levels, codes, names, moves, deactivation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from minsheng.core.errors import Conflict, InvalidInput
from minsheng.org import service
from minsheng.org.models import Region, RegionLevel, Unit, UnitKind
from minsheng.org.schemas import RegionCreate, RegionUpdate, UnitCreate, UnitUpdate


def add_region(
    db, name: str, level: RegionLevel, parent: Region | None = None, code: str | None = None
) -> Region:
    data = RegionCreate(name=name, level=level, code=code, parent_id=parent.id if parent else None)
    return service.create_region(db, data=data)


def change_region(db, region: Region, **changes) -> Region:
    fields = {k: getattr(region, k) for k in ("name", "code", "level", "parent_id", "active")}
    return service.update_region(db, region=region, data=RegionUpdate(**{**fields, **changes}))


def add_unit(db, name: str, parent: Unit | None = None, **extra) -> Unit:
    data = UnitCreate(
        name=name,
        kind=extra.pop("kind", UnitKind.department),
        parent_id=parent.id if parent else None,
        **extra,
    )
    return service.create_unit(db, data=data)


def change_unit(db, unit: Unit, **changes) -> Unit:
    keys = ("name", "kind", "parent_id", "region_id", "contact_phone", "active")
    fields = {k: getattr(unit, k) for k in keys}
    return service.update_unit(db, unit=unit, data=UnitUpdate(**{**fields, **changes}))


@pytest.fixture
def city(db) -> Region:
    region = add_region(db, "昆山市", RegionLevel.city, code="320583")
    db.commit()
    return region


@pytest.fixture
def town(db, city) -> Region:
    region = add_region(db, "周市镇", RegionLevel.town, city, code="320583102")
    db.commit()
    return region


# Regions: the tree


def test_region_paths_follow_the_tree(db, city, town):
    community = add_region(db, "长泾社区", RegionLevel.community, town)
    assert city.path == f"/{city.id}/"
    assert town.path == f"/{city.id}/{town.id}/"
    assert community.path == f"/{city.id}/{town.id}/{community.id}/"
    assert [r.name for r in service.list_regions(db)] == ["昆山市", "周市镇", "长泾社区"]


def test_zone_and_village_fit_the_tree(db, city):
    zone = add_region(db, "昆山高新区", RegionLevel.zone, city)
    village = add_region(db, "泾河村", RegionLevel.village, zone)
    assert village.path == f"{zone.path}{village.id}/"


@pytest.mark.parametrize(
    ("parent_name", "level"),
    [
        (None, RegionLevel.town),  # a town must sit under a city
        (None, RegionLevel.community),
        ("city", RegionLevel.city),  # no city under a city
        ("city", RegionLevel.community),  # communities sit under towns, not the city
        ("city", RegionLevel.village),
        ("town", RegionLevel.town),
        ("town", RegionLevel.city),
    ],
)
def test_region_level_must_fit_under_its_parent(db, city, town, parent_name, level):
    parent = {"city": city, "town": town, None: None}[parent_name]
    before = len(service.list_regions(db))
    with pytest.raises(InvalidInput) as exc:
        add_region(db, "新区划", level, parent)
    assert "level" in exc.value.fields
    assert "只能设" in exc.value.fields["level"]
    assert len(service.list_regions(db)) == before


def test_nothing_may_sit_under_a_community(db, town):
    community = add_region(db, "长泾社区", RegionLevel.community, town)
    with pytest.raises(InvalidInput) as exc:
        add_region(db, "某小区", RegionLevel.village, community)
    message = exc.value.fields["level"]
    assert "长泾社区" in message
    # The message says plainly that nothing can go there (not "only ... any region").
    assert "不能" in message and "任何区划" not in message


def test_changing_a_regions_level_is_checked_against_its_parent(db, city, town):
    with pytest.raises(InvalidInput) as exc:
        change_region(db, town, level=RegionLevel.community)
    assert "level" in exc.value.fields
    assert change_region(db, town, level=RegionLevel.zone).level == RegionLevel.zone


def test_region_parent_must_exist(db):
    with pytest.raises(InvalidInput) as exc:
        service.create_region(
            db, data=RegionCreate(name="周市镇", level=RegionLevel.town, parent_id=987654)
        )
    assert exc.value.fields == {"parent_id": "所选的上级不存在"}


# Regions: division codes


@pytest.mark.parametrize("code", ["320583", "320583102", "320583102001"])
def test_division_code_of_6_9_or_12_digits_is_accepted(code):
    assert RegionCreate(name="区划", level=RegionLevel.city, code=f" {code} ").code == code


def test_division_code_typed_in_full_width_digits_is_stored_in_ascii():
    assert RegionCreate(name="区划", level=RegionLevel.city, code="３２０５８３").code == "320583"


@pytest.mark.parametrize(
    "code",
    [
        "32058",
        "3205831",
        "32058310",
        "3205831020",
        "3205831020011",
        "32058A",
        "320 583",
        "٣٢٠٥٨٣",
        "३२०५८३",
    ],
)
def test_division_code_of_other_shapes_is_refused(code):
    with pytest.raises(ValidationError) as exc:
        RegionCreate(name="区划", level=RegionLevel.city, code=code)
    assert exc.value.errors()[0]["loc"] == ("code",)


def test_empty_division_code_means_none(db, city):
    first = add_region(db, "昆山高新区", RegionLevel.zone, city, code="")
    second = add_region(db, "昆山旅游度假区", RegionLevel.zone, city, code="")
    assert first.code is None and second.code is None


def test_division_code_must_be_unique(db, city, town):
    with pytest.raises(InvalidInput) as exc:
        add_region(db, "巴城镇", RegionLevel.town, city, code="320583102")
    assert "320583102" in exc.value.fields["code"] and "周市镇" in exc.value.fields["code"]
    assert service.get_region_by_code(db, code="320583102") is town


def test_division_code_uniqueness_holds_on_update(db, city, town):
    other = add_region(db, "巴城镇", RegionLevel.town, city, code="320583101")
    with pytest.raises(InvalidInput) as exc:
        change_region(db, other, code="320583102")
    assert "code" in exc.value.fields
    # Keeping one's own code is not a clash.
    assert change_region(db, town, name="周市镇（新）").code == "320583102"


def test_sibling_names_are_unique_but_cousins_may_share(db, city, town):
    other_town = add_region(db, "巴城镇", RegionLevel.town, city)
    add_region(db, "新村社区", RegionLevel.community, town)
    with pytest.raises(InvalidInput) as exc:
        add_region(db, "新村社区", RegionLevel.community, town)
    assert "name" in exc.value.fields
    assert add_region(db, "新村社区", RegionLevel.community, other_town).parent_id == other_town.id


# Regions: moving


def test_moving_a_region_moves_its_subtree(db, city, town):
    other_city = add_region(db, "太仓市", RegionLevel.city, code="320585")
    community = add_region(db, "长泾社区", RegionLevel.community, town)
    change_region(db, town, parent_id=other_city.id)
    db.expire_all()
    assert town.path == f"/{other_city.id}/{town.id}/"
    assert db.get(Region, community.id).path == f"/{other_city.id}/{town.id}/{community.id}/"
    assert not any(
        r.path.startswith(city.path) for r in service.list_regions(db) if r.id != city.id
    )


def test_moving_a_community_to_another_town(db, city, town):
    other_town = add_region(db, "巴城镇", RegionLevel.town, city)
    community = add_region(db, "并蒂莲社区", RegionLevel.community, town)
    change_region(db, community, parent_id=other_town.id)
    assert community.parent_id == other_town.id
    assert community.path == f"{other_town.path}{community.id}/"


def test_region_cannot_move_under_itself_or_its_descendant(db, city, town):
    community = add_region(db, "长泾社区", RegionLevel.community, town)
    db.commit()
    for target in (town, community):
        with pytest.raises(InvalidInput):
            change_region(db, town, parent_id=target.id)
        db.rollback()
    assert db.get(Region, town.id).parent_id == city.id
    assert db.get(Region, community.id).path.startswith(db.get(Region, town.id).path)


# Units


def test_unit_tree_paths_and_region(db, town):
    government = add_unit(db, "周市镇人民政府", kind=UnitKind.government, region_id=town.id)
    committee = add_unit(db, "长泾社区居委会", government, kind=UnitKind.community)
    assert committee.path == f"/{government.id}/{committee.id}/"
    assert government.region_id == town.id
    assert [u.name for u in service.list_units(db, under_path=government.path)] == [
        "周市镇人民政府",
        "长泾社区居委会",
    ]


def test_unit_name_must_be_unique(db):
    add_unit(db, "昆山市城市管理局")
    with pytest.raises(InvalidInput) as exc:
        add_unit(db, " 昆山市城市管理局 ")
    assert exc.value.fields == {"name": "已有名为“昆山市城市管理局”的单位"}
    assert len(service.list_units(db)) == 1


def test_unit_name_uniqueness_holds_on_rename(db):
    add_unit(db, "昆山市城市管理局")
    other = add_unit(db, "昆山市水务局")
    with pytest.raises(InvalidInput) as exc:
        change_unit(db, other, name="昆山市城市管理局")
    assert "name" in exc.value.fields
    assert change_unit(db, other, contact_phone="0512-57311013").name == "昆山市水务局"


def test_unit_parent_and_region_must_exist(db):
    with pytest.raises(InvalidInput) as exc:
        service.create_unit(
            db, data=UnitCreate(name="某单位", kind=UnitKind.department, parent_id=987654)
        )
    assert exc.value.fields == {"parent_id": "所选的上级不存在"}
    with pytest.raises(InvalidInput) as exc:
        service.create_unit(
            db, data=UnitCreate(name="某单位", kind=UnitKind.department, region_id=987654)
        )
    assert exc.value.fields == {"region_id": "所选的区划不存在"}
    assert service.list_units(db) == []


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "0512-57312345",
        "12345",
        "95598",
        "0512-57312345转8001",
        "+86 138 1234 5678",
        "(0512)57312345",
    ],
)
def test_contact_phone_accepts_phone_numbers(phone):
    assert (
        UnitCreate(name="某单位", kind=UnitKind.department, contact_phone=phone).contact_phone
        == phone.strip()
    )


@pytest.mark.parametrize(
    "phone", ["abc", "12", "0512_57312345", "电话0512-5731", "0512-5731;DROP", "1" * 41]
)
def test_contact_phone_refuses_what_is_not_a_phone_number(phone):
    with pytest.raises(ValidationError) as exc:
        UnitCreate(name="某单位", kind=UnitKind.department, contact_phone=phone)
    error = exc.value.errors()[0]
    assert error["loc"] == ("contact_phone",)


def test_contact_phone_message_is_chinese_and_says_how():
    with pytest.raises(ValidationError) as exc:
        UnitCreate(name="某单位", kind=UnitKind.department, contact_phone="call me")
    assert "联系电话只能包含数字" in str(exc.value.errors()[0]["ctx"]["error"])


def test_moving_a_unit_moves_its_subtree(db):
    group = add_unit(db, "昆山城市建设投资发展集团", kind=UnitKind.company)
    government = add_unit(db, "昆山市人民政府", kind=UnitKind.government)
    company = add_unit(db, "昆山乐成置业有限公司", kind=UnitKind.company)
    team = add_unit(db, "乐成置业维修班", company, kind=UnitKind.company)
    crew = add_unit(db, "乐成置业维修一组", team, kind=UnitKind.company)
    change_unit(db, company, parent_id=group.id)
    db.expire_all()
    assert db.get(Unit, team.id).path == f"/{group.id}/{company.id}/{team.id}/"
    assert db.get(Unit, crew.id).path == f"/{group.id}/{company.id}/{team.id}/{crew.id}/"
    assert db.get(Unit, government.id).path == f"/{government.id}/"
    # Moving back to the top works the same way.
    change_unit(db, db.get(Unit, company.id), parent_id=None)
    db.expire_all()
    assert db.get(Unit, crew.id).path == f"/{company.id}/{team.id}/{crew.id}/"


def test_unit_cannot_move_under_itself_or_its_descendant(db):
    parent = add_unit(db, "昆山市人民政府", kind=UnitKind.government)
    child = add_unit(db, "昆山市住房和城乡建设局", parent)
    grandchild = add_unit(db, "住建局物业科", child)
    db.commit()
    for target in (parent, child, grandchild):
        with pytest.raises(InvalidInput) as exc:
            change_unit(db, parent, parent_id=target.id)
        assert exc.value.fields == {"parent_id": "不能把它移到自己或自己的下级之下"}
        db.rollback()
    db.expire_all()
    assert db.get(Unit, parent.id).parent_id is None
    assert db.get(Unit, grandchild.id).path == f"/{parent.id}/{child.id}/{grandchild.id}/"


def test_deactivating_a_unit_with_active_children_is_refused(db):
    parent = add_unit(db, "昆山市人民政府", kind=UnitKind.government)
    child = add_unit(db, "昆山市水务局", parent)
    with pytest.raises(Conflict) as exc:
        change_unit(db, parent, active=False)
    assert "下级单位" in exc.value.message
    assert parent.active is True
    change_unit(db, child, active=False)
    change_unit(db, parent, active=False)
    assert db.scalars(select(Unit.active)).all() == [False, False]
    assert service.list_units(db, active_only=True) == []
