"""Reading the audit trail: staff pages and the API, for administrators and supervisors only."""

from __future__ import annotations

import pytest

from minsheng.core.db import Actor, set_actor
from minsheng.org import service as org
from minsheng.org.models import UnitKind
from minsheng.org.schemas import UnitCreate, UnitUpdate
from tests import factories
from tests.conftest import api_token, login


@pytest.fixture
def audited_unit(db):
    """A unit created and then renamed by a named member of staff."""
    set_actor(
        db, Actor(kind="staff", id=900, label="管理员 周敏（zhoumin）", client_addr="10.0.0.9")
    )
    unit = org.create_unit(
        db, data=UnitCreate(name="昆山市审计页面测试局", kind=UnitKind.department)
    )
    db.commit()
    data = UnitUpdate(
        name="昆山市审计页面测试局（新名）", kind=UnitKind.department, contact_phone="0512-57009999"
    )
    org.update_unit(db, unit=unit, data=data)
    db.commit()
    return unit


@pytest.mark.parametrize("role", ["administrator", "supervisor"])
def test_recent_audit_page_readable_by(role, client, db, audited_unit):
    reader = factories.staff(db, role)
    login(client, reader.username, factories.PASSWORD)
    page = client.get("/staff/audit")
    assert page.status_code == 200
    assert "审计记录" in page.text
    assert "管理员 周敏（zhoumin）" in page.text
    assert "昆山市审计页面测试局（新名）" in page.text


@pytest.mark.parametrize("role", ["administrator", "supervisor"])
def test_unit_audit_page_shows_its_history(role, client, db, audited_unit):
    reader = factories.staff(db, role)
    login(client, reader.username, factories.PASSWORD)
    page = client.get(f"/staff/audit/unit/{audited_unit.id}")
    assert page.status_code == 200
    assert f"单位 #{audited_unit.id} 的变更记录" in page.text
    assert "新建" in page.text and "修改" in page.text
    assert "0512-57009999" in page.text and "10.0.0.9" in page.text


def test_unit_audit_page_does_not_show_other_records(client, db, audited_unit):
    other = org.create_unit(db, data=UnitCreate(name="无关的单位", kind=UnitKind.department))
    db.commit()
    admin = factories.staff(db, "administrator")
    login(client, admin.username, factories.PASSWORD)
    page = client.get(f"/staff/audit/unit/{audited_unit.id}")
    assert "无关的单位" not in page.text
    assert "无关的单位" in client.get(f"/staff/audit/unit/{other.id}").text


def test_staff_account_history_never_shows_password_hash_or_full_phone(client, db):
    admin = factories.staff(db, "administrator", phone="13812345678")
    login(client, admin.username, factories.PASSWORD)
    page = client.get(f"/staff/audit/staff_user/{admin.id}")
    assert page.status_code == 200
    assert "新建" in page.text and admin.username in page.text
    assert "138****5678" in page.text
    assert "13812345678" not in page.text and "$argon2" not in page.text


@pytest.mark.parametrize("path", ["/staff/audit", "/staff/audit/unit/{id}"])
def test_audit_pages_forbidden_for_handler(path, client, db, audited_unit):
    handler = factories.staff(db, "handler")
    login(client, handler.username, factories.PASSWORD)
    page = client.get(path.format(id=audited_unit.id))
    assert page.status_code == 403
    assert "昆山市审计页面测试局" not in page.text


def test_audit_page_sends_anonymous_visitor_to_login(client, audited_unit):
    page = client.get(f"/staff/audit/unit/{audited_unit.id}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", ["administrator", "supervisor"])
def test_audit_api_lists_a_units_events_newest_first(role, client, db, audited_unit):
    reader = factories.staff(db, role)
    headers = api_token(client, reader.username, factories.PASSWORD)
    response = client.get(f"/api/v1/audit/unit/{audited_unit.id}", headers=headers)
    assert response.status_code == 200
    events = response.json()
    assert [e["action"] for e in events] == ["update", "update", "create"]
    assert all(
        e["object_type"] == "unit" and e["object_id"] == str(audited_unit.id) for e in events
    )
    assert events[0]["summary"]["changes"]["name"] == [
        "昆山市审计页面测试局",
        "昆山市审计页面测试局（新名）",
    ]
    assert events[-1]["summary"]["after"]["name"] == "昆山市审计页面测试局"
    assert (
        events[0]["actor_label"] == "管理员 周敏（zhoumin）"
        and events[0]["client_addr"] == "10.0.0.9"
    )
    assert events[0]["seq"] > events[1]["seq"] > events[2]["seq"]
    assert all(len(e["hash"]) == 64 for e in events)


def test_audit_api_forbidden_for_handler(client, db, audited_unit):
    handler = factories.staff(db, "handler")
    headers = api_token(client, handler.username, factories.PASSWORD)
    response = client.get(f"/api/v1/audit/unit/{audited_unit.id}", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_audit_api_without_token_is_401(client, audited_unit):
    response = client.get(f"/api/v1/audit/unit/{audited_unit.id}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
