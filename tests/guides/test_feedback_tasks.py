"""The units' page of readers' comments: a comment becomes a task of the matter's unit only,
marked done with what was changed; the per-matter figures, scoped and filtered by unit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from minsheng.guides import service
from minsheng.guides.models import Feedback, FeedbackStatus, Matter
from tests import factories
from tests.conftest import csrf, login
from tests.factories import PASSWORD
from tests.guides import matter


@pytest.fixture
def world(db) -> dict:
    market = factories.UnitFactory(name="昆山市市场监督管理局")
    urban = factories.UnitFactory(name="昆山市城市管理局")
    food = matter(db, "KS-0001", unit=market, title="食品经营许可")
    sign = matter(db, "KS-0002", unit=urban, title="户外招牌设置")
    db.commit()
    return {
        "market": market,
        "urban": urban,
        "food": food,
        "sign": sign,
        "market_handler": factories.staff(db, "handler", market, username="market"),
        "urban_handler": factories.staff(db, "handler", urban, username="urban"),
    }


def vote(client, code: str, helpful: str, comment: str = "") -> None:
    data = {"csrf_token": csrf(client), "helpful": helpful, "comment": comment}
    response = client.post(f"/guides/{code}/feedback", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    client.cookies.delete("minsheng_guide_voted", path=f"/guides/{code}")


def the_task(db, code: str) -> Feedback:
    """The comment on that matter as now stored (read, then the read ends so the app can write)."""
    row = db.scalar(
        select(Feedback).join(Feedback.matter).where(Feedback.comment != "", Matter.code == code)
    )
    assert row is not None
    db.refresh(row)
    db.expunge(row)
    db.commit()
    return row


def done(client, feedback_id: int, answer: str):
    data = {"csrf_token": csrf(client), "answer": answer}
    return client.post(
        f"/staff/guides/feedback/{feedback_id}/done", data=data, follow_redirects=False
    )


def test_a_comment_is_a_task_for_the_matters_unit_only(client, db, world) -> None:
    vote(client, "KS-0001", "no", "<script>alert(1)</script>材料清单里没写要几份复印件")
    login(client, "market", PASSWORD)
    page = client.get("/staff/guides/feedback")
    assert page.status_code == 200
    assert "待处理的意见（1）" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;材料清单里没写要几份复印件" in page.text
    assert "<script>alert(1)" not in page.text
    assert "食品经营许可" in page.text and "第 1 版" in page.text
    assert ">已处理</button>" in page.text
    # The other unit's handler sees neither the task nor the matter's figures.
    client.post("/logout", data={"csrf_token": csrf(client)})
    login(client, "urban", PASSWORD)
    other = client.get("/staff/guides/feedback")
    assert "待处理的意见（0）" in other.text
    assert "材料清单" not in other.text
    assert "食品经营许可" not in other.text and "户外招牌设置" in other.text


def test_marking_done_needs_what_was_changed(client, db, world) -> None:
    vote(client, "KS-0001", "no", "不知道在哪个窗口办")
    task = the_task(db, "KS-0001")
    login(client, "market", PASSWORD)
    empty = done(client, task.id, "   ")
    assert empty.status_code == 422
    assert "请写明做了什么改进" in empty.text
    assert f'id="e-answer-{task.id}"' in empty.text
    assert the_task(db, "KS-0001").status == FeedbackStatus.open
    answered = done(client, task.id, "在指南里写明了二楼 12 号窗口")
    assert answered.status_code == 303
    row = the_task(db, "KS-0001")
    assert row.status == FeedbackStatus.done
    assert row.answer == "在指南里写明了二楼 12 号窗口"
    assert row.handled_by_id == world["market_handler"].id and row.handled_at is not None
    page = client.get("/staff/guides/feedback?done=1")
    assert "待处理的意见（0）" in page.text
    assert "已处理的意见" in page.text and "在指南里写明了二楼 12 号窗口" in page.text
    # Done once is done: a second answer is refused.
    assert done(client, task.id, "再处理一次").status_code == 409


def test_another_units_task_is_forbidden(client, db, world) -> None:
    vote(client, "KS-0001", "no", "看不懂收费标准")
    task = the_task(db, "KS-0001")
    login(client, "urban", PASSWORD)
    response = done(client, task.id, "我来改")
    assert response.status_code == 403
    assert the_task(db, "KS-0001").status == FeedbackStatus.open


def test_the_page_needs_the_permission(client, db, world) -> None:
    anonymous = client.get("/staff/guides/feedback", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")
    factories.staff(db, "operator", world["market"], username="op")
    login(client, "op", PASSWORD)
    assert client.get("/staff/guides/feedback").status_code == 403


def test_administrators_see_and_answer_every_unit_supervisors_only_watch(client, db, world) -> None:
    vote(client, "KS-0001", "no", "食品的问题")
    vote(client, "KS-0002", "no", "招牌的问题")
    factories.staff(db, "supervisor", username="boss")
    login(client, "boss", PASSWORD)
    watching = client.get("/staff/guides/feedback")
    assert "待处理的意见（2）" in watching.text
    assert ">已处理</button>" not in watching.text
    assert done(client, the_task(db, "KS-0002").id, "改了").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client)})
    factories.staff(db, "administrator", username="admin1")
    login(client, "admin1", PASSWORD)
    page = client.get("/staff/guides/feedback")
    assert page.text.count(">已处理</button>") == 2
    # Filtered by unit, only that unit's tasks and matters are listed.
    narrowed = client.get(f"/staff/guides/feedback?unit={world['urban'].id}")
    assert "招牌的问题" in narrowed.text and "食品的问题" not in narrowed.text
    assert "户外招牌设置" in narrowed.text and "食品经营许可" not in narrowed.text
    assert done(client, the_task(db, "KS-0002").id, "补充了招牌尺寸要求").status_code == 303


def test_totals_per_matter(client, db, world) -> None:
    food = world["food"]
    service.count(db, matter_id=food.id, views=40, scans=10)
    db.commit()
    vote(client, "KS-0001", "yes")
    vote(client, "KS-0001", "yes")
    vote(client, "KS-0001", "yes")
    vote(client, "KS-0001", "no", "还是不清楚")
    login(client, "market", PASSWORD)
    page = client.get("/staff/guides/feedback")
    row = re.search(r"KS-0001 · 昆山市市场监督管理局</small></th>(.*?)</tr>", page.text, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    # views, scans, helpful, unhelpful, helpful rate, questions, open tasks
    assert cells == ["40", "10", "3", "1", "75%", "0", "1"]


def test_bad_filters_and_pages_are_harmless(client, db, world) -> None:
    login(client, "market", PASSWORD)
    for query in ("unit=abc", "unit=99999", "page=-3", "page=x", "unit=&page=999"):
        assert client.get(f"/staff/guides/feedback?{query}").status_code == 200, query
