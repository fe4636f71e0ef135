"""The registrar's licenses API over the real app: the page's shape, each filter, who sees which
office's licenses, and the structured 401, 403, 404 and 422 answers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from minsheng.core.settings import get_settings
from minsheng.licensing import issuing, service
from minsheng.licensing.models import ApplicationKind
from tests import factories
from tests.conftest import api_token
from tests.licensing import office, valid_id
from tests.licensing.test_issuing import issued, prepare
from tests.requests import demo_headers

FIELDS = {
    "uscc",
    "name",
    "operator_name",
    "town",
    "place",
    "scope",
    "registered_on",
    "authority",
    "status",
    "demo",
    "verify_url",
}


@pytest.fixture
def demo(db, app):
    return prepare(db)


def arrange(db, demo):
    """Two licenses in 千灯镇 (one deregistered) and one in 周市镇, another office's unit."""
    noodles, _ = issued(db, demo)
    tea, _ = issued(db, demo, trade_name="小唐", id_number=valid_id(order="222"), name="唐敏")
    end, _ = service.start(db, office=demo, kind=ApplicationKind.deregister, license=tea)
    issuing.issue(db, app=end)
    zhoushi = office(db, "test-zs", town="周市镇", unit="周市镇行政审批局")
    other, _ = issued(db, zhoushi, trade_name="阿明", id_number=valid_id(order="333"))
    db.commit()
    return noodles, tea, other


def listed(client, headers, **params) -> dict:
    response = client.get("/api/v1/licenses", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_registrar_lists_the_licenses_of_their_office_with_every_field(client, db, demo):
    noodles, tea, other = arrange(db, demo)
    body = listed(client, demo_headers(client, "registrar"))
    codes = {item["uscc"] for item in body["items"]}
    assert {noodles.uscc, tea.uscc} <= codes and other.uscc not in codes
    assert body["total"] == len(body["items"])
    item = next(i for i in body["items"] if i["uscc"] == noodles.uscc)
    assert set(item) == FIELDS
    assert item["name"] == "昆山市千灯镇阿唐面馆店" and item["operator_name"] == "唐芳"
    assert item["town"] == "千灯镇" and item["status"] == "valid" and item["demo"] is True
    assert item["registered_on"] == noodles.registered_on.isoformat()
    assert item["authority"] == demo.authority and item["place"] == noodles.place
    assert item["verify_url"] == issuing.verify_url(noodles)
    assert item["verify_url"].startswith(get_settings().base_url.rstrip("/"))
    page = client.get(urlsplit(item["verify_url"]).path)  # the URL in the QR code opens
    assert page.status_code == 200 and noodles.uscc in page.text


def test_an_administrator_sees_every_office(client, db, demo):
    noodles, tea, other = arrange(db, demo)
    codes = {
        i["uscc"] for i in listed(client, demo_headers(client, "admin"), per_page=100)["items"]
    }
    assert {noodles.uscc, tea.uscc, other.uscc} <= codes


def test_filters_by_town_status_and_words(client, db, demo):
    noodles, tea, other = arrange(db, demo)
    admin = demo_headers(client, "admin")

    def codes(**params) -> set[str]:
        return {i["uscc"] for i in listed(client, admin, per_page=100, **params)["items"]}

    assert other.uscc in codes(town="周市镇") and noodles.uscc not in codes(town="周市镇")
    assert noodles.uscc in codes(town="320583108")  # 千灯镇 by its division code
    assert tea.uscc in codes(status="deregistered") and noodles.uscc not in codes(
        status="deregistered"
    )
    assert noodles.uscc in codes(status="valid") and tea.uscc not in codes(status="valid")
    assert codes(q=noodles.uscc.lower()) == {noodles.uscc}
    assert codes(q="小唐") == {tea.uscc}
    assert codes(q="唐敏") == {tea.uscc}
    body = listed(client, admin, town="千灯镇", per_page=1, page=2)
    assert body["total"] >= 2 and len(body["items"]) == 1


def test_one_license_by_its_code(client, db, demo):
    noodles, _tea, other = arrange(db, demo)
    registrar = demo_headers(client, "registrar")
    response = client.get(f"/api/v1/licenses/{noodles.uscc}", headers=registrar)
    assert response.status_code == 200 and response.json()["uscc"] == noodles.uscc
    foreign = client.get(f"/api/v1/licenses/{other.uscc}", headers=registrar)
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "forbidden"
    missing = client.get("/api/v1/licenses/92320583MA0000000X", headers=registrar)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    short = client.get("/api/v1/licenses/9232", headers=registrar)
    assert short.status_code == 422 and short.json()["error"]["code"] == "validation_error"


def test_without_a_token_or_the_permission_it_is_refused_with_the_error_shape(client, db, demo):
    arrange(db, demo)
    anonymous = client.get("/api/v1/licenses")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    forged = client.get("/api/v1/licenses", headers={"Authorization": "Bearer nope"})
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_token"
    operator = factories.staff(db, "operator")
    headers = api_token(client, operator.username, factories.PASSWORD)
    refused = client.get("/api/v1/licenses", headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    # A registrar of a unit without offices sees an empty register, not someone else's.
    stranger = factories.staff(db, "registrar")
    empty = listed(client, api_token(client, stranger.username, factories.PASSWORD))
    assert empty == {"total": 0, "items": []}


def test_a_bad_filter_is_a_structured_422(client, db, demo):
    headers = demo_headers(client, "registrar")
    response = client.get("/api/v1/licenses", headers=headers, params={"status": "lost"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["details"][0]["field"].endswith("status")
    assert client.get("/api/v1/licenses", headers=headers, params={"page": 0}).status_code == 422
