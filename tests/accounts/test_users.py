"""Staff accounts: created by administrators with roles in units, deactivated, passwords changed;
and the scope rule that a role held in a unit covers every unit below it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from minsheng.accounts import passwords, service
from minsheng.accounts.models import RoleAssignment, StaffUser, WebSession
from minsheng.audit.models import AuditEvent
from minsheng.core.permissions import Grant, Permission, StaffPrincipal
from minsheng.org.models import Unit, UnitKind
from tests import factories
from tests.conftest import api_token, csrf, login

NEW_PASSWORD = "a-new-long-passphrase-9"  # noqa: S105


def count(db, model, *where) -> int:
    n = db.scalar(select(func.count()).select_from(model).where(*where))
    db.commit()
    return int(n or 0)


def reload(db, obj):
    db.refresh(obj)
    db.commit()
    return obj


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def post(client, url: str, data: dict, **kwargs):
    return client.post(
        url, data={**data, "csrf_token": csrf(client)}, follow_redirects=False, **kwargs
    )


def is_sent_to_login(response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.fixture
def other_client(app) -> Iterator[TestClient]:
    """A second browser."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def city_hall(db) -> Unit:
    unit = factories.UnitFactory(name="昆山市人民政府", kind=UnitKind.government)
    db.commit()
    return unit


@pytest.fixture
def bureau(db, city_hall) -> Unit:
    unit = factories.UnitFactory(name="昆山市住房和城乡建设局", parent=city_hall)
    db.commit()
    return unit


@pytest.fixture
def admin(db, city_hall) -> StaffUser:
    return factories.staff(db, "administrator", city_hall, username="admin1")


@pytest.fixture
def admin_client(client, admin) -> TestClient:
    login(client, admin.username, factories.PASSWORD)
    return client


# Creating staff through the form


def test_admin_creates_staff_with_a_role_in_a_unit(admin_client, db, bureau, other_client):
    form = admin_client.get("/staff/users/new")
    assert form.status_code == 200 and "昆山市住房和城乡建设局" in form.text
    response = post(
        admin_client,
        "/staff/users/new",
        {
            "username": " WangQiang ",
            "display_name": "王强",
            "phone": "138-1234-5678",
            "password": "sturdy-passphrase-1",
            "role_0": "handler",
            "unit_0": str(bureau.id),
        },
    )
    assert response.status_code == 303, response.text
    user = service.get_user_by_username(db, username="wangqiang")
    assert user is not None and user.display_name == "王强" and user.phone == "13812345678"
    assert [(a.role, a.unit_id) for a in user.assignments] == [("handler", bureau.id)]
    assert passwords.verify_password(user.password_hash, "sturdy-passphrase-1")
    db.commit()
    listing = admin_client.get("/staff/users")
    assert "wangqiang" in listing.text and "承办人 · 昆山市住房和城乡建设局" in listing.text
    assert "13812345678" not in listing.text and "138****5678" in listing.text
    # The new account can sign in and sees its role.
    login(other_client, "wangqiang", "sturdy-passphrase-1")
    assert "承办人 · 昆山市住房和城乡建设局" in other_client.get("/staff").text


def test_role_without_a_unit_is_explained_not_dropped(admin_client, db, bureau):
    before = count(db, StaffUser)
    response = post(
        admin_client,
        "/staff/users/new",
        {
            "username": "wangqiang",
            "display_name": "王强",
            "password": "sturdy-passphrase-1",
            "role_0": "handler",
            "unit_0": "",
        },
    )
    assert response.status_code == 422
    assert "请为每个角色选择所属单位" in response.text
    assert count(db, StaffUser) == before


def test_duplicate_username_on_the_form(admin_client, db, admin):
    before = count(db, StaffUser)
    response = post(
        admin_client,
        "/staff/users/new",
        {
            "username": "ADMIN1",
            "display_name": "重复",
            "password": "sturdy-passphrase-1",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "username") == "用户名“admin1”已被使用"
    assert count(db, StaffUser) == before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "密码至少 10 位"),
        ("wangqiang-2026", "密码不能包含用户名"),
        ("aaaaabbbbbaaaaa", "密码太简单了，请混合使用字母、数字和符号"),
    ],
)
def test_weak_password_on_the_form(admin_client, db, password, message):
    before = count(db, StaffUser)
    response = post(
        admin_client,
        "/staff/users/new",
        {
            "username": "wangqiang",
            "display_name": "王强",
            "password": password,
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "password") == message
    assert count(db, StaffUser) == before


def test_bad_username_and_phone_are_explained(admin_client, db):
    before = count(db, StaffUser)
    response = post(
        admin_client,
        "/staff/users/new",
        {
            "username": "王强",
            "display_name": "王强",
            "phone": "12345",
            "password": "sturdy-passphrase-1",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "username") == "用户名只能用字母、数字和 . _ -，2 到 40 位"
    assert field_error(response.text, "phone") == "请填写 11 位手机号码"
    assert count(db, StaffUser) == before


def test_failed_create_leaves_no_half_written_user(admin_client, db):
    """The user row is flushed before the unknown unit is noticed; the rollback takes it away."""
    users, grants, events = count(db, StaffUser), count(db, RoleAssignment), count(db, AuditEvent)
    response = post(
        admin_client,
        "/staff/users/new",
        {
            "username": "wangqiang",
            "display_name": "王强",
            "password": "sturdy-passphrase-1",
            "role_0": "handler",
            "unit_0": "987654",
        },
    )
    assert response.status_code == 422 and "所选的单位不存在" in response.text
    assert (count(db, StaffUser), count(db, RoleAssignment), count(db, AuditEvent)) == (
        users,
        grants,
        events,
    )


def test_handler_cannot_manage_users(client, db, bureau):
    handler = factories.staff(db, "handler", bureau)
    login(client, handler.username, factories.PASSWORD)
    assert client.get("/staff/users/new").status_code == 403
    before = count(db, StaffUser)
    response = post(
        client,
        "/staff/users/new",
        {
            "username": "sneaky",
            "display_name": "某人",
            "password": "sturdy-passphrase-1",
            "role_0": "administrator",
            "unit_0": str(bureau.id),
        },
    )
    assert response.status_code == 403
    assert count(db, StaffUser) == before


# Creating staff through the API


def test_admin_creates_staff_through_the_api(client, db, admin, bureau):
    headers = api_token(client, admin.username, factories.PASSWORD)
    response = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "lina",
            "display_name": "李娜",
            "password": "sturdy-passphrase-1",
            "phone": "13912345678",
            "roles": [
                {"role": "operator", "unit_id": bureau.id},
                {"role": "handler", "unit_id": bureau.id},
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (
        body["username"] == "lina"
        and body["phone_masked"] == "139****5678"
        and "password" not in body
    )
    assert sorted((r["role"], r["role_label"], r["unit_name"]) for r in body["roles"]) == [
        ("handler", "承办人", "昆山市住房和城乡建设局"),
        ("operator", "话务员/窗口人员", "昆山市住房和城乡建设局"),
    ]
    listed = client.get("/api/v1/users", headers=headers).json()
    assert "lina" in [u["username"] for u in listed]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"username": "admin1"}, "username", "用户名“admin1”已被使用"),
        ({"password": "short"}, "password", "密码至少 10 位"),
        ({"roles": [{"role": "mayor", "unit_id": 1}]}, "roles.0.role", "没有这个角色"),
        ({"roles": [{"role": "handler", "unit_id": 987654}]}, "roles", "所选的单位不存在"),
    ],
)
def test_bad_staff_account_through_the_api(client, db, admin, payload, field, message):
    headers = api_token(client, admin.username, factories.PASSWORD)
    before = count(db, StaffUser)
    body = {
        "username": "lina",
        "display_name": "李娜",
        "password": "sturdy-passphrase-1",
        **payload,
    }
    response = client.post("/api/v1/users", headers=headers, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"field": field, "message": message} in error["details"]
    assert count(db, StaffUser) == before


def test_handler_cannot_create_users_through_the_api(client, db, bureau):
    handler = factories.staff(db, "handler", bureau)
    headers = api_token(client, handler.username, factories.PASSWORD)
    before = count(db, StaffUser)
    response = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "lina",
            "display_name": "李娜",
            "password": "sturdy-passphrase-1",
        },
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert count(db, StaffUser) == before


# Deactivation


def test_deactivating_a_user_ends_their_sessions_at_once(admin_client, other_client, db, bureau):
    handler = factories.staff(db, "handler", bureau, username="wangqiang")
    login(other_client, "wangqiang", factories.PASSWORD)
    assert other_client.get("/staff").status_code == 200
    response = post(
        admin_client,
        f"/staff/users/{handler.id}",
        {
            "display_name": handler.display_name,
            "role_0": "handler",
            "unit_0": str(bureau.id),
        },
    )  # active_flag left unticked
    assert response.status_code == 303
    assert reload(db, handler).active is False
    assert count(db, WebSession, WebSession.staff_user_id == handler.id) == 0
    assert is_sent_to_login(other_client.get("/staff", follow_redirects=False))
    # And the password no longer opens the account.
    response = other_client.post(
        "/login",
        data={
            "username": "wangqiang",
            "password": factories.PASSWORD,
            "csrf_token": csrf(other_client),
        },
    )
    assert response.status_code == 401 and "用户名或密码不正确" in response.text


def test_deactivating_a_user_through_the_api_stops_their_token(client, db, admin, bureau):
    handler = factories.staff(db, "handler", bureau, username="wangqiang")
    admin_headers = api_token(client, admin.username, factories.PASSWORD)
    handler_headers = api_token(client, "wangqiang", factories.PASSWORD)
    assert client.get("/api/v1/auth/me", headers=handler_headers).status_code == 200
    response = client.put(
        f"/api/v1/users/{handler.id}",
        headers=admin_headers,
        json={
            "display_name": handler.display_name,
            "active": False,
            "roles": [{"role": "handler", "unit_id": bureau.id}],
        },
    )
    assert response.status_code == 200 and response.json()["active"] is False
    response = client.get("/api/v1/auth/me", headers=handler_headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


def test_admin_cannot_deactivate_self(admin_client, db, admin, city_hall):
    response = post(
        admin_client,
        f"/staff/users/{admin.id}",
        {
            "display_name": admin.display_name,
            "role_0": "administrator",
            "unit_0": str(city_hall.id),
        },
    )
    assert response.status_code == 422 and "不能停用自己的账号" in response.text
    assert reload(db, admin).active is True
    assert admin_client.get("/staff").status_code == 200


def test_admin_cannot_deactivate_self_through_the_api(client, db, admin, city_hall):
    headers = api_token(client, admin.username, factories.PASSWORD)
    response = client.put(
        f"/api/v1/users/{admin.id}",
        headers=headers,
        json={
            "display_name": admin.display_name,
            "active": False,
            "roles": [{"role": "administrator", "unit_id": city_hall.id}],
        },
    )
    assert response.status_code == 422
    assert {"field": "active", "message": "不能停用自己的账号"} in response.json()["error"][
        "details"
    ]
    assert reload(db, admin).active is True


def test_admin_cannot_drop_own_administrator_role(admin_client, db, admin, bureau):
    response = post(
        admin_client,
        f"/staff/users/{admin.id}",
        {
            "display_name": admin.display_name,
            "active_flag": "on",
            "role_0": "handler",
            "unit_0": str(bureau.id),
        },
    )
    assert response.status_code == 422 and "不能取消自己的管理员角色" in response.text
    assert [a.role for a in reload(db, admin).assignments] == ["administrator"]


def test_admin_changes_roles_on_the_form(admin_client, db, city_hall, bureau):
    handler = factories.staff(db, "handler", bureau, username="wangqiang")
    response = post(
        admin_client,
        f"/staff/users/{handler.id}",
        {
            "display_name": "王强",
            "active_flag": "on",
            "role_0": "supervisor",
            "unit_0": str(city_hall.id),
            "role_1": "",
            "unit_1": str(bureau.id),
        },
    )
    assert response.status_code == 303
    db.expire_all()
    user = db.get(StaffUser, handler.id)
    assert [(a.role, a.unit_id) for a in user.assignments] == [("supervisor", city_hall.id)]
    db.commit()


def test_admin_resetting_a_password_signs_the_user_out(admin_client, other_client, db, bureau):
    handler = factories.staff(db, "handler", bureau, username="wangqiang")
    login(other_client, "wangqiang", factories.PASSWORD)
    response = post(
        admin_client,
        f"/staff/users/{handler.id}",
        {
            "display_name": handler.display_name,
            "active_flag": "on",
            "new_password": NEW_PASSWORD,
            "role_0": "handler",
            "unit_0": str(bureau.id),
        },
    )
    assert response.status_code == 303
    assert is_sent_to_login(other_client.get("/staff", follow_redirects=False))
    login(other_client, "wangqiang", NEW_PASSWORD)


# Changing one's own password


@pytest.fixture
def handler_client(client, db, bureau) -> TestClient:
    factories.staff(db, "handler", bureau, username="wangqiang")
    login(client, "wangqiang", factories.PASSWORD)
    return client


def change(client, current: str, new: str, confirm: str | None = None):
    return post(
        client,
        "/staff/password",
        {
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def stored_hash(db) -> str:
    value = db.scalar(select(StaffUser.password_hash).where(StaffUser.username == "wangqiang"))
    db.commit()
    return value


def test_wrong_current_password_is_explained(handler_client, db):
    before = stored_hash(db)
    response = change(handler_client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 422
    assert field_error(response.text, "current_password") == "当前密码不正确"
    assert stored_hash(db) == before


def test_mismatched_confirmation_changes_nothing(handler_client, other_client, db):
    login(other_client, "wangqiang", factories.PASSWORD)
    before = stored_hash(db)
    response = change(
        handler_client, factories.PASSWORD, NEW_PASSWORD, confirm="something-else-entirely"
    )
    assert response.status_code == 422
    assert field_error(response.text, "confirm_password") == "两次输入的新密码不一致。"
    assert stored_hash(db) == before
    # The half-done change must not have signed anyone out either.
    assert other_client.get("/staff").status_code == 200
    assert handler_client.get("/staff").status_code == 200


def test_weak_or_unchanged_new_password_is_explained(handler_client, db):
    response = change(handler_client, factories.PASSWORD, "short")
    assert (
        response.status_code == 422
        and field_error(response.text, "new_password") == "密码至少 10 位"
    )
    response = change(handler_client, factories.PASSWORD, factories.PASSWORD)
    assert response.status_code == 422
    assert field_error(response.text, "new_password") == "新密码不能与当前密码相同"


def test_password_change_starts_a_new_session_and_ends_the_others(handler_client, other_client, db):
    login(other_client, "wangqiang", factories.PASSWORD)
    old_cookie = handler_client.cookies["minsheng_session"]
    response = change(handler_client, factories.PASSWORD, NEW_PASSWORD)
    assert (
        response.status_code == 303 and response.headers["location"] == "/staff?password_changed=1"
    )
    new_cookie = handler_client.cookies["minsheng_session"]
    assert new_cookie != old_cookie
    page = handler_client.get("/staff?password_changed=1")
    assert page.status_code == 200 and "密码已修改" in page.text
    assert is_sent_to_login(other_client.get("/staff", follow_redirects=False))
    # The old cookie value is dead even if someone kept a copy of it.
    with TestClient(handler_client.app) as thief:
        thief.cookies.set("minsheng_session", old_cookie)
        assert is_sent_to_login(thief.get("/staff", follow_redirects=False))
    assert count(db, WebSession) == 1
    # Only the new password works now.
    assert passwords.verify_password(stored_hash(db), NEW_PASSWORD)
    bad = other_client.post(
        "/login",
        data={
            "username": "wangqiang",
            "password": factories.PASSWORD,
            "csrf_token": csrf(other_client),
        },
    )
    assert bad.status_code == 401
    login(other_client, "wangqiang", NEW_PASSWORD)


def test_password_change_needs_a_login(client):
    response = client.post(
        "/staff/password", data={"csrf_token": csrf(client)}, follow_redirects=False
    )
    assert is_sent_to_login(response)


# Scope: a role held in a unit covers the units below it

REPLY = Permission(code="test.reply", label="答复诉求", roles=frozenset({"handler"}))


def principal(*grants: tuple[str, str]) -> StaffPrincipal:
    return StaffPrincipal(
        user_id=1,
        username="u",
        display_name="某人",
        grants=tuple(
            Grant(role=role, unit_id=i, unit_path=path) for i, (role, path) in enumerate(grants)
        ),
    )


def test_role_in_a_unit_covers_the_unit_and_everything_below():
    staff = principal(("handler", "/1/4/"))
    assert staff.can(REPLY, "/1/4/")
    assert staff.can(REPLY, "/1/4/9/")
    assert staff.can(REPLY, "/1/4/9/23/")


def test_role_in_a_unit_does_not_cover_parents_siblings_or_lookalikes():
    staff = principal(("handler", "/1/4/"))
    assert not staff.can(REPLY, "/1/")
    assert not staff.can(REPLY, "/1/5/")
    assert not staff.can(REPLY, "/1/44/")  # shares the digits, not the branch
    assert not staff.can(REPLY, "/2/4/")


def test_only_roles_that_grant_the_permission_count():
    staff = principal(("operator", "/1/"), ("handler", "/2/"))
    assert not staff.can(REPLY, "/1/3/")
    assert staff.can(REPLY, "/2/3/")
    assert staff.can(REPLY)  # somewhere
    assert not principal(("operator", "/1/")).can(REPLY)
    assert staff.units_for(REPLY) == ["/2/"]


def test_principal_from_the_database_scopes_to_the_unit_tree(db, city_hall, bureau):
    office = factories.UnitFactory(name="住建局物业科", parent=bureau)
    water = factories.UnitFactory(name="昆山市水务局", parent=city_hall)
    user = factories.staff(db, "handler", bureau)
    staff = service.principal(db, user=user)
    assert staff.can(REPLY, bureau.path) and staff.can(REPLY, office.path)
    assert not staff.can(REPLY, water.path) and not staff.can(REPLY, city_hall.path)
    supervisor = service.principal(db, user=factories.staff(db, "handler", city_hall))
    assert supervisor.can(REPLY, office.path) and supervisor.can(REPLY, water.path)


def test_roles_in_a_deactivated_unit_no_longer_count(db, bureau):
    user = factories.staff(db, "handler", bureau)
    bureau.active = False
    db.flush()
    assert service.principal(db, user=user).grants == ()
    assert not service.principal(db, user=user).can(REPLY)
