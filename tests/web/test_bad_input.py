"""Bad input of every kind gets a clear answer: the error shape for the API, a Chinese page for
people; never a 500, never a stack trace, and nothing half-written left in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from minsheng.accounts.models import WebSession
from minsheng.core.db import Base, utcnow
from minsheng.core.settings import get_settings
from minsheng.org.models import UnitKind
from tests import factories
from tests.conftest import csrf, login


def clear(response, status: int):
    """The response has `status`, and nothing in it betrays the server's insides."""
    assert response.status_code == status, response.text[:500]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return response


def api_error(response, status: int, code: str) -> dict:
    clear(response, status)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def chinese_page(response, status: int, *phrases: str) -> str:
    clear(response, status)
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-Hans"' in response.text
    for phrase in phrases:
        assert phrase in response.text
    return response.text


def table_counts(db) -> dict[str, int]:
    counts = {
        t.name: db.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
    }
    db.commit()
    return counts


@pytest.fixture
def admin(db):
    unit = factories.UnitFactory(name="昆山市人民政府", kind=UnitKind.government)
    return factories.staff(db, "administrator", unit, username="admin1")


# JSON API


def test_malformed_json_is_400_invalid_json(client, admin):
    for body in (b'{"username": "admin1", ', b"not json at all", b'{"username": "admin1",}'):
        response = client.post(
            "/api/v1/auth/token", content=body, headers={"content-type": "application/json"}
        )
        error = api_error(response, 400, "invalid_json")
        assert error["message"] == "请求内容不是有效的 JSON。"


def test_json_that_is_not_utf8_is_400(client, admin):
    response = client.post(
        "/api/v1/auth/token",
        content=b'{"username": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert api_error(response, 400, "bad_request")["message"] == "请求有误。"


def test_json_of_the_wrong_shape_is_422_with_fields(client, admin):
    response = client.post("/api/v1/auth/token", json=["admin1", "password"])
    assert api_error(response, 422, "validation_error")["details"]
    response = client.post("/api/v1/auth/token", json={"username": "admin1"})
    details = api_error(response, 422, "validation_error")["details"]
    assert {"field": "password", "message": "请填写这一项"} in details


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", ""]
)
def test_wrong_content_type_is_415(client, admin, content_type):
    response = client.post(
        "/api/v1/auth/token",
        content=b'{"username": "admin1", "password": "x"}',
        headers={"content-type": content_type},
    )
    error = api_error(response, 415, "unsupported_media_type")
    assert "JSON" in error["message"] and "请" in error["message"]


def test_json_with_charset_is_fine(client, admin):
    response = client.post(
        "/api/v1/auth/token",
        content=f'{{"username": "admin1", "password": "{factories.PASSWORD}"}}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert clear(response, 200).json()["token_type"] == "bearer"


def test_unknown_api_route_is_404_json(client):
    assert api_error(client.get("/api/v1/no-such-thing"), 404, "not_found")["message"]
    assert api_error(client.post("/api/v1/no-such-thing", json={}), 404, "not_found")


def test_wrong_method_on_api_is_405_json(client):
    api_error(client.delete("/api/v1/auth/token"), 405, "method_not_allowed")


def test_out_of_range_numbers_are_refused_not_crashed_on(client, admin):
    token = client.post(
        "/api/v1/auth/token", json={"username": "admin1", "password": factories.PASSWORD}
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    error = api_error(
        client.get("/api/v1/units/99999999999999999999999", headers=headers), 400, "bad_request"
    )
    assert error["message"] == "提交的数据超出了允许的范围。"
    error = api_error(
        client.put(
            "/api/v1/units/99999999999999999999999",
            headers=headers,
            json={"name": "某单位", "kind": "department"},
        ),
        400,
        "bad_request",
    )
    assert error["message"] == "提交的数据超出了允许的范围。"
    login(client, "admin1", factories.PASSWORD)
    chinese_page(
        client.get("/staff/units/99999999999999999999999"), 400, "提交的数据超出了允许的范围"
    )


# Pages


def test_unknown_page_is_a_chinese_404(client):
    chinese_page(client.get("/no-such-page"), 404, "页面不存在", "返回首页")
    chinese_page(client.get("/staff/no-such-page"), 404, "页面不存在")


def test_missing_or_wrong_csrf_token_is_a_chinese_403(client, admin):
    response = client.post("/login", data={"username": "admin1", "password": factories.PASSWORD})
    chinese_page(response, 403, "页面已过期或来源不明")
    csrf(client)
    response = client.post(
        "/login",
        data={"username": "admin1", "password": factories.PASSWORD, "csrf_token": "x" * 43},
    )
    chinese_page(response, 403, "页面已过期或来源不明")
    assert "minsheng_session" not in client.cookies


def test_csrf_token_in_the_header_is_accepted(client, admin):
    response = client.post(
        "/login",
        data={"username": "admin1", "password": factories.PASSWORD},
        headers={"x-csrf-token": csrf(client)},
        follow_redirects=False,
    )
    assert clear(response, 303).headers["location"] == "/staff"


def test_expired_staff_session_goes_to_login_saying_so(client, db, admin):
    login(client, "admin1", factories.PASSWORD)
    assert clear(client.get("/staff"), 200)
    db.execute(update(WebSession).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    db.commit()
    response = clear(client.get("/staff/units", follow_redirects=False), 303)
    assert response.headers["location"] == "/login?next=/staff/units"
    page = chinese_page(client.get(response.headers["location"]), 200, "登录已过期，请重新登录。")
    assert 'name="next" value="/staff/units"' in page
    # The expired session is gone, and a fresh login works again.
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0
    db.commit()
    login(client, "admin1", factories.PASSWORD)
    clear(client.get("/staff/units"), 200)


def test_expired_session_on_a_form_post_goes_to_login(client, db, admin):
    login(client, "admin1", factories.PASSWORD)
    db.execute(update(WebSession).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    db.commit()
    before = table_counts(db)
    response = client.post(
        "/staff/units/new",
        data={"name": "昆山市水务局", "kind": "department", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert clear(response, 303).headers["location"].startswith("/login")
    after = table_counts(db)
    before.pop("web_session"), after.pop("web_session")  # the expired session may be cleared away
    assert after == before


def test_malformed_cookie_header_is_treated_as_no_cookie(client):
    response = client.get(
        "/", headers={"cookie": 'minsheng_session="unterminated; ;;=; minsheng_lang'}
    )
    chinese_page(response, 200)


def test_no_page_ever_shows_a_traceback(app, db, admin):
    """An unforeseen failure is a Chinese page or the error shape, and shows nothing inside."""

    def broken() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/api/v1/test-broken", broken)
    app.add_api_route("/test-broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        error = api_error(client.get("/api/v1/test-broken"), 500, "internal_error")
        assert "secret" not in str(error)
        page = chinese_page(client.get("/test-broken"), 500, "系统繁忙")
        assert "secret" not in page and "RuntimeError" not in page


# Body size


@pytest.fixture
def small_client(database, monkeypatch) -> Iterator[TestClient]:
    """An app that takes bodies of at most 1 KiB."""
    monkeypatch.setenv("MINSHENG_MAX_BODY_BYTES", "1024")
    get_settings.cache_clear()
    from minsheng.app import create_app

    app = create_app(get_settings(), database=database)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_oversized_api_body_is_413(small_client, admin):
    body = {"username": "admin1", "password": "x" * 2000}
    error = api_error(small_client.post("/api/v1/auth/token", json=body), 413, "payload_too_large")
    assert error["message"] == "提交的内容太大了。"


def test_oversized_body_without_a_length_is_413(small_client, admin):
    def chunks() -> Iterator[bytes]:
        yield b'{"username": "admin1", "password": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}'

    response = small_client.post(
        "/api/v1/auth/token", content=chunks(), headers={"content-type": "application/json"}
    )
    api_error(response, 413, "payload_too_large")


def test_oversized_form_is_a_chinese_page_and_writes_nothing(small_client, db, admin):
    login(small_client, "admin1", factories.PASSWORD)
    before = table_counts(db)
    response = small_client.post(
        "/staff/units/new",
        data={
            "name": "昆山市水务局",
            "kind": "department",
            "contact_phone": "1" * 2000,
            "csrf_token": csrf(small_client),
        },
    )
    chinese_page(response, 413, "提交的内容太大了")
    assert table_counts(db) == before


def test_small_body_still_passes_the_small_app(small_client, admin):
    response = small_client.post(
        "/api/v1/auth/token", json={"username": "admin1", "password": factories.PASSWORD}
    )
    assert clear(response, 200).json()["access_token"]


# Failed forms leave nothing behind


def test_failed_form_submissions_leave_no_rows(client, db, admin):
    login(client, "admin1", factories.PASSWORD)
    unit_id = db.scalar(select(Base.metadata.tables["unit"].c.id))
    before = table_counts(db)
    token = csrf(client)
    failures = [
        (
            "/staff/units/new",
            {"name": "昆山市水务局", "kind": "department", "contact_phone": "不是电话"},
        ),
        ("/staff/units/new", {"name": "昆山市水务局", "kind": "department", "parent_id": "987654"}),
        ("/staff/regions/new", {"name": "昆山市", "level": "town"}),
        (
            "/staff/users/new",
            {
                "username": "lina",
                "display_name": "李娜",
                "password": "sturdy-passphrase-1",
                "role_0": "handler",
                "unit_0": "987654",
            },
        ),
        (
            "/staff/users/new",
            {
                "username": "lina",
                "display_name": "李娜",
                "password": "short",
                "role_0": "handler",
                "unit_0": str(unit_id),
            },
        ),
        (
            "/staff/password",
            {
                "current_password": factories.PASSWORD,
                "new_password": "sturdy-passphrase-1",
                "confirm_password": "different-passphrase-2",
            },
        ),
        ("/staff/tokens", {"name": ""}),
    ]
    for url, data in failures:
        response = client.post(url, data={**data, "csrf_token": token})
        clear(response, 422)
        assert "请" in response.text or "不" in response.text  # a Chinese message says what to fix
    assert table_counts(db) == before
    clear(client.get("/staff"), 200)  # and the session survived the failed password change


# Platform


def test_healthz_checks_the_database(client):
    response = clear(client.get("/healthz"), 200)
    assert response.json() == {"status": "ok"}


def test_openapi_document_lists_the_token_endpoint(client):
    document = clear(client.get("/api/v1/openapi.json"), 200).json()
    assert "/api/v1/auth/token" in document["paths"]
    assert "post" in document["paths"]["/api/v1/auth/token"]
    assert "/api/v1/units" in document["paths"] and "/api/v1/regions" in document["paths"]
    assert not any(path.startswith("/staff") for path in document["paths"])  # pages are not API


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page", "/api/v1/auth/me", "/healthz"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_security_headers_on_refusals_from_the_guard(client):
    headers = client.post("/login", data={"username": "x"}).headers  # refused for lack of CSRF
    assert headers["x-frame-options"] == "DENY" and "content-security-policy" in headers


def test_cookies_are_httponly_and_samesite(client, admin):
    client.get("/")
    login_response = client.post(
        "/login",
        data={
            "username": "admin1",
            "password": factories.PASSWORD,
            "csrf_token": csrf(client),
        },
        follow_redirects=False,
    )
    cookie = login_response.headers["set-cookie"].lower()
    assert "minsheng_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_language_switch_to_english_and_back(client):
    assert '<html lang="zh-Hans"' in client.get("/").text
    response = clear(client.get("/prefs?lang=en&next=/login", follow_redirects=False), 303)
    assert response.headers["location"] == "/login"
    assert '<html lang="en"' in client.get("/login").text
    client.get("/prefs?lang=zh_Hans")
    assert '<html lang="zh-Hans"' in client.get("/").text


def test_language_switch_ignores_unknown_locales_and_foreign_redirects(client):
    response = client.get("/prefs?lang=xx&next=//evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"
    assert "minsheng_lang" not in response.headers.get("set-cookie", "")
    assert '<html lang="zh-Hans"' in client.get("/").text


def test_people_typed_text_is_escaped_in_error_messages_and_titles(client, db):
    """A unit name comes back inside an error message; it must not become markup."""
    from tests import factories
    from tests.conftest import csrf, login

    admin = factories.staff(db, "administrator")
    name = '<a href="https://evil.example/">点此重新登录</a>'
    factories.UnitFactory(name=name)
    db.commit()
    login(client, admin.username, factories.PASSWORD)
    page = client.post(
        "/staff/units/new",
        data={"csrf_token": csrf(client), "name": name, "kind": "department"},
    )
    assert page.status_code == 422
    assert '<a href="https://evil.example/">' not in page.text
    assert "&lt;a href=" in page.text
    history = client.get("/staff/audit/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/1")
    assert "<img src=x" not in history.text and "&lt;img src=x" in history.text
