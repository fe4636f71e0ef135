"""API tokens: listed, created and revoked through the API and the page; what a bad token gets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from minsheng.accounts.models import ApiToken
from minsheng.audit.models import AuditEvent
from minsheng.core.db import utcnow
from tests import factories
from tests.conftest import api_token, csrf, login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_401(response) -> None:
    """No token at all asks to sign in; a token that does not work says so."""
    assert response.status_code == 401, response.text
    scheme, _, value = response.request.headers.get("authorization", "").partition(" ")
    sent_token = scheme.lower() == "bearer" and bool(value.strip())
    expected = (
        {"code": "invalid_token", "message": "令牌无效、已过期或已被吊销。", "details": None}
        if sent_token
        else {"code": "not_authenticated", "message": "请先登录。", "details": None}
    )
    assert response.json() == {"error": expected}
    assert response.headers["www-authenticate"] == "Bearer"


def token_row(db, token_id: int) -> ApiToken:
    row = db.get(ApiToken, token_id)
    db.refresh(row)
    db.commit()
    return row


@pytest.fixture
def handler(db):
    return factories.staff(db, "handler", username="wangqiang")


@pytest.fixture
def colleague(db):
    return factories.staff(db, "handler", username="lina")


@pytest.fixture
def admin(db):
    return factories.staff(db, "administrator", username="admin1")


# Through the API


def test_create_list_use_and_revoke_a_token(client, db, handler):
    login_headers = api_token(client, "wangqiang", factories.PASSWORD)
    response = client.post(
        "/api/v1/auth/tokens", headers=login_headers, json={"name": "12345 热线系统对接", "days": 7}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    plain = created["access_token"]
    assert (
        plain.startswith("ms_")
        and plain.startswith(created["prefix"])
        and created["revoked_at"] is None
    )
    expires = dt.datetime.fromisoformat(created["expires_at"])
    assert dt.timedelta(days=6, hours=23) < expires - utcnow() <= dt.timedelta(days=7)

    me = client.get("/api/v1/auth/me", headers=bearer(plain))
    assert me.status_code == 200 and me.json()["username"] == "wangqiang"

    listed = client.get("/api/v1/auth/tokens", headers=bearer(plain)).json()
    assert [t["name"] for t in listed] == ["12345 热线系统对接", "登录令牌"]
    assert all("access_token" not in t and "token_hash" not in t for t in listed)

    revoked = client.delete(f"/api/v1/auth/tokens/{created['id']}", headers=login_headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert_401(client.get("/api/v1/auth/me", headers=bearer(plain)))
    # The login token is untouched.
    assert client.get("/api/v1/auth/me", headers=login_headers).status_code == 200


def test_token_is_kept_only_as_a_hash(client, db, handler):
    headers = api_token(client, "wangqiang", factories.PASSWORD)
    plain = headers["Authorization"].split()[1]
    row = db.scalar(select(ApiToken))
    summaries = db.scalars(select(AuditEvent.summary)).all()
    db.commit()
    assert row.token_hash != plain and plain not in row.token_hash and len(row.token_hash) == 64
    assert not any(plain in s or plain[3:] in s for s in summaries)


def test_revoking_twice_keeps_the_first_time(client, db, handler):
    headers = api_token(client, "wangqiang", factories.PASSWORD)
    token_id = db.scalar(select(ApiToken.id))
    db.commit()
    first = client.delete(
        f"/api/v1/auth/tokens/{token_id}",
        headers=api_token(client, "wangqiang", factories.PASSWORD),
    )
    second = client.delete(
        f"/api/v1/auth/tokens/{token_id}",
        headers=api_token(client, "wangqiang", factories.PASSWORD),
    )
    assert first.status_code == second.status_code == 200
    assert first.json()["revoked_at"] == second.json()["revoked_at"]
    assert_401(client.get("/api/v1/auth/me", headers=headers))


def test_expired_token_is_401(client, db, handler):
    headers = api_token(client, "wangqiang", factories.PASSWORD)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    row = db.scalar(select(ApiToken))
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    assert_401(client.get("/api/v1/auth/me", headers=headers))
    assert_401(client.get("/api/v1/auth/tokens", headers=headers))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ms_not-a-real-token",
        "Bearer ",
        "Basic d2FuZ3FpYW5nOnB3",
        "ms_no-scheme",
        "Bearer\tms_x",
    ],
)
def test_unknown_or_malformed_tokens_are_401(client, handler, authorization):
    assert_401(client.get("/api/v1/auth/me", headers={"Authorization": authorization}))


def test_api_never_accepts_the_session_cookie(client, handler):
    login(client, "wangqiang", factories.PASSWORD)
    assert "minsheng_session" in client.cookies
    assert client.get("/staff").status_code == 200  # the cookie is good for pages...
    assert_401(client.get("/api/v1/auth/me"))  # ...and worth nothing to the API
    assert_401(client.get("/api/v1/auth/tokens"))
    response = client.post("/api/v1/auth/tokens", json={"name": "借用会话"})
    assert_401(response)


def test_user_cannot_revoke_anothers_token(client, db, handler, colleague):
    theirs = api_token(client, "lina", factories.PASSWORD)
    their_id = db.scalar(select(ApiToken.id).where(ApiToken.user_id == colleague.id))
    db.commit()
    mine = api_token(client, "wangqiang", factories.PASSWORD)
    response = client.delete(f"/api/v1/auth/tokens/{their_id}", headers=mine)
    # Answered like a missing token, so that token ids reveal nothing.
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert token_row(db, their_id).revoked_at is None
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 200


def test_administrator_may_revoke_anyones_token(client, db, handler, admin):
    theirs = api_token(client, "wangqiang", factories.PASSWORD)
    their_id = db.scalar(select(ApiToken.id).where(ApiToken.user_id == handler.id))
    db.commit()
    admin_headers = api_token(client, "admin1", factories.PASSWORD)
    assert (
        client.delete(f"/api/v1/auth/tokens/{their_id}", headers=admin_headers).status_code == 200
    )
    assert_401(client.get("/api/v1/auth/me", headers=theirs))


def test_listing_everyones_tokens_is_for_administrators(client, handler, colleague, admin):
    api_token(client, "lina", factories.PASSWORD)
    mine = api_token(client, "wangqiang", factories.PASSWORD)
    admin_headers = api_token(client, "admin1", factories.PASSWORD)
    assert len(client.get("/api/v1/auth/tokens?all=true", headers=mine).json()) == 1
    assert len(client.get("/api/v1/auth/tokens", headers=admin_headers).json()) == 1
    assert len(client.get("/api/v1/auth/tokens?all=true", headers=admin_headers).json()) == 3


def test_revoking_unknown_token_is_404(client, handler):
    response = client.delete(
        "/api/v1/auth/tokens/987654", headers=api_token(client, "wangqiang", factories.PASSWORD)
    )
    assert (
        response.status_code == 404 and response.json()["error"]["message"] == "没有找到这个令牌。"
    )


def test_bad_token_request_is_422(client, handler):
    headers = api_token(client, "wangqiang", factories.PASSWORD)
    response = client.post("/api/v1/auth/tokens", headers=headers, json={"name": "", "days": 0})
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"name", "days"}


# Through the page


NEW_TOKEN = re.compile(r'<code class="token" id="new-token">([^<]+)</code>')


def test_create_and_revoke_a_token_on_the_page(client, db, handler):
    login(client, "wangqiang", factories.PASSWORD)
    page = client.get("/staff/tokens")
    assert page.status_code == 200 and "还没有令牌" in page.text
    response = client.post(
        "/staff/tokens", data={"name": "物业报修平台", "csrf_token": csrf(client)}
    )
    assert response.status_code == 200
    plain = NEW_TOKEN.search(response.text).group(1)
    assert "物业报修平台" in response.text
    assert client.get("/api/v1/auth/me", headers=bearer(plain)).status_code == 200
    # Shown once only.
    assert plain not in client.get("/staff/tokens").text

    token_id = db.scalar(select(ApiToken.id).where(ApiToken.name == "物业报修平台"))
    db.commit()
    response = client.post(
        f"/staff/tokens/{token_id}/revoke",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/tokens?revoked=1"
    assert "已吊销" in client.get("/staff/tokens?revoked=1").text
    assert_401(client.get("/api/v1/auth/me", headers=bearer(plain)))


def test_token_without_a_name_is_explained_on_the_page(client, db, handler):
    login(client, "wangqiang", factories.PASSWORD)
    response = client.post("/staff/tokens", data={"name": "  ", "csrf_token": csrf(client)})
    assert response.status_code == 422 and "请写明令牌的用途" in response.text
    assert db.scalar(select(ApiToken.id)) is None
    db.commit()


def test_revoke_on_the_page_needs_the_csrf_token(client, db, handler):
    headers = api_token(client, "wangqiang", factories.PASSWORD)
    token_id = db.scalar(select(ApiToken.id))
    db.commit()
    login(client, "wangqiang", factories.PASSWORD)
    response = client.post(f"/staff/tokens/{token_id}/revoke")
    assert response.status_code == 403 and "页面已过期" in response.text
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200


def test_page_refuses_revoking_anothers_token(client, db, handler, colleague):
    theirs = api_token(client, "lina", factories.PASSWORD)
    their_id = db.scalar(select(ApiToken.id))
    db.commit()
    login(client, "wangqiang", factories.PASSWORD)
    assert "lina" not in client.get("/staff/tokens").text
    response = client.post(f"/staff/tokens/{their_id}/revoke", data={"csrf_token": csrf(client)})
    assert response.status_code == 404 and "没有找到这个令牌" in response.text
    assert client.get("/api/v1/auth/me", headers=theirs).status_code == 200


def test_administrator_page_lists_and_revokes_everyones_tokens(client, db, handler, admin):
    theirs = api_token(client, "wangqiang", factories.PASSWORD)
    their_id = db.scalar(select(ApiToken.id))
    db.commit()
    login(client, "admin1", factories.PASSWORD)
    page = client.get("/staff/tokens")
    assert "所有人的令牌" in page.text and "wangqiang" in page.text
    response = client.post(
        f"/staff/tokens/{their_id}/revoke",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert_401(client.get("/api/v1/auth/me", headers=theirs))
