from tests import factories
from tests.conftest import api_token, csrf, login


def test_staff_login_then_workbench_shows_role_navigation(client, db):
    admin = factories.staff(db, "administrator")
    login(client, admin.username, factories.PASSWORD)
    page = client.get("/staff")
    assert page.status_code == 200
    assert "工作台" in page.text and "工作人员" in page.text and "审计记录" in page.text


def test_handler_sees_no_admin_navigation(client, db):
    handler = factories.staff(db, "handler")
    login(client, handler.username, factories.PASSWORD)
    page = client.get("/staff")
    assert "/staff/users" not in page.text
    assert client.get("/staff/users").status_code == 403


def test_api_token_for_valid_password(client, db):
    admin = factories.staff(db, "administrator")
    headers = api_token(client, admin.username, factories.PASSWORD)
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["username"] == admin.username


def test_api_token_wrong_password_is_401_with_error_shape(client, db):
    admin = factories.staff(db, "administrator")
    response = client.post(
        "/api/v1/auth/token", json={"username": admin.username, "password": "nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_login_throttled_after_repeated_failures(client, db):
    admin = factories.staff(db, "administrator")
    for _ in range(5):
        r = client.post(
            "/login",
            data={"username": admin.username, "password": "wrong", "csrf_token": csrf(client)},
        )
        assert r.status_code == 401
    r = client.post(
        "/login",
        data={
            "username": admin.username,
            "password": factories.PASSWORD,
            "csrf_token": csrf(client),
        },
    )
    assert r.status_code == 429 and "次数过多" in r.text


def test_login_without_csrf_token_is_refused(client, db):
    admin = factories.staff(db, "administrator")
    r = client.post("/login", data={"username": admin.username, "password": factories.PASSWORD})
    assert r.status_code == 403 and "页面已过期" in r.text


def test_sign_in_is_one_login_event_by_the_person_not_an_update(client, db):
    import json

    from sqlalchemy import select

    from minsheng.audit.models import AuditEvent

    admin = factories.staff(db, "administrator")
    last = db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    db.commit()
    login(client, admin.username, factories.PASSWORD)
    new = db.scalars(select(AuditEvent).where(AuditEvent.seq > last)).all()
    assert [(e.action, e.object_type, e.object_id) for e in new] == [
        ("login", "staff_user", str(admin.id))
    ]
    assert new[0].actor_kind == "staff" and new[0].actor_id == admin.id
    assert json.loads(new[0].summary) == {}
