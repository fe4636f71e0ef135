"""The guides' JSON API over the real app: search results' shape, bad queries, reading a matter
(current, old version, withdrawn, draft), the anonymous rate limit."""

from __future__ import annotations

import pytest

from minsheng.guides import api, search, service
from minsheng.guides.search_text import EMPTY_MESSAGE
from tests import factories
from tests.conftest import api_token
from tests.guides import content, matter


@pytest.fixture(autouse=True)
def _fresh_indexes():
    search.forget()
    yield
    search.forget()


def arrange(db) -> None:
    market = factories.UnitFactory(name="昆山市市场监督管理局")
    matter(db, "KS-SC-001", unit=market, title="个体工商户设立登记")
    matter(db, "KS-SC-003", unit=market, title="营业执照遗失补领", keywords="补办")
    db.commit()


def test_search_answers_ranked_codes_titles_urls_and_scores(client, db):
    arrange(db)
    response = client.get("/api/v1/guides", params={"q": "开业"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "开业" and body["total"] >= 1
    assert body["page"] == 1 and body["per_page"] == search.PER_PAGE
    first = body["items"][0]
    assert first["code"] == "KS-SC-001" and first["title"] == "个体工商户设立登记"
    assert first["url"] == "/guides/KS-SC-001" and first["score"] > 0
    assert first["unit"] == "昆山市市场监督管理局" and first["status"] == "published"
    assert body["interpreted"] == ["开业"] and body["notice"] == ""
    pinyin = client.get("/api/v1/guides", params={"q": "yyzz"}).json()
    assert pinyin["items"][0]["code"] == "KS-SC-003" and "营业执照" in pinyin["interpreted"]


def test_without_a_query_the_catalogue_is_listed(client, db):
    arrange(db)
    body = client.get("/api/v1/guides").json()
    assert body["total"] == 2 and {i["code"] for i in body["items"]} == {"KS-SC-001", "KS-SC-003"}
    assert all(i["score"] is None for i in body["items"])


def test_a_query_of_symbols_is_a_structured_422(client, db):
    arrange(db)
    response = client.get("/api/v1/guides", params={"q": "？？？!!!@@"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"] == EMPTY_MESSAGE
    assert error["details"] == [{"field": "q", "message": EMPTY_MESSAGE}]


def test_a_very_long_query_is_cut_with_a_notice(client, db):
    arrange(db)
    body = client.get("/api/v1/guides", params={"q": "营业执照补领" * 500}).json()
    assert len(body["query"].replace(" ", "")) == 50 and "50" in body["notice"]
    assert body["items"][0]["code"] == "KS-SC-003"


def test_pages_and_their_bounds(client, db):
    unit = factories.UnitFactory(name="昆山市人力资源和社会保障局")
    for n in range(7):
        matter(db, f"KS-RS-{n:03d}", unit=unit, title=f"社会保险业务第{n}项")
    db.commit()
    body = client.get("/api/v1/guides", params={"q": "社会保险", "per_page": 5, "page": 2}).json()
    assert body["total"] == 7 and len(body["items"]) == 2
    too_many = client.get("/api/v1/guides", params={"q": "社会保险", "per_page": 500})
    assert too_many.status_code == 422 and too_many.json()["error"]["details"][0]["field"]
    assert client.get("/api/v1/guides", params={"page": "x"}).status_code == 422


def test_a_matter_reads_in_full_and_an_old_version_with_its_dates(client, db):
    arrange(db)
    found = service.get_matter(db, code="KS-SC-001")
    service.publish_version(db, matter=found, content=content("个体工商户登记", fee="免费"))
    db.commit()
    body = client.get("/api/v1/guides/KS-SC-001").json()
    assert body["version"] == 2 and body["title"] == "个体工商户登记" and body["fee"] == "免费"
    assert body["status"] == "published" and body["valid_to"] is None
    assert body["materials"][0]["name"] == "经营者身份证" and body["phones"][0]["number"]
    assert body["unit"] == "昆山市市场监督管理局" and body["url"] == "/guides/KS-SC-001"
    old = client.get("/api/v1/guides/KS-SC-001", params={"version": 1}).json()
    assert old["version"] == 1 and old["title"] == "个体工商户设立登记"
    assert old["valid_to"] is not None and old["url"] == "/guides/KS-SC-001/v/1"
    missing = client.get("/api/v1/guides/KS-SC-001", params={"version": 9})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_withdrawn_matters_read_with_their_status_and_drafts_are_hidden(client, db):
    arrange(db)
    service.withdraw(db, matter=service.get_matter(db, code="KS-SC-003"), reason="并入其他事项")
    matter(db, "KS-SC-009", unit=None, title="营业执照注销", publish=False)
    db.commit()
    withdrawn = client.get("/api/v1/guides/KS-SC-003")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.get("/api/v1/guides/KS-SC-009").status_code == 404
    assert client.get("/api/v1/guides/NO-SUCH").status_code == 404
    hits = client.get("/api/v1/guides", params={"q": "营业执照"}).json()["items"]
    assert [h["code"] for h in hits] == ["KS-SC-001", "KS-SC-003"]  # its exact title, yet last
    assert hits[1]["status"] == "withdrawn" and hits[1]["status_label"] == "已停止办理"


def test_anonymous_searches_are_limited_per_address_and_staff_are_not(client, db, monkeypatch):
    arrange(db)
    monkeypatch.setattr(api, "SEARCHES_PER_MINUTE", 3)
    for _ in range(3):
        assert client.get("/api/v1/guides", params={"q": "开业"}).status_code == 200
    refused = client.get("/api/v1/guides", params={"q": "开业"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.json()["error"]["code"] == "rate_limited"
    user = factories.staff(db, "administrator")
    headers = api_token(client, user.username, factories.PASSWORD)
    for _ in range(5):
        assert (
            client.get("/api/v1/guides", params={"q": "开业"}, headers=headers).status_code == 200
        )
