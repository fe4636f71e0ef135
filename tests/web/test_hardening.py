"""Hardening found in review: caching, API description, machine paths, tokens, typed digits."""

from minsheng.core.text import normalize_mobile
from tests import factories
from tests.conftest import api_token, csrf, login


def test_pages_and_api_answers_are_never_cached(client):
    assert client.get("/").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/openapi.json").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/minsheng.css").headers.get("cache-control", "")


def test_openapi_offers_bearer_auth_and_documents_the_error_shape(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    error = doc["components"]["schemas"]["HTTPValidationError"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["properties"]) == {"code", "message", "details"}


def test_machine_paths_answer_in_json_even_without_csrf(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_changing_the_password_revokes_api_tokens(client, db):
    user = factories.staff(db, "handler")
    headers = api_token(client, user.username, factories.PASSWORD)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    login(client, user.username, factories.PASSWORD)
    changed = client.post(
        "/staff/password",
        data={
            "csrf_token": csrf(client),
            "current_password": factories.PASSWORD,
            "new_password": "a-brand-new-passphrase",
            "confirm_password": "a-brand-new-passphrase",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_tokens_cannot_be_made_to_live_for_years(client, db):
    user = factories.staff(db, "handler")
    headers = api_token(client, user.username, factories.PASSWORD)
    response = client.post(
        "/api/v1/auth/tokens", json={"name": "长期", "days": 3650}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "days"


def test_full_width_digits_from_a_chinese_keyboard_are_a_phone_number():
    assert normalize_mobile("１３８１２３４５６７８") == "13812345678"
    assert normalize_mobile("+86 138-1234-5678") == "13812345678"
    assert normalize_mobile("１２３") is None
