"""The circulars' JSON API over real HTTP: drafts for supervisors only, structured refusals, the
published circular for everyone, answers from the named unit only."""

from __future__ import annotations

import pytest

from minsheng.projects import circulars
from tests.conftest import api_token
from tests.factories import PASSWORD
from tests.projects import circulars_kit as fx


@pytest.fixture
def city(db):
    return fx.build(db)


def token(client, username: str) -> dict[str, str]:
    return api_token(client, username, PASSWORD)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body


def test_a_supervisor_drafts_edits_approves_and_publishes(client, city) -> None:
    sup1, sup2 = token(client, "sup1"), token(client, "sup2")
    drafted = client.post(
        "/api/v1/circulars", json={"batch": "2026-1", "month": fx.month()}, headers=sup1
    )
    assert drafted.status_code == 201, drafted.text
    body = drafted.json()
    cid = body["id"]
    assert body["status"] == "draft" and body["number"] is None
    assert [i["project_title"] for i in body["item_list"]] == [fx.RED_TITLE, fx.YELLOW_TITLE]
    assert body["figures"]["lagging"] == 2 and body["follow_up"] == []
    # Not public yet: anonymous readers and the list do not see it.
    error(client.get(f"/api/v1/circulars/{cid}"), 404, "not_found")
    assert client.get("/api/v1/circulars").json() == []
    # A project of another batch: a field error, nothing added.
    refused = error(
        client.post(f"/api/v1/circulars/{cid}/items", json={"project": "2025-2-001"}, headers=sup1),
        422,
        "validation_error",
    )
    assert refused["details"][0]["field"] == "project"
    assert "不在本通报的批次" in refused["details"][0]["message"]
    assert len(client.get(f"/api/v1/circulars/{cid}", headers=sup1).json()["item_list"]) == 2
    # Approval needs causes and actions, and someone other than the drafter.
    unwritten = error(
        client.post(f"/api/v1/circulars/{cid}/approve", headers=sup2), 422, "validation_error"
    )
    assert {d["field"] for d in unwritten["details"]} >= {
        f"item-{body['item_list'][0]['id']}-cause"
    }
    for item in body["item_list"]:
        changed = client.patch(
            f"/api/v1/circulars/{cid}/items/{item['id']}",
            json={"cause": "前期手续办理慢。", "required_action": "倒排工期，每周报送进度。"},
            headers=sup1,
        )
        assert changed.status_code == 200, changed.text
    error(client.post(f"/api/v1/circulars/{cid}/approve", headers=sup1), 409, "own_draft")
    error(client.post(f"/api/v1/circulars/{cid}/publish", headers=sup1), 409, "not_approved")
    assert client.post(f"/api/v1/circulars/{cid}/approve", headers=sup2).status_code == 200
    published = client.post(f"/api/v1/circulars/{cid}/publish", headers=sup1)
    assert published.status_code == 200, published.text
    number = f"昆实事通〔{circulars.today().year}〕1号"
    assert published.json()["number"] == number
    # Published: public, and never edited again.
    listed = client.get("/api/v1/circulars", params={"batch": "2026-1"}).json()
    assert [c["number"] for c in listed] == [number]
    public = client.get(f"/api/v1/circulars/{cid}").json()
    assert public["status_label"] == "已发布" and public["pdf"] == f"/projects/circulars/{cid}.pdf"
    error(
        client.patch(f"/api/v1/circulars/{cid}", json={"body": "改"}, headers=sup1),
        409,
        "circular_published",
    )
    error(client.delete(f"/api/v1/circulars/{cid}", headers=sup1), 409, "circular_published")
    # A correction is a new draft that names the one it replaces.
    copy = client.post(f"/api/v1/circulars/{cid}/supersede", headers=sup2)
    assert copy.status_code == 201 and copy.json()["supersedes"] == cid


def test_staff_without_the_permission_and_anonymous_callers_are_refused(client, city) -> None:
    body = {"batch": "2026-1", "month": fx.month()}
    error(client.post("/api/v1/circulars", json=body), 401, "not_authenticated")
    error(
        client.post("/api/v1/circulars", json=body, headers=token(client, "housing")),
        403,
        "forbidden",
    )
    bad = error(
        client.post(
            "/api/v1/circulars",
            json={"batch": "2026-1", "month": "2026-13"},
            headers=token(client, "sup1"),
        ),
        422,
        "validation_error",
    )
    assert bad["details"][0]["field"] == "month"


def test_only_the_named_unit_answers(client, db, city) -> None:
    circular = fx.published(db, city)
    red = circular.items[0]
    url = f"/api/v1/circulars/{circular.id}/items/{red.id}/answer"
    answer = {"answer": "已增派施工队伍，倒排工期，月底前完成排查。"}
    other = error(client.post(url, json=answer, headers=token(client, "justice")), 403, "forbidden")
    assert other["message"] == "这个实事项目不由您的单位牵头，您不能填报或修改。"
    short = error(
        client.post(url, json={"answer": "好"}, headers=token(client, "housing")),
        422,
        "validation_error",
    )
    assert short["details"][0]["field"] == "answer"
    done = client.post(url, json=answer, headers=token(client, "housing"))
    assert done.status_code == 200, done.text
    assert done.json()["answer_status"] == "answered"
    error(client.post(url, json=answer, headers=token(client, "housing")), 409, "already_answered")
    public = client.get(f"/api/v1/circulars/{circular.id}").json()
    assert public["item_list"][0]["answer"] == answer["answer"]
    assert public["item_list"][1]["answer_status_label"] == "待答复"
