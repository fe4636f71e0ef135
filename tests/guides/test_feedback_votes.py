"""'Was this helpful?': votes both ways, counters in guide_usage, Feedback rows, the thanks,
rate limits and the once-a-day cookie, CSRF, cleaned comments, and stats_for's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from minsheng.guides import feedback, service
from minsheng.guides.models import Feedback, FeedbackStatus, Matter, Usage
from minsheng.guides.pages_feedback import VOTED_COOKIE
from minsheng.web.templating import environment
from tests.conftest import csrf
from tests.guides import content, matter
from tests.requests import away_from_the_hour


@pytest.fixture
def guide(db) -> Matter:
    made = matter(db, "KS-0001")
    db.commit()
    return made


def post_vote(client, code: str = "KS-0001", **data: str):
    body = {"csrf_token": csrf(client), "version": "1", **data}
    return client.post(f"/guides/{code}/feedback", data=body, follow_redirects=False)


def usage(db, matter_id: int) -> tuple[int, int, int, int]:
    row = db.execute(
        select(
            func.coalesce(func.sum(Usage.views), 0),
            func.coalesce(func.sum(Usage.scans), 0),
            func.coalesce(func.sum(Usage.helpful), 0),
            func.coalesce(func.sum(Usage.unhelpful), 0),
        ).where(Usage.matter_id == matter_id)
    ).one()
    db.commit()
    return tuple(int(n) for n in row)  # type: ignore[return-value]


def feedback_rows(db) -> list[Feedback]:
    rows = list(db.scalars(select(Feedback).order_by(Feedback.id)))
    for row in rows:  # kept as read: the read ends here so the app can write
        db.refresh(row)
        db.expunge(row)
    db.commit()
    return rows


def test_helpful_vote_counts_and_redirects_to_the_thanks(client, db, guide) -> None:
    response = post_vote(client, helpful="yes")
    assert response.status_code == 303
    assert response.headers["location"] == "/guides/KS-0001?fb=thanks#feedback"
    assert usage(db, guide.id) == (0, 0, 1, 0)
    [row] = feedback_rows(db)
    assert (row.helpful, row.status, row.version_number) == (True, FeedbackStatus.none, 1)
    page = client.get("/guides/KS-0001/feedback?fb=thanks")
    assert "谢谢您的评价" in page.text
    assert "这条指南对您有帮助吗？" not in page.text
    # Coming back to the guide after voting is the same visit, not another view.
    assert client.get(response.headers["location"]).status_code == 200
    assert usage(db, guide.id) == (0, 0, 1, 0)


def test_unhelpful_vote_with_a_comment_is_an_open_task_and_says_where_it_went(
    client, db, guide
) -> None:
    response = post_vote(client, helpful="no", comment="  租房的材料没写清楚\x00要不要房东签字  ")
    assert response.headers["location"] == "/guides/KS-0001?fb=forwarded#feedback"
    assert usage(db, guide.id) == (0, 0, 0, 1)
    [row] = feedback_rows(db)
    assert row.helpful is False
    assert row.status == FeedbackStatus.open
    assert row.comment == "租房的材料没写清楚要不要房东签字"  # control character and blanks gone
    page = client.get("/guides/KS-0001/feedback?fb=forwarded")
    assert f"我们已转给{guide.unit.name}，会改进这条指南" in page.text


def test_unhelpful_vote_without_a_comment_is_no_task(client, db, guide) -> None:
    post_vote(client, helpful="no")
    [row] = feedback_rows(db)
    assert (row.helpful, row.status) == (False, FeedbackStatus.none)
    assert usage(db, guide.id) == (0, 0, 0, 1)


def test_the_vote_form_works_without_script(client, guide) -> None:
    page = client.get("/guides/KS-0001/feedback")
    assert page.status_code == 200
    html = page.text
    assert 'method="post" action="/guides/KS-0001/feedback"' in html
    assert 'name="csrf_token"' in html
    assert '<label for="vote-comment">' in html and 'maxlength="500"' in html
    assert 'name="helpful" value="yes"' in html and 'name="helpful" value="no"' in html
    assert 'name="version" value="1"' in html


def test_an_old_version_is_recorded_and_an_unknown_one_falls_back_to_the_current(
    client, db, guide
) -> None:
    service.publish_version(db, matter=guide, content=content(summary="第二版的说明"))
    db.commit()
    post_vote(client, helpful="yes", version="1")
    client.cookies.clear()
    post_vote(client, helpful="yes", version="99")
    assert [r.version_number for r in feedback_rows(db)] == [1, 2]


def test_a_too_long_comment_is_refused_next_to_the_field(client, db, guide) -> None:
    response = post_vote(client, helpful="no", comment="长" * 501)
    assert response.status_code == 422
    assert feedback.COMMENT_TOO_LONG in response.text
    assert 'id="vote-comment-error"' in response.text
    assert "长" * 501 in response.text  # what was typed stays in the box
    assert feedback_rows(db) == []
    assert usage(db, guide.id) == (0, 0, 0, 0)


def test_no_choice_is_refused(client, db, guide) -> None:
    response = post_vote(client, helpful="maybe")
    assert response.status_code == 422
    assert "请点“有帮助”或“没帮助”" in response.text
    assert feedback_rows(db) == []


def test_one_vote_per_browser_matter_and_day(client, db, guide) -> None:
    first = post_vote(client, helpful="yes")
    assert first.status_code == 303
    cookie = next(c for c in client.cookies.jar if c.name == VOTED_COOKIE)
    assert cookie.path == "/guides/KS-0001"
    assert cookie.value == service.local_today().isoformat()
    again = post_vote(client, helpful="no", comment="再投一次")
    assert again.status_code == 429
    assert "您今天已经评价过这条指南了" in again.text
    assert len(feedback_rows(db)) == 1
    assert usage(db, guide.id) == (0, 0, 1, 0)
    # Another matter is another vote.
    matter(db, "KS-0002")
    db.commit()
    assert post_vote(client, "KS-0002", helpful="yes").status_code == 303


def test_votes_are_rate_limited_per_address_and_matter(client, db, guide) -> None:
    away_from_the_hour()
    for _ in range(feedback.VOTES_PER_HOUR):
        client.cookies.clear()
        assert post_vote(client, helpful="yes").status_code == 303
    client.cookies.clear()
    refused = post_vote(client, helpful="no", comment="第六次")
    assert refused.status_code == 429
    assert "您评价得太频繁了，请一小时后再试" in refused.text
    assert refused.headers["retry-after"] == "3600"
    assert len(feedback_rows(db)) == feedback.VOTES_PER_HOUR
    assert usage(db, guide.id) == (0, 0, feedback.VOTES_PER_HOUR, 0)


def test_a_vote_without_the_csrf_token_is_refused(client, db, guide) -> None:
    csrf(client)
    response = client.post(
        "/guides/KS-0001/feedback", data={"helpful": "yes"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert feedback_rows(db) == []
    assert usage(db, guide.id) == (0, 0, 0, 0)


def test_drafts_take_no_votes(client, db) -> None:
    matter(db, "KS-0009", publish=False)
    db.commit()
    assert post_vote(client, "KS-0009", helpful="yes").status_code == 404
    assert feedback_rows(db) == []


def test_the_partial_escapes_the_comment_and_the_unit(db, guide) -> None:
    guide.unit.name = "<b>单位</b>"
    template = environment("zh_Hans").get_template("guides/feedback/_vote.html")

    class FakeRequest:  # the partial reads only the query
        query_params = {"fb": "forwarded"}

    html = template.render(matter=guide, version=1, request=FakeRequest(), csrf_token="t")
    assert "&lt;b&gt;单位&lt;/b&gt;" in html
    html = template.render(
        matter=guide,
        version=1,
        request=type("R", (), {"query_params": {}})(),
        vote_values={"comment": "<script>x</script>"},
        vote_errors={"comment": "太长"},
    )
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    db.rollback()


def test_stats_for_adds_up_days_weeks_votes_and_tasks(db, guide) -> None:
    today = service.local_today()
    monday = today - dt.timedelta(days=today.weekday())
    db.add_all(
        [
            Usage(matter_id=guide.id, day=today, views=5, scans=2, helpful=1, unhelpful=1),
            Usage(matter_id=guide.id, day=monday - dt.timedelta(days=7), views=3, scans=1),
            Usage(matter_id=guide.id, day=monday - dt.timedelta(days=8 * 7), views=100),
            Feedback(
                matter_id=guide.id,
                version_number=1,
                helpful=False,
                comment="看不懂",
                status=FeedbackStatus.open,
            ),
            Feedback(
                matter_id=guide.id,
                version_number=1,
                helpful=False,
                comment="已改",
                status=FeedbackStatus.done,
            ),
        ]
    )
    db.flush()
    stats = feedback.stats_for(db, matter=guide)
    assert {k: stats[k] for k in ("views", "scans", "helpful", "unhelpful")} == {
        "views": 108,
        "scans": 3,
        "helpful": 1,
        "unhelpful": 1,
    }
    assert stats["helpful_rate"] == "50%"
    assert (stats["questions"], stats["open_tasks"]) == (0, 1)
    weeks = stats["weeks"]
    assert len(weeks) == feedback.WEEKS
    assert weeks[-1]["start"] == monday and (weeks[-1]["views"], weeks[-1]["scans"]) == (5, 2)
    assert (weeks[-2]["views"], weeks[-2]["scans"]) == (3, 1)
    assert sum(w["views"] for w in weeks) == 8  # nine weeks ago is outside the chart
    chart = stats["chart"]
    assert chart.top_value == 5
    tallest = max(chart.bars, key=lambda b: b.height)
    assert (tallest.kind, tallest.value, tallest.y) == ("views", 5, chart.plot_top)


def test_stats_partial_draws_bars_and_a_table(db, guide) -> None:
    service.count(db, matter_id=guide.id, views=4, scans=1)
    stats = feedback.stats_for(db, matter=guide)
    html = (
        environment("zh_Hans")
        .get_template("guides/feedback/_stats.html")
        .render(matter=guide, stats=stats)
    )
    assert html.count("<rect") == 2 * feedback.WEEKS
    assert "<caption>近 8 周的页面浏览和扫码次数</caption>" in html
    today_week = stats["weeks"][-1]["start"].isoformat()
    assert f'<th scope="row">{today_week}</th><td>4</td><td>1</td>' in html
    db.rollback()


def test_stats_for_a_matter_nobody_read(db, guide) -> None:
    stats = feedback.stats_for(db, matter=guide)
    assert stats["views"] == stats["open_tasks"] == 0
    assert stats["helpful_rate"] == "—"
    assert all(b.height == 0 for b in stats["chart"].bars)
