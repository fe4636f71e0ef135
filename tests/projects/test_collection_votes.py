"""票决: deputies vote once per candidate inside the window; the office records and publishes
the result; the public sees counts per candidate and never who voted how."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.core.db import utcnow
from minsheng.core.settings import get_settings
from minsheng.projects.models import Batch, Project, ProjectEvent, Stage
from minsheng.projects.models_collection import Vote
from tests import factories
from tests import projects as make
from tests.conftest import api_token
from tests.projects.collection_kit import (
    count,
    deputy,
    field_error,
    office,
    open_batch,
    post,
    sign_in,
)

DEPUTIES = ("代表 周敏", "代表 吴刚", "代表 郑华")


def local(moment: dt.datetime) -> str:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def ballot(db):
    """A batch with two candidates, three deputies and the office."""
    batch = open_batch(db)
    bureau = make.unit(db, make.HOUSING_BUREAU)
    lift = make.project(db, batch, bureau, "2026-1-001", stage=Stage.candidate, title="加装电梯")
    canteen = make.project(
        db, batch, bureau, "2026-1-002", stage=Stage.candidate, title="社区老年食堂"
    )
    db.commit()
    members = [deputy(db, name) for name in DEPUTIES]
    return batch, lift, canteen, members, office(db)


def open_window(client, batch: Batch) -> None:
    now = utcnow()
    form = {
        "opens_at": local(now - dt.timedelta(hours=1)),
        "closes_at": local(now + dt.timedelta(hours=2)),
    }
    response = post(client, f"/staff/projects/votes/window/{batch.code}", form)
    assert response.status_code == 303, response.text


def close_window(db, batch: Batch) -> None:
    db.refresh(batch)
    batch.vote_closes_at = utcnow() - dt.timedelta(minutes=1)
    db.commit()


def vote(app, member, code: str, choice: str):
    with TestClient(app) as c:
        sign_in(c, member)
        return post(c, f"/staff/projects/votes/{code}", {"choice": choice})


def stage(db, code: str) -> Stage:
    value = db.scalar(select(Project.stage).where(Project.code == code))
    db.commit()
    return value


def test_deputies_vote_once_each_and_the_result_is_published(app, client, db, ballot):
    batch, lift, canteen, members, chief = ballot
    sign_in(client, chief)
    open_window(client, batch)
    with TestClient(app) as c:
        sign_in(c, members[0])
        page = c.get("/staff/projects/votes")
        assert page.status_code == 200 and "正在票决" in page.text
        assert "加装电梯" in page.text and "社区老年食堂" in page.text
        assert post(c, "/staff/projects/votes/2026-1-001", {"choice": "approve"}).status_code == 303
        assert "您已投票：赞成" in c.get("/staff/projects/votes").text
        again = post(c, "/staff/projects/votes/2026-1-001", {"choice": "oppose"})
        assert again.status_code == 409
        message = "您已经对这个项目投过票（赞成），每位代表对每个候选项目只能投一次。"
        assert field_error(again.text, "choice_2026-1-001") == message
        missing = post(c, "/staff/projects/votes/2026-1-002", {})
        assert missing.status_code == 422
        assert field_error(missing.text, "choice_2026-1-002") == "请选择赞成、反对或弃权"
        assert post(c, "/staff/projects/votes/2026-1-002", {"choice": "oppose"}).status_code == 303
    assert vote(app, members[1], "2026-1-001", "approve").status_code == 303
    assert vote(app, members[1], "2026-1-002", "abstain").status_code == 303
    assert vote(app, members[2], "2026-1-001", "oppose").status_code == 303
    assert vote(app, members[2], "2026-1-002", "approve").status_code == 303
    assert count(db, Vote) == 6
    # Before the window closes the result cannot be recorded, and the public sees nothing.
    early = post(client, f"/staff/projects/votes/result/{batch.code}", {})
    assert early.status_code == 409 and "截止后才能记录结果" in early.text
    assert "结果尚未公布" in client.get(f"/projects/votes/{batch.code}").text
    assert client.get(f"/api/v1/batches/{batch.code}/votes").status_code == 404
    close_window(db, batch)
    late = vote(app, members[0], "2026-1-002", "approve")
    assert late.status_code == 409 and "现在不在票决时间内，不能投票" in late.text
    assert post(client, f"/staff/projects/votes/result/{batch.code}", {}).status_code == 303
    # 2 of 3 approve the lift: chosen; 1 of 3 approve the canteen (one abstained): not chosen.
    assert stage(db, "2026-1-001") == Stage.chosen
    assert stage(db, "2026-1-002") == Stage.not_chosen
    events = [e.text for e in db.scalars(select(ProjectEvent).order_by(ProjectEvent.id))]
    db.commit()
    assert "确定为实事项目。人大代表票决：赞成 2 票，反对 1 票，弃权 0 票。" in events
    assert "未入选实事项目。人大代表票决：赞成 1 票，反对 1 票，弃权 1 票。" in events
    public = client.get(f"/projects/votes/{batch.code}")
    assert public.status_code == 200
    assert "过半数的赞成票，即为入选" in public.text
    for name in DEPUTIES:
        assert name not in public.text
    assert '<td data-label="结果">入选</td>' in public.text
    assert '<td data-label="结果">未入选</td>' in public.text
    api = client.get(f"/api/v1/batches/{batch.code}/votes").json()
    counts = {
        c["code"]: (c["approve"], c["oppose"], c["abstain"], c["chosen"]) for c in api["candidates"]
    }
    assert counts == {"2026-1-001": (2, 1, 0, True), "2026-1-002": (1, 1, 1, False)}
    assert "deputy" not in str(api) and "周敏" not in str(api)
    again = post(client, f"/staff/projects/votes/result/{batch.code}", {})
    assert again.status_code == 409 and "票决结果已经公布" in again.text


def test_a_vote_before_the_window_opens_is_refused(app, client, db, ballot):
    batch, lift, _, members, chief = ballot
    sign_in(client, chief)
    now = utcnow()
    form = {
        "opens_at": local(now + dt.timedelta(days=1)),
        "closes_at": local(now + dt.timedelta(days=2)),
    }
    assert post(client, f"/staff/projects/votes/window/{batch.code}", form).status_code == 303
    response = vote(app, members[0], lift.code, "approve")
    assert response.status_code == 409 and "现在不在票决时间内，不能投票" in response.text
    assert count(db, Vote) == 0


def test_the_window_must_close_after_it_opens_and_is_fixed_once_votes_are_cast(
    app, client, db, ballot
):
    batch, lift, _, members, chief = ballot
    sign_in(client, chief)
    bad = {"opens_at": "2026-03-02T09:00", "closes_at": "2026-03-01T09:00"}
    response = post(client, f"/staff/projects/votes/window/{batch.code}", bad)
    assert response.status_code == 422
    assert field_error(response.text, "closes_at") == "截止时间必须晚于开始时间"
    response = post(client, f"/staff/projects/votes/window/{batch.code}", {"opens_at": "明天"})
    assert field_error(response.text, "opens_at") == "请按 2026-11-26 09:30 的格式填写时间"
    open_window(client, batch)
    assert vote(app, members[0], lift.code, "approve").status_code == 303
    response = post(
        client,
        f"/staff/projects/votes/window/{batch.code}",
        {"opens_at": "2026-03-01T09:00", "closes_at": "2030-03-01T09:00"},
    )
    assert response.status_code == 409 and "已经有代表投票，票决时间不能再修改" in response.text


def test_only_deputies_vote_and_only_the_office_runs_the_vote(app, client, db, ballot):
    batch, lift, _, members, chief = ballot
    sign_in(client, chief)
    open_window(client, batch)
    assert (
        post(client, f"/staff/projects/votes/{lift.code}", {"choice": "approve"}).status_code == 403
    )
    with TestClient(app) as c:
        sign_in(c, members[0])
        response = post(c, f"/staff/projects/votes/window/{batch.code}", {})
        assert response.status_code == 403
    handler = factories.staff(db, "handler", make.unit(db, make.HOUSING_BUREAU))
    with TestClient(app) as c:
        sign_in(c, handler)
        assert c.get("/staff/projects/votes").status_code == 403
    assert count(db, Vote) == 0


def test_deputies_vote_through_the_api(client, db, ballot):
    batch, lift, canteen, members, chief = ballot
    office_headers = api_token(client, chief.username, factories.PASSWORD)
    headers = api_token(client, members[0].username, factories.PASSWORD)
    closed = client.post(
        f"/api/v1/projects/{lift.code}/votes", json={"choice": "approve"}, headers=headers
    )
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "no_vote"
    batch.vote_opens_at = utcnow() - dt.timedelta(hours=1)
    batch.vote_closes_at = utcnow() + dt.timedelta(hours=1)
    db.commit()
    response = client.post(
        f"/api/v1/projects/{lift.code}/votes", json={"choice": "approve"}, headers=headers
    )
    assert response.status_code == 201
    assert response.json()["choice_label"] == "赞成" and response.json()["project"] == lift.code
    again = client.post(
        f"/api/v1/projects/{lift.code}/votes", json={"choice": "oppose"}, headers=headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_voted"
    wrong = client.post(
        f"/api/v1/projects/{canteen.code}/votes", json={"choice": "maybe"}, headers=headers
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "choice"
    office_vote = client.post(
        f"/api/v1/projects/{canteen.code}/votes", json={"choice": "approve"}, headers=office_headers
    )
    assert office_vote.status_code == 403
    unknown = client.post(
        "/api/v1/projects/nope/votes", json={"choice": "approve"}, headers=headers
    )
    assert unknown.status_code == 404
    assert count(db, Vote) == 1


def test_without_a_vote_the_office_chooses_directly(client, db, ballot):
    batch, lift, canteen, _, chief = ballot
    sign_in(client, chief)
    page = client.get(f"/staff/projects/votes?batch={batch.code}")
    assert "确定入选" in page.text
    assert (
        post(client, f"/staff/projects/votes/choose/{lift.code}", {"chosen": "1"}).status_code
        == 303
    )
    assert (
        post(client, f"/staff/projects/votes/choose/{canteen.code}", {"chosen": "0"}).status_code
        == 303
    )
    assert stage(db, lift.code) == Stage.chosen and stage(db, canteen.code) == Stage.not_chosen
    again = post(client, f"/staff/projects/votes/choose/{lift.code}", {"chosen": "0"})
    assert again.status_code == 409 and "不是候选项目" in again.text
    # Once projects are chosen directly, the batch cannot switch to a vote.
    response = post(
        client,
        f"/staff/projects/votes/window/{batch.code}",
        {"opens_at": "2026-03-01T09:00", "closes_at": "2030-03-01T09:00"},
    )
    assert response.status_code == 409
    assert "本批次不实行人大代表票决" in client.get(f"/projects/votes/{batch.code}").text


def test_with_a_vote_the_office_cannot_choose_directly(client, db, ballot):
    batch, lift, _, _, chief = ballot
    sign_in(client, chief)
    open_window(client, batch)
    response = post(client, f"/staff/projects/votes/choose/{lift.code}", {"chosen": "1"})
    assert response.status_code == 409 and "由人大代表票决确定项目，不能直接确定" in response.text
    assert stage(db, lift.code) == Stage.candidate


def test_the_published_result_still_lists_the_projects_the_notice_moved_on(client, db, ballot):
    batch, lift, canteen, members, chief = ballot
    sign_in(client, chief)
    open_window(client, batch)
    for member in members:
        with TestClient(client.app) as c:
            sign_in(c, member)
            assert (
                post(c, "/staff/projects/votes/2026-1-001", {"choice": "approve"}).status_code
                == 303
            )
    close_window(db, batch)
    assert post(client, f"/staff/projects/votes/result/{batch.code}", {}).status_code == 303
    # The notice (or later completion) moves the chosen project on; its vote is still the record.
    db.execute(
        Project.__table__.update().where(Project.code == "2026-1-001").values(stage=Stage.running)
    )
    db.commit()
    public = client.get(f"/projects/votes/{batch.code}").text
    assert "加装电梯" in public and '<td data-label="赞成">3</td>' in public
    assert '<td data-label="结果">入选</td>' in public and "社区老年食堂" in public
    api = client.get(f"/api/v1/batches/{batch.code}/votes").json()
    assert {c["code"]: c["approve"] for c in api["candidates"]} == {
        "2026-1-001": 3,
        "2026-1-002": 0,
    }
