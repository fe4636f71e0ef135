"""Following a request: GET /api/v1/requests/{tracking_number} for the public, the reporter with
the secret token, and staff by role; personal data in the audit trail; optimistic locking."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from minsheng.audit import service as audit
from minsheng.audit.models import AuditEvent
from minsheng.requests.models import CitizenRequest, Status
from tests import factories
from tests.conftest import api_token
from tests.requests import (
    CENTRE,
    HOUSING_BUREAU,
    MASKED_PHONE,
    PHONE,
    assert_error,
    demo_headers,
    load_demo,
    submit,
    token_of,
    unit,
)

LEAK = {
    "category": "housing.leak",
    "title": "楼上卫生间漏水",
    "description": "楼上卫生间漏水，已经渗到我家天花板，墙面发霉，联系楼上住户一直没有人。",
}
STAFF_ONLY = {"id", "description", "address", "community", "contact_name", "contact_phone"}


@pytest.fixture
def kunshan(db) -> None:
    load_demo(db)


@pytest.fixture
def leak(client, kunshan) -> dict:
    """A resident's leak report, dispatched to the housing bureau, with a name and a phone."""
    created = submit(client, **LEAK)
    assert created["unit"] == HOUSING_BUREAU
    return created


def follow(client, created: dict, headers: dict | None = None, **params: str) -> dict:
    response = client.get(
        f"/api/v1/requests/{created['tracking_number']}", params=params, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def other_handler(client, db, unit_name: str = "昆山市城市管理局") -> dict[str, str]:
    user = factories.staff(db, "handler", unit(db, unit_name))
    return api_token(client, user.username, factories.PASSWORD)


# The public and the reporter


def test_anyone_with_the_number_sees_the_status_but_no_text(client, leak):
    seen = follow(client, leak)
    assert seen["tracking_number"] == leak["tracking_number"]
    assert seen["status"] == "dispatched" and seen["status_label"] == "待签收"
    assert seen["unit"] == HOUSING_BUREAU and seen["category"] == "房屋渗漏"
    assert seen["town"] == "巴城镇" and seen["channel"] == "web"
    assert seen["resolve_due_at"] == leak["resolve_due_at"]
    assert seen["title"] == ""
    assert [(e["kind"], e["label"], e["text"]) for e in seen["timeline"]] == [
        ("submitted", "已受理", ""),
        ("dispatched", "已派单", ""),
    ]
    assert not STAFF_ONLY & set(seen)
    assert "王小明" not in str(seen) and "5678" not in str(seen)


def test_the_reporter_with_the_secret_token_sees_the_title_and_texts(client, leak):
    seen = follow(client, leak, token=token_of(leak))
    assert seen["title"] == LEAK["title"]
    texts = [e["text"] for e in seen["timeline"]]
    assert texts[0] == "通过网上反映受理"
    assert texts[1].startswith(f"派至{HOUSING_BUREAU}")
    # Still no personal data, and not the description either.
    assert not STAFF_ONLY & set(seen)
    assert PHONE not in str(seen)


def test_a_wrong_token_or_another_requests_token_shows_only_the_status(client, leak):
    other = submit(client, title="另一件事情")
    for token in ("x" * 32, token_of(other), ""):
        assert follow(client, leak, token=token)["title"] == ""
    too_long = client.get(
        f"/api/v1/requests/{leak['tracking_number']}", params={"token": "t" * 101}
    )
    assert_error(too_long, 422, "validation_error")


def test_the_number_is_found_in_lower_case_too(client, leak):
    seen = follow(client, {"tracking_number": leak["tracking_number"].lower()})
    assert seen["tracking_number"] == leak["tracking_number"]


@pytest.mark.parametrize("number", ["KS20991231-9999", "nonsense", "KS" + "9" * 200])
def test_unknown_number_is_404_in_the_error_shape(client, kunshan, number):
    error = assert_error(client.get(f"/api/v1/requests/{number}"), 404, "not_found")
    assert error["message"].startswith("没有找到编号为")
    assert number[:30] in error["message"] and len(error["message"]) < 60


def test_unknown_number_is_404_for_staff_too(client, kunshan):
    response = client.get("/api/v1/requests/KS20991231-9999", headers=demo_headers(client, "admin"))
    assert_error(response, 404, "not_found")


# Staff, by role


def test_operator_sees_the_full_record_and_contact(client, leak):
    seen = follow(client, leak, demo_headers(client, "operator"))
    assert seen["contact_phone"] == PHONE and seen["contact_name"] == "王小明"
    assert seen["title"] == LEAK["title"] and seen["description"] == LEAK["description"]
    assert seen["address"] == "巴城镇湖滨路 88 号附近"
    assert seen["version"] == 1 and seen["confidential"] is False
    assert all(e["text"] for e in seen["timeline"])


@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_supervisor_and_admin_see_the_record_with_the_contact_masked(client, leak, username):
    seen = follow(client, leak, demo_headers(client, username))
    assert seen["description"] == LEAK["description"]
    assert seen["contact_phone"] == MASKED_PHONE
    assert seen["contact_name"] == "王**"


def test_handler_of_the_unit_sees_the_contact_to_call_back(client, leak):
    seen = follow(client, leak, demo_headers(client, "handler"))  # 住建局
    assert seen["contact_phone"] == PHONE and seen["contact_name"] == "王小明"
    assert seen["description"] == LEAK["description"]


def test_handler_of_a_parent_unit_sees_what_its_departments_hold(client, db, leak):
    seen = follow(client, leak, other_handler(client, db, "昆山市人民政府"))
    assert seen["contact_phone"] == PHONE


def test_handler_of_another_unit_gets_only_the_public_view(client, db, leak):
    headers = other_handler(client, db)
    seen = follow(client, leak, headers)
    assert not STAFF_ONLY & set(seen)
    assert seen["title"] == ""
    # With the reporter's token, what the reporter sees, and no more.
    seen = follow(client, leak, headers, token=token_of(leak))
    assert seen["title"] == LEAK["title"] and not STAFF_ONLY & set(seen)


def test_a_city_wide_role_does_not_lend_a_unit_role_its_reach(client, db, leak):
    """A supervisor who also handles for the city management bureau sees the housing bureau's
    request as a supervisor: the record, but the contact masked."""
    user = factories.StaffUserFactory(
        roles=[
            ("supervisor", unit(db, "昆山市人民政府")),
            ("handler", unit(db, "昆山市城市管理局")),
        ]
    )
    db.commit()
    seen = follow(client, leak, api_token(client, user.username, factories.PASSWORD))
    assert seen["description"] == LEAK["description"]
    assert seen["contact_phone"] == MASKED_PHONE and seen["contact_name"] == "王**"
    # Their own bureau's requests they may call back.
    own = submit(client, category="urban.stall", town="320583106")  # 张浦镇: 城管局
    assert own["unit"] == "昆山市城市管理局"
    assert (
        follow(client, own, api_token(client, user.username, factories.PASSWORD))["contact_phone"]
        == PHONE
    )


def test_an_invalid_token_is_401_not_the_public_view(client, leak):
    response = client.get(
        f"/api/v1/requests/{leak['tracking_number']}",
        headers={"Authorization": "Bearer expired-or-revoked"},
    )
    assert_error(response, 401, "invalid_token")


def test_a_request_in_triage_is_not_shown_to_unit_handlers(client, kunshan):
    created = submit(client, category="other", title="其他问题反映")
    assert created["unit"] == CENTRE and created["status"] == "triage"
    seen = follow(client, created, demo_headers(client, "handler"))
    assert not STAFF_ONLY & set(seen)
    assert follow(client, created, demo_headers(client, "operator"))["contact_phone"] == PHONE


def test_grid_worker_sees_only_their_own_community(client, leak):
    seen = follow(client, leak, demo_headers(client, "gridworker"))  # 长泾社区, not 巴城镇
    assert not STAFF_ONLY & set(seen)


def test_a_request_without_contact_shows_empty_fields(client, kunshan):
    created = submit(client, contact=None, **LEAK)
    seen = follow(client, created, demo_headers(client, "handler"))
    assert seen["contact_phone"] == "" and seen["contact_name"] == ""


# Confidential reporters


@pytest.fixture
def confidential(client, kunshan) -> dict:
    return submit(client, confidential=True, **LEAK)


def test_confidential_reporter_is_hidden_from_the_handling_unit(client, confidential):
    seen = follow(client, confidential, demo_headers(client, "handler"))
    assert seen["confidential"] is True
    assert seen["contact_phone"] == MASKED_PHONE and seen["contact_name"] == "王**"
    assert seen["description"] == LEAK["description"]  # the matter itself is still theirs


def test_operator_sees_a_confidential_reporter(client, confidential):
    seen = follow(client, confidential, demo_headers(client, "operator"))
    assert seen["contact_phone"] == PHONE and seen["contact_name"] == "王小明"


def test_supervisor_sees_a_confidential_reporter_masked(client, confidential):
    seen = follow(client, confidential, demo_headers(client, "supervisor"))
    assert seen["contact_phone"] == MASKED_PHONE


# Audit trail


def test_audit_trail_masks_the_phone_and_redacts_the_token_hash(client, db, leak):
    request = db.scalar(
        select(CitizenRequest).where(CitizenRequest.tracking_number == leak["tracking_number"])
    )
    assert request is not None
    trail = audit.for_object(db, object_type="citizen_request", object_id=request.id)
    everything = [e.summary for e in db.scalars(select(AuditEvent))]
    db.commit()
    created = [e for e in trail if e.action == "create"]
    assert len(created) == 1
    after = json.loads(created[0].summary)["after"]
    assert after["contact_phone"] == MASKED_PHONE
    assert after["follow_token_hash"] == audit.REDACTED
    assert after["tracking_number"] == leak["tracking_number"]
    assert after["status"] == "dispatched"
    assert created[0].actor_kind == "anonymous" and created[0].client_addr == "testclient"
    # Neither the phone, nor the secret, nor its hash is anywhere in the trail.
    token = token_of(leak)
    for summary in everything:
        assert PHONE not in summary
        assert token not in summary and hashlib.sha256(token.encode()).hexdigest() not in summary


def test_audit_trail_names_the_operator_who_entered_it(client, db, kunshan):
    created = submit(client, demo_headers(client, "operator"), channel="hotline", **LEAK)
    request = db.scalar(
        select(CitizenRequest).where(CitizenRequest.tracking_number == created["tracking_number"])
    )
    assert request is not None
    trail = audit.for_object(db, object_type="citizen_request", object_id=request.id)
    db.commit()
    assert trail[-1].actor_kind == "staff" and "operator" in trail[-1].actor_label
    assert json.loads(trail[-1].summary)["after"]["contact_phone"] == MASKED_PHONE


# Two staff at once


def test_the_second_of_two_updates_from_the_same_version_fails(client, database, db, leak):
    """Optimistic locking: two people loaded version 1; the first to save wins, the second's
    save raises StaleDataError instead of silently overwriting it."""
    number = leak["tracking_number"]
    query = select(CitizenRequest).where(CitizenRequest.tracking_number == number)
    first, second = database.new_session(), database.new_session()
    try:
        mine = first.scalars(query).one()
        first.commit()  # each loaded its copy, then went away to think
        theirs = second.scalars(query).one()
        second.commit()
        assert mine.version == theirs.version == 1

        mine.status = Status.in_progress
        first.commit()
        assert mine.version == 2

        theirs.status = Status.triage
        theirs.unit_id = unit(db, CENTRE).id
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()

    saved = db.scalars(query).one()
    db.commit()
    assert saved.status == Status.in_progress and saved.version == 2
    assert saved.unit_id == unit(db, HOUSING_BUREAU).id
    # The version shows in the staff view, so that clients can send it back.
    assert follow(client, leak, demo_headers(client, "operator"))["version"] == 2


def test_a_fresh_copy_may_update_after_a_stale_one_failed(database, db, leak):
    query = select(CitizenRequest).where(CitizenRequest.tracking_number == leak["tracking_number"])
    first, second = database.new_session(), database.new_session()
    try:
        stale = second.scalars(query).one()
        second.commit()
        winner = first.scalars(query).one()
        winner.status = Status.in_progress
        first.commit()
        stale.status = Status.closed
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
        fresh = second.scalars(query).one()  # reloaded after the rollback: version 2
        assert fresh.version == 2 and fresh.status == Status.in_progress
        fresh.status = Status.closed
        second.commit()
        assert fresh.version == 3
    finally:
        first.close()
        second.close()
