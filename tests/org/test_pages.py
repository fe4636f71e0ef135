"""Staff pages for units and regions: HTML forms with CSRF, Chinese messages beside the field."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from minsheng.audit.models import AuditEvent
from minsheng.org.models import Region, RegionLevel, Unit, UnitKind
from tests import factories
from tests.conftest import csrf, login


def count(db, model) -> int:
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)


def reload(db, obj):
    """The row as the app left it; ends the read so the app can write again (SQLite)."""
    db.refresh(obj)
    db.commit()
    return obj


def field_error(page: str, field: str) -> str | None:
    """The message shown beside a field (the element the field's aria-describedby points to)."""
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf(client)}, follow_redirects=False)


@pytest.fixture
def admin(client, db):
    user = factories.staff(db, "administrator")
    login(client, user.username, factories.PASSWORD)
    return user


@pytest.fixture
def regions(db) -> dict[str, Region]:
    city = factories.RegionFactory(name="昆山市", code="320583", level=RegionLevel.city)
    town = factories.RegionFactory(
        name="周市镇", code="320583102", level=RegionLevel.town, parent=city
    )
    other = factories.RegionFactory(
        name="巴城镇", code="320583101", level=RegionLevel.town, parent=city
    )
    community = factories.RegionFactory(name="长泾社区", level=RegionLevel.community, parent=town)
    db.commit()
    return {"city": city, "town": town, "other": other, "community": community}


@pytest.fixture
def government(db) -> Unit:
    unit = factories.UnitFactory(name="昆山市人民政府", kind=UnitKind.government)
    db.commit()
    return unit


# Units


def test_unit_list_shows_the_tree_and_a_new_button_to_admins(client, admin, government):
    page = client.get("/staff/units")
    assert page.status_code == 200
    assert "昆山市人民政府" in page.text and 'href="/staff/units/new"' in page.text


def test_handler_sees_units_but_cannot_add(client, db, government):
    handler = factories.staff(db, "handler")
    login(client, handler.username, factories.PASSWORD)
    page = client.get("/staff/units")
    assert page.status_code == 200 and "昆山市人民政府" in page.text
    assert 'href="/staff/units/new"' not in page.text
    assert client.get("/staff/units/new").status_code == 403
    before = count(db, Unit)
    response = post(client, "/staff/units/new", {"name": "擅自新增的单位", "kind": "department"})
    assert response.status_code == 403 and "没有权限" in response.text
    assert count(db, Unit) == before


def test_unit_pages_need_a_login(client):
    response = client.get("/staff/units", follow_redirects=False)
    assert (
        response.status_code == 303 and response.headers["location"] == "/login?next=/staff/units"
    )


def test_create_unit_through_the_form(client, db, admin, government, regions):
    form = client.get("/staff/units/new")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    response = post(
        client,
        "/staff/units/new",
        {
            "name": " 周市镇人民政府 ",
            "kind": "government",
            "parent_id": str(government.id),
            "region_id": str(regions["town"].id),
            "contact_phone": "0512-57612345",
        },
    )
    assert response.status_code == 303
    unit = db.scalar(select(Unit).where(Unit.name == "周市镇人民政府"))
    db.commit()
    assert response.headers["location"] == f"/staff/units?saved={unit.id}"
    assert unit.parent_id == government.id and unit.region_id == regions["town"].id
    assert unit.path == f"/{government.id}/{unit.id}/" and unit.contact_phone == "0512-57612345"
    listing = client.get(response.headers["location"])
    assert "已保存" in listing.text and "周市镇人民政府" in listing.text


def test_bad_contact_phone_rerenders_form_with_message_and_writes_nothing(
    client, db, admin, government
):
    units, events = count(db, Unit), count(db, AuditEvent)
    response = post(
        client,
        "/staff/units/new",
        {
            "name": "昆山市水务局",
            "kind": "department",
            "parent_id": str(government.id),
            "contact_phone": "找办公室",
        },
    )
    assert response.status_code == 422
    assert "联系电话只能包含数字" in field_error(response.text, "contact_phone")
    assert 'aria-invalid="true" aria-describedby="e-contact_phone"' in response.text
    # What was typed is kept, so the person only fixes the one field.
    assert 'value="昆山市水务局"' in response.text and 'value="找办公室"' in response.text
    assert (count(db, Unit), count(db, AuditEvent)) == (units, events)


def test_duplicate_unit_name_is_shown_beside_the_name(client, db, admin, government):
    before = count(db, Unit)
    response = post(client, "/staff/units/new", {"name": "昆山市人民政府", "kind": "government"})
    assert response.status_code == 422
    assert field_error(response.text, "name") == "已有名为“昆山市人民政府”的单位"
    assert count(db, Unit) == before


def test_too_short_name_and_unknown_kind_are_explained(client, db, admin):
    before = count(db, Unit)
    response = post(client, "/staff/units/new", {"name": "局", "kind": "ministry"})
    assert response.status_code == 422
    assert field_error(response.text, "name") == "至少 2 个字"
    assert field_error(response.text, "kind") == "请从列表中选择"
    assert count(db, Unit) == before


def test_unknown_parent_from_a_tampered_form_is_explained(client, db, admin):
    before = count(db, Unit)
    for value in ("987654", "not-a-number", "99999999999999999999"):
        response = post(
            client,
            "/staff/units/new",
            {"name": "昆山市水务局", "kind": "department", "parent_id": value},
        )
        assert response.status_code == 422, value
        assert field_error(response.text, "parent_id") == "所选的上级不存在"
    assert count(db, Unit) == before


def test_unit_form_without_csrf_token_is_refused(client, db, admin):
    before = count(db, Unit)
    response = client.post("/staff/units/new", data={"name": "昆山市水务局", "kind": "department"})
    assert response.status_code == 403 and "页面已过期" in response.text
    assert count(db, Unit) == before


def test_deactivating_unit_with_active_children_is_refused_on_the_form(
    client, db, admin, government
):
    child = factories.UnitFactory(name="昆山市水务局", parent=government)
    db.commit()
    response = post(
        client,
        f"/staff/units/{government.id}",
        {
            "name": "昆山市人民政府",
            "kind": "government",
            "parent_id": "",
            "region_id": "",
            "contact_phone": "",
        },
    )  # no active_flag: the box was unticked
    assert response.status_code == 422
    assert "请先停用它的下级单位" in response.text
    assert reload(db, government).active is True
    # The child first, then the parent.
    assert (
        post(
            client,
            f"/staff/units/{child.id}",
            {
                "name": "昆山市水务局",
                "kind": "department",
                "parent_id": str(government.id),
            },
        ).status_code
        == 303
    )
    assert (
        post(
            client,
            f"/staff/units/{government.id}",
            {"name": "昆山市人民政府", "kind": "government"},
        ).status_code
        == 303
    )
    assert [reload(db, government).active, reload(db, child).active] == [False, False]


def test_moving_a_unit_on_the_form_moves_its_children(client, db, admin, government):
    group = factories.UnitFactory(name="昆山城市建设投资发展集团", kind=UnitKind.company)
    company = factories.UnitFactory(
        name="昆山乐成置业有限公司", kind=UnitKind.company, parent=government
    )
    team = factories.UnitFactory(name="乐成置业维修班", kind=UnitKind.company, parent=company)
    db.commit()
    response = post(
        client,
        f"/staff/units/{company.id}",
        {
            "name": "昆山乐成置业有限公司",
            "kind": "company",
            "parent_id": str(group.id),
            "active_flag": "on",
        },
    )
    assert response.status_code == 303
    assert reload(db, team).path == f"/{group.id}/{company.id}/{team.id}/"


def test_unit_cannot_be_moved_under_its_child_on_the_form(client, db, admin, government):
    child = factories.UnitFactory(name="昆山市水务局", parent=government)
    db.commit()
    edit = client.get(f"/staff/units/{government.id}")
    # The form does not even offer the unit's own subtree as a parent...
    assert f'<option value="{child.id}"' not in edit.text
    # ...and a hand-made request is refused with the reason beside the field.
    response = post(
        client,
        f"/staff/units/{government.id}",
        {
            "name": "昆山市人民政府",
            "kind": "government",
            "parent_id": str(child.id),
            "active_flag": "on",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "parent_id") == "不能把它移到自己或自己的下级之下"
    assert reload(db, government).parent_id is None


def test_edit_unknown_unit_is_a_chinese_404(client, admin):
    response = client.get("/staff/units/987654")
    assert response.status_code == 404 and "没有找到这个单位" in response.text


# Regions


def test_create_region_through_the_form(client, db, admin, regions):
    response = post(
        client,
        "/staff/regions/new",
        {
            "name": "并蒂莲社区",
            "code": "320583101001",
            "level": "community",
            "parent_id": str(regions["other"].id),
        },
    )
    assert response.status_code == 303
    region = db.scalar(select(Region).where(Region.name == "并蒂莲社区"))
    db.commit()
    assert region.path == f"{regions['other'].path}{region.id}/" and region.code == "320583101001"
    assert "并蒂莲社区" in client.get("/staff/regions").text


@pytest.mark.parametrize("code", ["32058", "3205831021", "abcdef"])
def test_bad_division_code_is_explained_beside_the_field(client, db, admin, regions, code):
    before = count(db, Region)
    response = post(
        client,
        "/staff/regions/new",
        {
            "name": "并蒂莲社区",
            "code": code,
            "level": "community",
            "parent_id": str(regions["other"].id),
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "code")
    assert count(db, Region) == before


def test_duplicate_division_code_names_the_holder(client, db, admin, regions):
    before = count(db, Region)
    response = post(
        client,
        "/staff/regions/new",
        {
            "name": "陆家镇",
            "code": "320583102",
            "level": "town",
            "parent_id": str(regions["city"].id),
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "code") == "区划代码 320583102 已被“周市镇”使用"
    assert count(db, Region) == before


def test_region_level_rules_are_explained_on_the_form(client, db, admin, regions):
    before = count(db, Region)
    response = post(
        client,
        "/staff/regions/new",
        {
            "name": "某小区",
            "level": "village",
            "parent_id": str(regions["community"].id),
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "level") == "“长泾社区”之下不能再设下级区划"
    response = post(
        client,
        "/staff/regions/new",
        {"name": "某村", "level": "village", "parent_id": str(regions["city"].id)},
    )
    assert response.status_code == 422
    assert field_error(response.text, "level").startswith("“昆山市”之下只能设")
    assert count(db, Region) == before


def test_moving_a_region_on_the_form_moves_its_subtree(client, db, admin, regions):
    zone = factories.RegionFactory(
        name="昆山高新区", level=RegionLevel.zone, parent=regions["city"]
    )
    db.commit()
    community = regions["community"]
    response = post(
        client,
        f"/staff/regions/{community.id}",
        {
            "name": "长泾社区",
            "level": "community",
            "parent_id": str(zone.id),
            "active_flag": "on",
        },
    )
    assert response.status_code == 303
    assert reload(db, community).path == f"{zone.path}{community.id}/"


def test_region_cannot_move_under_its_own_descendant_on_the_form(client, db, admin, regions):
    town = regions["town"]
    response = post(
        client,
        f"/staff/regions/{town.id}",
        {
            "name": "周市镇",
            "code": "320583102",
            "level": "town",
            "parent_id": str(regions["community"].id),
            "active_flag": "on",
        },
    )
    assert response.status_code == 422
    assert reload(db, town).parent_id == regions["city"].id
