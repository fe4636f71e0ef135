"""Handling a request through the API: dispatch, accept, return, split, merge, actions, replies,
close; who may do what, stale versions, wrong states, two staff at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.requests import (
    CENTRE,
    HOUSING_BUREAU,
    PHONE,
    assert_error,
    demo_headers,
    fields_of,
    load_demo,
    submit,
    token_of,
    unit,
)
from tests.requests.handling import (
    LEAK,
    URBAN,
    accepted,
    act,
    events,
    listed,
    ok,
    report_leak,
    staff_of,
    view,
)


@pytest.fixture
def leak(client, db) -> dict:
    load_demo(db)
    return report_leak(client)


@pytest.fixture
def handler(client, leak) -> dict[str, str]:
    return demo_headers(client, "handler")


@pytest.fixture
def operator(client, leak) -> dict[str, str]:
    return demo_headers(client, "operator")


# Accept, act, reply, close


def test_a_request_handled_from_acceptance_to_closure(client, db, leak, handler):
    seen = accepted(client, leak, handler)
    assert seen["status"] == "in_progress" and seen["version"] == 2
    assert seen["contact_phone"] == PHONE
    seen = ok(
        act(client, leak, "actions", handler, text="已电话联系楼上住户，约定明天上门", version=2)
    )
    seen = ok(
        act(
            client,
            leak,
            "replies",
            handler,
            text="已联系楼上住户，明天上门查看漏水点。",
            version=seen["version"],
        )
    )
    assert seen["timeline"][-1]["kind"] == "reply"
    seen = ok(
        act(
            client,
            leak,
            "close",
            handler,
            outcome="resolved",
            text="漏水点已修复，天花板已干。",
            version=seen["version"],
        )
    )
    assert seen["status"] == "closed" and seen["closed_at"]
    reporter = view(client, leak, token=token_of(leak))
    texts = [e["text"] for e in reporter["timeline"]]
    assert "已联系楼上住户，明天上门查看漏水点。" in texts
    assert "已解决：漏水点已修复，天花板已干。" in texts
    assert not any("约定明天上门" in t for t in texts)
    # The action is kept for staff only.
    assert [(k, t) for k, t, public in events(db, leak) if not public] == [
        ("action", "已电话联系楼上住户，约定明天上门")
    ]


def test_short_texts_and_unknown_outcomes_are_refused_per_field(client, leak, handler):
    version = accepted(client, leak, handler)["version"]
    error = assert_error(
        act(client, leak, "close", handler, outcome="merged", text="好", version=version),
        422,
        "validation_error",
    )
    assert set(fields_of(error)) == {"outcome", "text"}
    error = assert_error(
        act(client, leak, "close", handler, outcome="lost", text="已修好了", version=version),
        422,
        "validation_error",
    )
    assert "outcome" in fields_of(error)
    error = assert_error(
        act(client, leak, "replies", handler, text="好的", version=version), 422, "validation_error"
    )
    assert fields_of(error) == {"text": "请写下给群众的答复（至少 4 个字）"}
    error = assert_error(act(client, leak, "accept", handler), 422, "validation_error")
    assert "version" in fields_of(error)


def test_another_units_handler_is_forbidden_and_anonymous_must_sign_in(client, db, leak):
    other = staff_of(client, db, URBAN)
    for action, body in [
        ("accept", {"version": 1}),
        ("return", {"reason": "不归我们管辖", "version": 1}),
    ]:
        error = assert_error(act(client, leak, action, other, **body), 403, "forbidden")
        assert "不在您的单位" in error["message"]
        assert_error(act(client, leak, action, {}, **body), 401, "not_authenticated")
    # Only the dispatch centre dispatches.
    unit_id = unit(db, URBAN).id
    assert_error(act(client, leak, "dispatch", other, unit_id=unit_id, version=1), 403, "forbidden")
    assert view(client, leak, demo_headers(client, "operator"))["version"] == 1  # nothing changed
    assert_error(
        client.post("/api/v1/requests/KS20991231-9999/accept", json={"version": 1}, headers=other),
        404,
        "not_found",
    )


def test_a_stale_version_is_refused_and_nothing_is_overwritten(client, leak, handler):
    accepted(client, leak, handler)
    error = assert_error(
        act(client, leak, "replies", handler, text="这是基于旧版本的答复", version=1), 409, "stale"
    )
    assert "刷新" in error["message"]
    seen = view(client, leak, handler)
    assert seen["version"] == 2 and "reply" not in [e["kind"] for e in seen["timeline"]]


def test_steps_out_of_order_are_409_wrong_state(client, leak, handler):
    error = assert_error(
        act(client, leak, "close", handler, outcome="resolved", text="已经修好了", version=1),
        409,
        "wrong_state",
    )
    assert "待签收" in error["message"]
    assert_error(
        act(client, leak, "actions", handler, text="先记一笔", version=1), 409, "wrong_state"
    )
    asked = act(client, leak, "extensions", handler, days=2, reason="需要等待材料到货")
    assert_error(asked, 409, "wrong_state")
    version = accepted(client, leak, handler)["version"]
    assert_error(act(client, leak, "accept", handler, version=version), 409, "wrong_state")


def test_two_handlers_accepting_at_once_one_wins(client, db, leak, handler):
    second = staff_of(client, db, HOUSING_BUREAU)
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def accept(headers: dict) -> None:
        barrier.wait()
        answers.append(act(client, leak, "accept", headers, version=1))

    threads = [threading.Thread(target=accept, args=(h,)) for h in (handler, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["error"]["code"] in ("stale", "conflict")
    seen = view(client, leak, handler)
    assert seen["version"] == 2
    assert [e["kind"] for e in seen["timeline"]].count("accepted") == 1


# Return, reassign, split, merge


def test_returned_to_the_centre_then_reassigned(client, db, leak, handler, operator):
    error = assert_error(
        act(client, leak, "return", handler, reason="不对", version=1), 422, "validation_error"
    )
    assert "reason" in fields_of(error)
    seen = ok(
        act(client, leak, "return", handler, reason="属于城管的占道问题，请改派城管局", version=1)
    )
    assert seen["status"] == "triage" and seen["unit"] == CENTRE
    assert listed(client, handler)["total"] == 0  # no longer the bureau's
    queue = listed(client, operator, status="triage")["items"]
    assert [r["tracking_number"] for r in queue] == [leak["tracking_number"]]
    urban = unit(db, URBAN)
    seen = ok(
        act(
            client,
            leak,
            "dispatch",
            operator,
            unit_id=urban.id,
            note="按退回理由改派",
            version=seen["version"],
        )
    )
    assert seen["status"] == "dispatched" and seen["unit"] == URBAN
    assert seen["timeline"][-1]["text"] == f"派至{URBAN}：按退回理由改派"
    urban_handler = staff_of(client, db, URBAN)
    assert accepted(client, leak, urban_handler)["status"] == "in_progress"
    error = assert_error(
        act(
            client,
            leak,
            "dispatch",
            operator,
            unit_id=unit(db, CENTRE).id,
            version=seen["version"] + 1,
        ),
        422,
        "validation_error",
    )
    assert "unit" in fields_of(error)


def test_split_to_a_lead_and_a_co_unit(client, db, leak, handler, operator):
    urban = unit(db, URBAN)
    housing = unit(db, HOUSING_BUREAU)
    co_handler = staff_of(client, db, URBAN)
    assert listed(client, co_handler)["total"] == 0
    error = assert_error(
        act(
            client,
            leak,
            "split",
            operator,
            lead_unit_id=housing.id,
            co_units=[{"unit_id": housing.id}],
            version=1,
        ),
        422,
        "validation_error",
    )
    assert "co_units" in fields_of(error)
    assert_error(
        act(client, leak, "split", operator, lead_unit_id=housing.id, co_units=[], version=1),
        422,
        "validation_error",
    )
    assert_error(
        act(
            client,
            leak,
            "split",
            handler,
            lead_unit_id=housing.id,
            co_units=[{"unit_id": urban.id}],
            version=1,
        ),
        403,
        "forbidden",
    )
    seen = ok(
        act(
            client,
            leak,
            "split",
            operator,
            lead_unit_id=housing.id,
            co_units=[{"unit_id": urban.id, "task": "清理楼道堆物"}],
            version=1,
        )
    )
    assert seen["unit"] == HOUSING_BUREAU
    assert seen["timeline"][-1]["text"] == f"主办：{HOUSING_BUREAU}；协办：{URBAN}"
    # The co-unit finds it in its list and records what it did once the lead has accepted.
    rows = listed(client, co_handler)["items"]
    assert [r["tracking_number"] for r in rows] == [leak["tracking_number"]]
    assert rows[0]["co_units"] == [URBAN]
    version = accepted(client, leak, handler)["version"]
    seen = ok(act(client, leak, "actions", co_handler, text="已清理楼道堆物", version=version))
    # The action is on the staff timeline, in the co-unit's name, hidden from the reporter.
    last = seen["timeline"][-1]
    assert (last["kind"], last["public"], last["unit"]) == ("action", False, URBAN)
    public = view(client, leak, token=token_of(leak))
    assert "action" not in [e["kind"] for e in public["timeline"]]
    # Replying to the resident is the lead unit's.
    assert_error(
        act(client, leak, "replies", co_handler, text="楼道已经清理干净", version=seen["version"]),
        403,
        "forbidden",
    )
    done = client.post(
        f"/api/v1/requests/{leak['tracking_number']}/co-units/{urban.id}/done",
        json={"text": "楼道堆物已清理完毕"},
        headers=co_handler,
    )
    ok(done)
    again = client.post(
        f"/api/v1/requests/{leak['tracking_number']}/co-units/{urban.id}/done",
        json={"text": "楼道堆物已清理完毕"},
        headers=co_handler,
    )
    assert_error(again, 409, "wrong_state")
    staff_only = [(k, t) for k, t, public in events(db, leak) if not public]
    assert staff_only == [
        ("action", "已清理楼道堆物"),
        ("co_done", f"{URBAN}协办完成：楼道堆物已清理完毕"),
    ]


def test_a_duplicate_merged_into_the_earlier_request(client, db, leak, operator):
    duplicate = submit(client, **LEAK | {"title": "楼上漏水到我家"})
    error = assert_error(
        act(client, duplicate, "merge", operator, into="KS20991231-9999", version=1),
        422,
        "validation_error",
    )
    assert "into" in fields_of(error)
    assert_error(
        act(client, leak, "merge", operator, into=duplicate["tracking_number"], version=1),
        422,
        "validation_error",
    )
    assert_error(
        act(
            client,
            duplicate,
            "merge",
            demo_headers(client, "handler"),
            into=leak["tracking_number"],
            version=1,
        ),
        403,
        "forbidden",
    )
    seen = ok(act(client, duplicate, "merge", operator, into=leak["tracking_number"], version=1))
    assert seen["status"] == "merged" and seen["closed_at"]
    assert_error(
        act(
            client,
            duplicate,
            "merge",
            operator,
            into=leak["tracking_number"],
            version=seen["version"],
        ),
        409,
        "wrong_state",
    )
    assert events(db, leak)[-1] == (
        "merged_in",
        f"并入了重复反映的 {duplicate['tracking_number']}",
        False,
    )
    # The duplicate's reporter, following their own link, now follows the earlier request.
    followed = view(client, duplicate, token=token_of(duplicate))
    assert followed["tracking_number"] == leak["tracking_number"]
    assert followed["status"] == "dispatched"
