"""The deputies' committee survey: one rating per deputy and project, and a project is 满意 only
when more than half of the deputies who rated chose 满意."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.core.errors import Conflict, Forbidden
from minsheng.feedback.models import Satisfaction
from minsheng.projects import ratings
from minsheng.projects.models import Stage
from minsheng.projects.models_review import DeputyRating
from minsheng.projects.schemas_evaluation import DeputyRatingIn
from tests import factories
from tests import projects as make
from tests.conftest import api_token, csrf
from tests.projects import evaluation_kit as kit
from tests.requests import assert_error

S, B, D = Satisfaction.satisfied, Satisfaction.basic, Satisfaction.dissatisfied


def survey(db, project, *answers: Satisfaction) -> dict:
    for n, answer in enumerate(answers):
        deputy = kit.principal(db, kit.deputy(db, n))
        ratings.deputy_rate(
            db, project=project, deputy=deputy, data=DeputyRatingIn(satisfaction=answer)
        )
    return ratings.summary(db, project)["deputy"]


@pytest.mark.parametrize(
    ("answers", "result"),
    [
        ((S, S, B), "满意"),  # two of three
        ((S, S, B, D), "不满意"),  # exactly half is not more than half
        ((S, B, B), "不满意"),  # 基本满意 does not count towards the majority
        ((S,), "满意"),
    ],
)
def test_more_than_half_satisfied_makes_the_project_satisfactory(db, answers, result) -> None:
    project = make.project(db, make.batch(db), make.unit(db, make.HOUSING_BUREAU))
    deputy = survey(db, project, *answers)
    assert deputy == {
        "rated": len(answers),
        "satisfied": answers.count(S),
        "result": result,
    }


def test_no_deputy_rated_means_no_result(db) -> None:
    project = make.project(db, make.batch(db), make.unit(db, make.HOUSING_BUREAU))
    assert ratings.summary(db, project)["deputy"]["result"] is None


def test_each_deputy_rates_a_project_once_and_only_deputies_rate(db) -> None:
    project = make.project(db, make.batch(db), make.unit(db, make.HOUSING_BUREAU))
    deputy = kit.principal(db, kit.deputy(db, 1))
    answer = DeputyRatingIn(satisfaction=S)
    ratings.deputy_rate(db, project=project, deputy=deputy, data=answer)
    with pytest.raises(Conflict) as twice:
        ratings.deputy_rate(db, project=project, deputy=deputy, data=DeputyRatingIn(satisfaction=D))
    assert twice.value.message == "您已经测评过这个项目，每位代表只能测评一次。"
    supervisor = kit.principal(db, kit.supervisor(db))
    with pytest.raises(Forbidden):
        ratings.deputy_rate(db, project=project, deputy=supervisor, data=answer)
    assert [r.satisfaction for r in db.scalars(select(DeputyRating))] == [S]


def test_the_survey_page_lists_open_projects_and_takes_one_answer_each(client, db) -> None:
    batch = make.batch(db)
    lead = make.unit(db, make.HOUSING_BUREAU)
    running = make.project(db, batch, lead, "2026-1-001", title="农村自建房消防隐患排查")
    make.project(db, batch, lead, "2026-1-002", title="候选中的项目", stage=Stage.candidate)
    done = make.project(db, batch, lead, "2026-1-003", title="小艾之家", stage=Stage.completed)
    deputy = kit.deputy(db, 1)
    kit.sign_in_staff(client, deputy)
    page = client.get("/staff/projects/survey")
    assert page.status_code == 200
    assert running.title in page.text and done.title in page.text
    assert "候选中的项目" not in page.text

    url = f"/staff/projects/survey/{running.code}"
    unchosen = client.post(url, data={"satisfaction": "", "csrf_token": csrf(client)})
    assert unchosen.status_code == 422
    assert (
        f'id="e-satisfaction-{running.code}"' in unchosen.text and "请选择测评意见" in unchosen.text
    )

    answered = client.post(
        url,
        data={"satisfaction": "satisfied", "comment": "", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    after = client.get(answered.headers["location"])
    assert "项目 2026-1-001 的测评已提交" in after.text
    assert "您的测评：满意。" in after.text and "目前 1 位代表参评，1 位满意。" in after.text
    again = client.post(url, data={"satisfaction": "dissatisfied", "csrf_token": csrf(client)})
    assert again.status_code == 409
    assert "每位代表只能测评一次" in again.text
    count = db.scalars(select(DeputyRating)).all()
    db.commit()
    assert len(count) == 1


def test_staff_who_are_not_deputies_cannot_open_the_survey(client, db) -> None:
    kit.sign_in_staff(client, kit.supervisor(db))
    assert client.get("/staff/projects/survey").status_code == 403


def test_the_api_records_a_deputys_rating_once(client, db) -> None:
    project = make.project(db, make.batch(db), make.unit(db, make.HOUSING_BUREAU))
    deputy = kit.deputy(db, 1)
    headers = api_token(client, deputy.username, factories.PASSWORD)
    url = f"/api/v1/projects/{project.code}/deputy-ratings"
    first = client.post(url, json={"satisfaction": "satisfied"}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["deputy"] == {"rated": 1, "satisfied": 1, "result": "满意"}
    assert_error(
        client.post(url, json={"satisfaction": "basic"}, headers=headers), 409, "already_rated"
    )
    supervisor = kit.supervisor(db)
    other = api_token(client, supervisor.username, factories.PASSWORD)
    assert_error(client.post(url, json={"satisfaction": "basic"}, headers=other), 403, "forbidden")
