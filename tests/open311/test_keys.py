"""API keys: issued, listed and revoked by administrators (API and page); rate limits."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from minsheng.audit.models import AuditEvent
from minsheng.core.settings import get_settings
from minsheng.open311.models import ApiKey
from tests import factories
from tests.conftest import csrf, login
from tests.open311 import away_from_the_minute, get, leak, post, spec_error
from tests.requests import assert_error


def test_administrator_issues_a_key_that_works_at_once(client, db, admin):
    response = client.post("/api/v1/api-keys", json={"name": "FixMyStreet 昆山站"}, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) >= {"key", "id", "name", "prefix", "active"}
    assert created["key"].startswith(created["prefix"]) and created["active"] is True
    stored = db.get(ApiKey, created["id"])
    assert stored is not None and created["key"] not in stored.key_hash  # only a hash is kept
    db.commit()
    assert post(client, "requests", "json", created["key"], **leak()).status_code == 201
    listed = client.get("/api/v1/api-keys", headers=admin).json()
    assert [k["name"] for k in listed] == ["FixMyStreet 昆山站"]
    assert "key" not in listed[0] and listed[0]["last_used_at"] is not None


def test_revoked_key_is_refused_at_once(client, admin, key):
    key_id = client.get("/api/v1/api-keys", headers=admin).json()[0]["id"]
    revoked = client.delete(f"/api/v1/api-keys/{key_id}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    spec_error(post(client, "requests", "xml", key, **leak()), 403, "xml")
    spec_error(get(client, "requests", "json", api_key=key), 403)
    assert_error(client.delete("/api/v1/api-keys/999", headers=admin), 404, "not_found")


@pytest.mark.parametrize("role", ["handler", "operator", "supervisor"])
def test_only_administrators_manage_keys(client, staff_token, role):
    headers = staff_token(role, "昆山市")
    assert_error(client.get("/api/v1/api-keys", headers=headers), 403, "forbidden")
    response = client.post("/api/v1/api-keys", json={"name": "x"}, headers=headers)
    assert_error(response, 403, "forbidden")


def test_a_town_administrator_does_not_manage_city_keys(client, staff_token):
    headers = staff_token("administrator", "巴城镇人民政府")
    assert_error(client.get("/api/v1/api-keys", headers=headers), 403, "forbidden")


def test_key_without_token_or_with_a_bad_name(client, admin):
    assert_error(client.post("/api/v1/api-keys", json={"name": "x"}), 401, "not_authenticated")
    response = client.post("/api/v1/api-keys", json={"name": ""}, headers=admin)
    assert_error(response, 422, "validation_error")
    response = client.post("/api/v1/api-keys", json={"name": "   "}, headers=admin)
    assert_error(response, 422, "validation_error")


def test_the_staff_page_issues_lists_and_revokes_with_csrf(client, db, kunshan):
    from minsheng.org import service as org

    root = org.get_unit_by_name(db, name="昆山市")
    user = factories.staff(db, "administrator", root)
    login(client, user.username, factories.PASSWORD)
    page = client.get("/staff/api-keys")
    assert page.status_code == 200 and "Open311 接口密钥" in page.text
    assert 'href="/staff/api-keys"' in client.get("/staff").text  # in the navigation
    refused = client.post("/staff/api-keys", data={"name": "城市 App"})
    assert refused.status_code == 403
    empty = client.post("/staff/api-keys", data={"name": " ", "csrf_token": csrf(client)})
    assert empty.status_code == 422 and "请写明对接的系统" in empty.text
    issued = client.post("/staff/api-keys", data={"name": "城市 App", "csrf_token": csrf(client)})
    assert issued.status_code == 200
    plain = issued.text.split('id="new-key">')[1].split("<")[0]
    assert plain.startswith("o311_")
    assert get(client, "services", "json", api_key=plain).status_code == 200
    key = db.scalar(select(ApiKey))
    assert key is not None
    db.commit()
    assert plain not in client.get("/staff/api-keys").text  # shown once only
    revoke = client.post(
        f"/staff/api-keys/{key.id}/revoke",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert revoke.status_code == 303
    assert "已吊销" in client.get("/staff/api-keys").text
    spec_error(get(client, "services", "json", api_key=plain), 403)


def test_a_handler_cannot_open_the_keys_page(client, db, kunshan):
    from minsheng.org import service as org

    unit = org.get_unit_by_name(db, name="昆山市住房和城乡建设局")
    user = factories.staff(db, "handler", unit)
    login(client, user.username, factories.PASSWORD)
    assert client.get("/staff/api-keys").status_code == 403
    assert 'href="/staff/api-keys"' not in client.get("/staff").text


def test_keyed_reads_are_audited_too(client, db, key):
    assert get(client, "services", "json", api_key=key).status_code == 200
    assert get(client, "services", "json").status_code == 200  # without a key: not an event
    calls = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "open311_call")))
    db.commit()
    assert len(calls) == 1
    summary = json.loads(calls[0].summary)
    assert summary["path"] == "/open311/v2/services.json" and summary["method"] == "GET"


def test_calls_with_one_key_are_limited_per_minute(client, db, key, monkeypatch):
    monkeypatch.setenv("MINSHENG_OPEN311_PER_KEY_PER_MINUTE", "3")
    get_settings.cache_clear()
    away_from_the_minute()
    for _ in range(3):
        assert get(client, "services", "json", api_key=key).status_code == 200
    response = get(client, "services", "xml", api_key=key)
    (message,) = spec_error(response, 429, "xml")
    assert "密钥" in message and response.headers["retry-after"] == "60"
    spec_error(post(client, "requests", "json", key, **leak()), 429)
    # Without the key the same client is still served (its address has its own limit).
    assert get(client, "services", "json").status_code == 200
    refused = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "open311_refused")))
    db.commit()
    assert len(refused) == 1  # a flood is recorded once per window


def test_calls_from_one_address_are_limited_per_minute(client, kunshan, monkeypatch):
    monkeypatch.setenv("MINSHENG_OPEN311_PER_ADDRESS_PER_MINUTE", "2")
    get_settings.cache_clear()
    away_from_the_minute()
    assert get(client, "discovery", "json").status_code == 200
    assert get(client, "services", "json").status_code == 200
    (message,) = spec_error(get(client, "requests", "json"), 429)
    assert "地址" in message
