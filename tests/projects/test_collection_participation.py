"""Supports (one per person, phone confirmed by a one-time code) and moderated comments."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.core.settings import get_settings
from minsheng.projects.models_collection import (
    Moderation,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from tests import factories
from tests import projects as make
from tests.projects.collection_kit import (
    OTHER_PHONE,
    PHONE,
    count,
    field_error,
    office,
    open_batch,
    post,
    propose,
    sign_in,
    sign_in_resident,
)


def supports(db, number: str) -> int:
    value = db.scalar(select(Proposal.support_count).where(Proposal.number == number))
    db.commit()
    return int(value)


def test_supporting_asks_a_resident_to_confirm_their_phone_first(client, db):
    open_batch(db)
    number = propose(client)
    response = post(client, f"/projects/proposals/{number}/support", {})
    assert response.status_code == 303
    assert (
        response.headers["location"] == f"/resident/login?next=%2Fprojects%2Fproposals%2F{number}"
    )
    assert supports(db, number) == 0


def test_one_support_per_person(app, client, db):
    open_batch(db)
    number = propose(client)
    sign_in_resident(client, db, PHONE)
    response = post(client, f"/projects/proposals/{number}/support", {})
    assert response.status_code == 303 and response.headers["location"].endswith("?supported=1")
    assert supports(db, number) == 1
    page = client.get(f"/projects/proposals/{number}")
    assert "已有 1 人支持这条建议" in page.text and "您已经支持过这条建议" in page.text
    again = post(client, f"/projects/proposals/{number}/support", {})
    assert again.status_code == 409
    assert "您已经支持过这条建议了，每人只能支持一次" in again.text
    assert supports(db, number) == 1
    # Who supported is kept only as a keyed hash of the phone.
    row = db.scalar(select(ProposalSupport))
    db.commit()
    assert PHONE not in row.phone_hash and len(row.phone_hash) == 64
    with TestClient(app) as neighbour:
        sign_in_resident(neighbour, db, OTHER_PHONE)
        assert post(neighbour, f"/projects/proposals/{number}/support", {}).status_code == 303
    assert supports(db, number) == 2
    assert 'data-label="支持">2 人</td>' in client.get("/projects/proposals").text


def test_support_without_csrf_is_refused(client, db):
    open_batch(db)
    number = propose(client)
    sign_in_resident(client, db)
    response = client.post(f"/projects/proposals/{number}/support", follow_redirects=False)
    assert response.status_code == 403
    assert supports(db, number) == 0


def test_a_proposal_not_adopted_takes_no_more_support(client, db):
    open_batch(db)
    number = propose(client)
    row = db.scalar(select(Proposal).where(Proposal.number == number))
    row.status, row.answer = ProposalStatus.not_adopted, "不属于政府职责"
    db.commit()
    sign_in_resident(client, db)
    page = client.get(f"/projects/proposals/{number}")
    assert "我支持" not in page.text
    response = post(client, f"/projects/proposals/{number}/support", {})
    assert response.status_code == 409 and "这条建议未采纳，不再接受支持" in response.text
    assert count(db, ProposalSupport) == 0


def test_comments_wait_for_a_moderator_and_show_only_the_family_name(app, client, db):
    open_batch(db)
    number = propose(client)
    response = post(
        client, f"/projects/proposals/{number}/comments", {"name": "张建国", "text": "非常需要！"}
    )
    assert response.status_code == 303
    page = client.get(f"/projects/proposals/{number}?commented=1")
    assert "评论已提交，审核通过后公开" in page.text and "非常需要" not in page.text
    post(client, f"/projects/proposals/{number}/comments", {"name": "", "text": "打广告的评论"})
    with TestClient(app) as staff_client:
        sign_in(staff_client, office(db))
        queue = staff_client.get("/staff/projects/proposals/comments")
        assert "非常需要！" in queue.text and "打广告的评论" in queue.text
        good, bad = list(db.scalars(select(ProposalComment).order_by(ProposalComment.id)))
        db.commit()
        assert (
            post(
                staff_client,
                f"/staff/projects/proposals/comments/{good.id}",
                {"status": "approved"},
            ).status_code
            == 303
        )
        assert (
            post(
                staff_client,
                f"/staff/projects/proposals/comments/{bad.id}",
                {"status": "rejected", "note": "广告"},
            ).status_code
            == 303
        )
        assert "没有待审核的评论" in staff_client.get("/staff/projects/proposals/comments").text
    page = client.get(f"/projects/proposals/{number}")
    assert "非常需要！" in page.text and "张**" in page.text
    assert "张建国" not in page.text and "打广告的评论" not in page.text
    db.expire_all()
    states = [c.status for c in db.scalars(select(ProposalComment).order_by(ProposalComment.id))]
    db.commit()
    assert states == [Moderation.approved, Moderation.rejected]


def test_an_empty_comment_is_explained(client, db):
    open_batch(db)
    number = propose(client)
    response = post(client, f"/projects/proposals/{number}/comments", {"name": "张", "text": " "})
    assert response.status_code == 422
    assert field_error(response.text, "text") == "请填写评论"
    response = post(client, f"/projects/proposals/{number}/comments", {"text": "x" * 1001})
    assert response.status_code == 422
    assert field_error(response.text, "text") == "太长了，最多 1000 个字"
    assert count(db, ProposalComment) == 0


def test_a_comment_without_csrf_is_refused(client, db):
    open_batch(db)
    number = propose(client)
    response = client.post(
        f"/projects/proposals/{number}/comments", data={"text": "很好"}, follow_redirects=False
    )
    assert response.status_code == 403 and count(db, ProposalComment) == 0


def test_only_the_collection_office_moderates(client, db):
    open_batch(db)
    number = propose(client)
    post(client, f"/projects/proposals/{number}/comments", {"text": "支持这个建议"})
    comment = db.scalar(select(ProposalComment))
    db.commit()
    sign_in(client, factories.staff(db, "handler", make.unit(db, make.HOUSING_BUREAU)))
    assert client.get("/staff/projects/proposals/comments").status_code == 403
    response = post(
        client, f"/staff/projects/proposals/comments/{comment.id}", {"status": "approved"}
    )
    assert response.status_code == 403
    db.refresh(comment)
    assert comment.status == Moderation.pending
    db.commit()


def test_a_moderation_without_a_decision_is_refused(client, db):
    open_batch(db)
    number = propose(client)
    post(client, f"/projects/proposals/{number}/comments", {"text": "支持这个建议"})
    comment = db.scalar(select(ProposalComment))
    db.commit()
    sign_in(client, office(db))
    response = post(client, f"/staff/projects/proposals/comments/{comment.id}", {"status": "x"})
    assert response.status_code == 422 and "请从列表中选择" in response.text
    assert (
        post(client, "/staff/projects/proposals/comments/99999", {"status": "approved"}).status_code
        == 404
    )


def test_comments_are_rate_limited(client, db, monkeypatch):
    monkeypatch.setenv("MINSHENG_ANONYMOUS_REQUESTS_PER_HOUR", "1")
    get_settings.cache_clear()
    open_batch(db)
    number = propose(client)
    path = f"/projects/proposals/{number}/comments"
    assert post(client, path, {"text": "支持这个建议"}).status_code == 303
    response = post(client, path, {"text": "再说一句"})
    assert response.status_code == 429 and "评论太频繁了，请一小时后再试" in response.text
    assert count(db, ProposalComment) == 1
