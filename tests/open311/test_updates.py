"""FixMyStreet's servicerequestupdates: the city's steps out, the client's comments in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.requests.models import CitizenRequest, Status
from tests.open311 import (
    HOUSING_BUREAU,
    UPDATE_FIELDS,
    as_dict,
    children,
    get,
    json_list,
    leak,
    post,
    spec_error,
    xml_root,
)


def handle(client, headers: dict, number: str, action: str, **body) -> dict:
    version = client.get(f"/api/v1/requests/{number}", headers=headers).json()["version"]
    response = client.post(
        f"/api/v1/requests/{number}/{action}", json={**body, "version": version}, headers=headers
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


@pytest.fixture
def handled(client, key, staff_token) -> str:
    """A leak filed by the integration, accepted, answered and closed as resolved."""
    number = post(client, "requests", "json", key, **leak()).json()[0]["service_request_id"]
    handler = staff_token("handler", HOUSING_BUREAU)
    handle(client, handler, number, "accept")
    handle(client, handler, number, "replies", text="已安排维修人员明天上门查看。")
    handle(client, handler, number, "close", outcome="resolved", text="漏水点已修复，请查看。")
    return str(number)


def test_updates_in_xml_follow_the_steps_with_extended_statuses(client, handled):
    root = xml_root(get(client, "servicerequestupdates", "xml"), "service_request_updates")
    updates = [as_dict(u) for u in root]
    assert all(children(u) == UPDATE_FIELDS for u in root)
    assert all(u["service_request_id"] == handled for u in updates)
    assert [(u["status"], u["external_status_code"]) for u in updates] == [
        ("open", "dispatched"),
        ("in_progress", "accepted"),
        ("in_progress", "reply"),
        ("fixed", "closed.resolved"),
    ]
    assert "明天上门" in updates[2]["description"]
    assert updates[3]["updated_datetime"].endswith("+08:00")
    assert len({u["update_id"] for u in updates}) == 4


def test_updates_in_json_and_the_request_reads_closed(client, handled):
    updates = json_list(get(client, "servicerequestupdates", "json"))
    assert all(list(u) == UPDATE_FIELDS for u in updates)
    assert updates[-1]["status"] == "fixed" and updates[-1]["media_url"] is None
    (found,) = json_list(get(client, f"requests/{handled}", "json"))
    assert found["status"] == "closed"
    assert found["status_notes"] == "已解决：漏水点已修复，请查看。"


def test_updates_are_limited_to_the_window_asked(client, handled):
    window = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-01-02T00:00:00Z"}
    assert json_list(get(client, "servicerequestupdates", "json", **window)) == []
    spec_error(get(client, "servicerequestupdates", "json", start_date="yesterday"), 400)
    spec_error(get(client, "servicerequestupdates", "xml", start_date="yesterday"), 400, "xml")


def test_a_closed_by_the_client_is_a_comment_not_a_closure(client, db, key):
    number = post(client, "requests", "json", key, **leak()).json()[0]["service_request_id"]
    response = post(
        client,
        "servicerequestupdates",
        "xml",
        key,
        service_request_id=number,
        status="FIXED",
        description="我看了一下，已经不漏了。",
        update_id="fms-7",
        updated_datetime="2026-11-26T10:00:00Z",
        first_name="小明",
        email="wang@example.com",
    )
    assert response.status_code == 200, response.text
    root = xml_root(response, "service_request_updates")
    assert children(root) == ["request_update"] and children(root[0]) == ["update_id"]
    update_id = as_dict(root[0])["update_id"]
    request = db.scalar(select(CitizenRequest).where(CitizenRequest.tracking_number == number))
    assert request is not None
    assert request.status == Status.dispatched  # nobody's work was closed from outside
    comment = request.events[-1]
    assert comment.kind == "comment" and str(comment.id) == update_id
    assert "认为问题已解决" in comment.text and "已经不漏了" in comment.text
    assert "FixMyStreet 昆山站" in comment.actor_label
    db.commit()
    # The same update sent again is not written twice.
    again = post(
        client,
        "servicerequestupdates",
        "json",
        key,
        service_request_id=number,
        status="FIXED",
        description="我看了一下，已经不漏了。",
        update_id="fms-7",
    )
    assert again.json() == [{"update_id": update_id}]
    db.expire_all()
    assert sum(e.kind == "comment" for e in request.events) == 1
    db.commit()
    # Comments from the client's side are not sent back to it as the city's updates.
    assert all(
        u["external_status_code"] != "comment"
        for u in json_list(get(client, "servicerequestupdates", "json"))
    )


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_bad_updates_are_refused(client, key, issue_key, fmt):
    number = post(client, "requests", "json", key, **leak()).json()[0]["service_request_id"]
    base = {"service_request_id": number, "status": "OPEN", "description": "还在漏"}
    cases = [
        (key, {**base, "status": "EXPLODED"}, 400, "status"),
        (key, {**base, "service_request_id": "KS20000101-0009"}, 404, "service_request_id"),
        (key, {**base, "service_request_id": ""}, 400, "service_request_id"),
        (key, {**base, "updated_datetime": "yesterday"}, 400, "updated_datetime"),
        (key, {**base, "media_url": "ftp://x/y.jpg"}, 400, "media_url"),
        (None, base, 403, "api_key"),
        (issue_key("另一个城市 App"), base, 403, "不是通过本对接系统"),
    ]
    for used, fields, status, words in cases:
        response = post(client, "servicerequestupdates", fmt, used, **fields)
        messages = spec_error(response, status, fmt)
        assert any(words in m for m in messages), (fields, messages)


def test_a_web_report_cannot_be_commented_on_through_open311(client, key):
    from tests.requests import body

    number = client.post("/api/v1/requests", json=body()).json()["tracking_number"]
    fields = {"service_request_id": number, "status": "OPEN", "description": "补充"}
    spec_error(post(client, "servicerequestupdates", "json", key, **fields), 404)
