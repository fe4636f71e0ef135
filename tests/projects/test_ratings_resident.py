"""Residents rate a project once per phone: the phone is confirmed with a one-time code, kept only
as a keyed hash, a second rating is refused, and the public sees counts, never comments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.core.errors import Conflict, TooManyRequests
from minsheng.feedback.models import Satisfaction
from minsheng.projects import ratings
from minsheng.projects.models import Stage
from minsheng.projects.models_review import ProjectRating
from minsheng.projects.schemas_evaluation import RatingIn
from tests import projects as make
from tests.conftest import csrf
from tests.projects import evaluation_kit as kit
from tests.requests import assert_error

PHONE = "13812345678"
OTHER = "13987654321"
COMMENT = "路面修好了，但施工时没有告示，我是王小明 13812345678"


def rows(db) -> list[ProjectRating]:
    found = list(db.scalars(select(ProjectRating).order_by(ProjectRating.id)))
    db.commit()
    return found


@pytest.fixture
def project(db):
    made = make.project(db, make.batch(db), make.unit(db, make.HOUSING_BUREAU))
    db.commit()
    return made


def rate(client, code: str, **fields: str):
    data = {"satisfaction": "satisfied", "comment": "", "via": "page"} | fields
    return client.post(
        f"/projects/{code}/rate", data=data | {"csrf_token": csrf(client)}, follow_redirects=False
    )


def test_a_resident_confirms_the_phone_then_rates_once_from_the_site_poster(
    client, db, project
) -> None:
    url = f"/projects/{project.code}/rate?via=site"
    page = client.get(url)
    assert page.status_code == 200
    assert "请先用手机号码确认身份" in page.text
    assert 'action="/resident/login"' in page.text
    assert f'name="next" value="/projects/{project.code}/rate?via=site"' in page.text
    assert 'name="satisfaction"' not in page.text  # no form before the phone is confirmed

    assert kit.sign_in_resident(client, db, PHONE, f"/projects/{project.code}/rate?via=site") == url
    form = client.get(url)
    assert "您的手机号码：138****5678" in form.text
    assert 'name="via" value="site"' in form.text and 'name="satisfaction"' in form.text

    done = rate(client, project.code, satisfaction="basic", comment=COMMENT, via="site")
    assert done.status_code == 303
    assert done.headers["location"] == f"{url}&rated=1"
    thanks = client.get(done.headers["location"])
    assert "感谢您的评价" in thanks.text and "基本满意" in thanks.text
    (row,) = rows(db)
    assert row.satisfaction == Satisfaction.basic and row.via == "site"
    assert row.phone_hash == ratings.phone_hash(PHONE) and PHONE not in row.phone_hash
    assert len(row.phone_hash) == 64 and row.resident_id is not None
    assert row.comment == COMMENT

    again = rate(client, project.code, satisfaction="dissatisfied")
    assert again.status_code == 409
    assert "您已经评价过这个项目了，每个手机号码只能评价一次" in again.text
    assert [r.satisfaction for r in rows(db)] == [Satisfaction.basic]


def test_the_service_refuses_a_second_rating_from_the_same_phone(db, project) -> None:
    answer = RatingIn(satisfaction=Satisfaction.satisfied)
    ratings.rate(
        db, project=project, resident=kit.resident(db, PHONE), data=answer, client_addr="a"
    )
    with pytest.raises(Conflict) as refused:
        ratings.rate(
            db, project=project, resident=kit.resident(db, PHONE), data=answer, client_addr="b"
        )
    assert refused.value.code == "already_rated"
    ratings.rate(
        db, project=project, resident=kit.resident(db, OTHER), data=answer, client_addr="a"
    )
    assert ratings.summary(db, project)["ratings"] == 2

    candidate = make.project(
        db, project.batch, project.lead_unit, "2026-1-002", stage=Stage.candidate
    )
    with pytest.raises(Conflict) as closed:
        ratings.rate(
            db, project=candidate, resident=kit.resident(db, PHONE), data=answer, client_addr="a"
        )
    assert closed.value.message == "这个项目目前为“候选项目”，实施中或已完成的项目才能评价。"


def test_ratings_from_one_address_are_limited(db, project, monkeypatch) -> None:
    monkeypatch.setattr(ratings, "RATINGS_PER_ADDRESS_PER_HOUR", 2)
    answer = RatingIn(satisfaction=Satisfaction.satisfied)
    for phone in ("13900000001", "13900000002"):
        resident = kit.resident(db, phone)
        ratings.rate(db, project=project, resident=resident, data=answer, client_addr="1.2.3.4")
    with pytest.raises(TooManyRequests):
        resident = kit.resident(db, "13900000003")
        ratings.rate(db, project=project, resident=resident, data=answer, client_addr="1.2.3.4")


def test_no_rating_without_a_confirmed_phone_or_a_csrf_token(client, db, project) -> None:
    anonymous = rate(client, project.code)
    assert anonymous.status_code == 401
    assert "请先用手机号码和短信验证码确认身份" in anonymous.text
    kit.sign_in_resident(client, db, PHONE, f"/projects/{project.code}/rate")
    forged = client.post(
        f"/projects/{project.code}/rate", data={"satisfaction": "satisfied"}, follow_redirects=False
    )
    assert forged.status_code == 403
    unchosen = rate(client, project.code, satisfaction="")
    assert unchosen.status_code == 422
    assert kit.field_error(unchosen.text, "satisfaction") == "请选择您对这个项目是否满意"
    assert rows(db) == []


def test_the_public_sees_counts_and_staff_see_comments(client, db, project) -> None:
    kit.sign_in_resident(client, db, PHONE, f"/projects/{project.code}/rate")
    assert rate(client, project.code, comment=COMMENT).status_code == 303
    client.post("/resident/logout", data={"csrf_token": csrf(client)})

    public = client.get(f"/projects/{project.code}/rate")
    assert "1 人评价：满意 1，基本满意 0，不满意 0。" in public.text
    assert "满意率 100%" in public.text
    assert "王小明" not in public.text and PHONE not in public.text and "施工时" not in public.text
    api = client.get(f"/api/v1/projects/{project.code}/satisfaction")
    assert api.json() == {
        "ratings": 1,
        "satisfied": 1,
        "basic": 0,
        "dissatisfied": 0,
        "rate": 100.0,
        "deputy": {"rated": 0, "satisfied": 0, "result": None},
    }

    kit.sign_in_staff(client, kit.supervisor(db))
    staff_page = client.get(f"/staff/projects/evaluation/project/{project.code}")
    assert COMMENT in staff_page.text


def test_the_api_takes_a_phone_and_its_code_and_refuses_a_second_rating(client, db, project):
    base = f"/api/v1/projects/{project.code}/ratings"
    sent = client.post(f"{base}/code", json={"phone": PHONE})
    assert sent.status_code == 202, sent.text
    code = kit.latest_code(db, PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    bad = client.post(base, json={"phone": PHONE, "code": wrong, "satisfaction": "satisfied"})
    error = assert_error(bad, 400, "bad_code")
    assert "验证码不正确，还可以再试 4 次" in error["message"]
    assert rows(db) == []

    good = client.post(
        base, json={"phone": PHONE, "code": code, "satisfaction": "satisfied", "via": "site"}
    )
    assert good.status_code == 201, good.text
    assert good.json()["summary"]["ratings"] == 1 and good.json()["via"] == "site"

    client.post(f"{base}/code", json={"phone": PHONE})
    second = client.post(
        base,
        json={"phone": PHONE, "code": kit.latest_code(db, PHONE), "satisfaction": "dissatisfied"},
    )
    assert_error(second, 409, "already_rated")
    assert len(rows(db)) == 1
    assert_error(client.post(base, json={"phone": "123", "code": "1"}), 422, "validation_error")


def test_the_public_project_page_shows_the_counts_and_a_link_to_rate(client, db, project):
    kit.resident_ratings(db, project, Satisfaction.satisfied, Satisfaction.dissatisfied)
    kit.deputy_ratings(db, project, Satisfaction.satisfied)
    db.commit()
    page = client.get(f"/projects/{project.code}")
    assert page.status_code == 200
    assert "2 人评价：满意 1，基本满意 0，不满意 1。" in page.text and "满意率 50%" in page.text
    assert "人大代表满意度测评：1 位代表参评，1 位满意，结果为“满意”。" in page.text
    assert f'href="/projects/{project.code}/rate"' in page.text
    assert "意见0" not in page.text  # comments stay with staff
