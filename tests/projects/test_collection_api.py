"""The 征集 API: public proposals (paginated, with a total, without personal data), proposals by
residents without a token and by units and deputies with one, structured errors."""

from __future__ import annotations

from sqlalchemy import select

from minsheng.projects.models_collection import Proposal, ProposalSource
from tests import factories
from tests import projects as make
from tests.conftest import api_token
from tests.projects.collection_kit import (
    MASKED,
    PHONE,
    closed_batch,
    count,
    deputy,
    open_batch,
)


def body(**changes):
    data = {
        "batch": "2026-1",
        "area": "transport",
        "title": "增开公交夜班车",
        "what": "晚上十点后从高铁站到周市镇没有公交，建议增开夜班车。",
        "name": "刘洋",
        "phone": PHONE,
    }
    data.update(changes)
    return data


def test_a_resident_proposes_without_a_token(client, db):
    open_batch(db)
    response = client.post("/api/v1/proposals", json=body())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["number"].startswith("JY") and created["status_label"] == "待答复"
    assert created["url"].endswith(f"/projects/proposals/{created['number']}")
    saved = db.scalar(select(Proposal))
    db.commit()
    assert saved.source == ProposalSource.resident and saved.proposer_phone == PHONE


def test_the_list_is_paginated_public_and_free_of_personal_data(client, db):
    open_batch(db)
    closed_batch(db)
    for i in range(3):
        assert (
            client.post("/api/v1/proposals", json=body(title=f"增开公交夜班车{i}")).status_code
            == 201
        )
    page = client.get("/api/v1/proposals", params={"batch": "2026-1", "limit": 2})
    assert page.status_code == 200
    data = page.json()
    assert data["total"] == 3 and data["limit"] == 2 and data["offset"] == 0
    assert len(data["items"]) == 2
    rest = client.get("/api/v1/proposals", params={"batch": "2026-1", "limit": 2, "offset": 2})
    assert len(rest.json()["items"]) == 1
    item = data["items"][0]
    assert set(item) >= {"number", "title", "what", "status", "support_count", "area_label"}
    text = page.text
    for secret in (PHONE, MASKED, "刘洋"):
        assert secret not in text
    assert not {"name", "phone", "proposer_name", "proposer_phone", "resident_id"} & set(item)
    assert client.get("/api/v1/proposals", params={"batch": "2025-2"}).json()["total"] == 0
    one = client.get(f"/api/v1/proposals/{item['number']}")
    assert one.status_code == 200 and PHONE not in one.text and "刘洋" not in one.text
    missing = client.get("/api/v1/proposals/JY1999-9999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/proposals", params={"limit": 0, "status": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


def test_a_closed_window_and_bad_fields_are_structured_errors(client, db):
    closed_batch(db)
    response = client.post("/api/v1/proposals", json=body(batch="2025-2"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "collection_closed"
    assert "不在征集期内" in response.json()["error"]["message"]
    open_batch(db)
    response = client.post("/api/v1/proposals", json={"batch": "2026-1", "area": "x"})
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"area", "title", "what"} <= fields
    response = client.post("/api/v1/proposals", json=body(phone="12"))
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        {"field": "phone", "message": "请填写 11 位手机号码，例如 13812345678"}
    ]
    response = client.post("/api/v1/proposals", json=body(batch="9999-9"))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "batch"
    response = client.post(
        "/api/v1/proposals", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert count(db, Proposal) == 0


def test_units_and_deputies_propose_with_a_staff_token(client, db):
    open_batch(db)
    bureau = make.unit(db, make.HOUSING_BUREAU)
    handler = factories.staff(db, "handler", bureau)
    member = deputy(db, "代表 周敏")
    headers = api_token(client, handler.username, factories.PASSWORD)
    refused = client.post("/api/v1/proposals", json=body(source="unit", unit_id=bureau.id))
    assert refused.status_code == 403
    made = client.post(
        "/api/v1/proposals", json=body(source="unit", unit_id=bureau.id), headers=headers
    )
    assert made.status_code == 201
    deputy_headers = api_token(client, member.username, factories.PASSWORD)
    made = client.post("/api/v1/proposals", json=body(source="deputy"), headers=deputy_headers)
    assert made.status_code == 201
    rows = {p.source: p for p in db.scalars(select(Proposal))}
    db.commit()
    assert rows[ProposalSource.unit].unit_id == bureau.id
    assert rows[ProposalSource.deputy].deputy_id == member.id
    clusters = client.post("/api/v1/proposals", json=body(source="requests"), headers=headers)
    assert clusters.status_code == 403
    expired = client.post(
        "/api/v1/proposals",
        json=body(source="unit", unit_id=bureau.id),
        headers={"Authorization": "Bearer ms_wrong"},
    )
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "invalid_token"
