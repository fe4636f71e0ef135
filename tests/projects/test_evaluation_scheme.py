"""The evaluation scheme of a batch: the default is offered, weights must add up to 100, and the
service, the page and the API all refuse anything else without writing a thing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.core.errors import InvalidInput
from minsheng.projects import evaluation
from minsheng.projects.models_review import Indicator
from minsheng.projects.schemas_evaluation import IndicatorIn
from tests import factories
from tests import projects as make
from tests.conftest import api_token, csrf
from tests.projects import evaluation_kit as kit
from tests.requests import assert_error, fields_of


def items(**weights: float) -> list[IndicatorIn]:
    return [
        IndicatorIn(code=code, label=evaluation.INDICATORS[code], weight=w)  # type: ignore[arg-type]
        for code, w in weights.items()
    ]


def test_a_batch_without_a_scheme_is_offered_the_default(db) -> None:
    batch = make.batch(db)
    scheme, saved = evaluation.scheme(db, batch)
    assert not saved
    assert [(i.label, i.weight) for i in scheme] == [
        ("进度", 30),
        ("月报及时", 15),
        ("目标完成", 25),
        ("质量", 10),
        ("满意度", 20),
    ]


def test_weights_not_adding_up_to_100_are_refused(db) -> None:
    batch = make.batch(db)
    with pytest.raises(InvalidInput) as refused:
        evaluation.set_scheme(db, batch=batch, items=items(progress=50, quality=45))
    assert refused.value.fields == {"weights": "各项权重之和须为 100，现在是 95"}
    with pytest.raises(InvalidInput) as zero:
        evaluation.set_scheme(db, batch=batch, items=items(progress=100, quality=0))
    assert zero.value.fields["weight_quality"] == "权重须大于 0；不用的指标请不要列入"
    twice = items(progress=50) + items(progress=50)
    with pytest.raises(InvalidInput) as duplicate:
        evaluation.set_scheme(db, batch=batch, items=twice)
    assert duplicate.value.fields == {"weight_progress": "每个指标只能出现一次"}
    assert db.scalars(select(Indicator)).all() == []

    saved = evaluation.set_scheme(db, batch=batch, items=items(progress=60.5, satisfaction=39.5))
    assert [(i.code, i.weight) for i in saved] == [("progress", 60.5), ("satisfaction", 39.5)]
    assert evaluation.scheme(db, batch)[1] is True


def test_the_scheme_page_offers_the_default_and_refuses_a_bad_sum(client, db) -> None:
    batch = make.batch(db)
    kit.sign_in_staff(client, kit.supervisor(db))
    db.commit()
    page = client.get("/staff/projects/evaluation/scheme", params={"batch": batch.code})
    assert page.status_code == 200
    assert "这个批次还没有保存方案" in page.text
    assert 'name="weight_progress" type="text" value="30"' in page.text
    assert 'name="weight_satisfaction" type="text" value="20"' in page.text

    form = {"batch": batch.code, "csrf_token": csrf(client)}
    form |= {f"label_{c}": label for c, label in evaluation.INDICATORS.items()}
    bad = client.post(
        "/staff/projects/evaluation/scheme",
        data=form | {"weight_progress": "50", "weight_quality": "40", "weight_targets": "abc"},
    )
    assert bad.status_code == 422
    assert kit.field_error(bad.text, "weight_targets") == "请填写 0 到 100 之间的数字"
    assert db.scalars(select(Indicator)).all() == []
    db.commit()
    short = client.post(
        "/staff/projects/evaluation/scheme",
        data=form | {"weight_progress": "50", "weight_quality": "40"},
    )
    assert short.status_code == 422
    assert kit.field_error(short.text, "weights") == "各项权重之和须为 100，现在是 90"
    assert 'href="#f-weights"' in short.text  # the summary at the top leads to the fieldset
    assert 'value="50"' in short.text  # what was typed is kept

    good = client.post(
        "/staff/projects/evaluation/scheme",
        data=form | {"weight_progress": "60", "weight_quality": "40", "label_quality": "工程质量"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    rows = {r.code: (r.label, r.weight) for r in db.scalars(select(Indicator))}
    db.commit()
    assert rows == {"progress": ("进度", 60), "quality": ("工程质量", 40)}
    overview = client.get(good.headers["location"])
    assert "评估方案已保存" in overview.text and "工程质量：权重 40" in overview.text


def test_a_handler_may_not_change_the_scheme(client, db) -> None:
    batch = make.batch(db)
    handler = factories.staff(db, "handler", make.unit(db, make.HOUSING_BUREAU))
    kit.sign_in_staff(client, handler)
    page = client.get("/staff/projects/evaluation/scheme", params={"batch": batch.code})
    assert page.status_code == 403


def test_the_scheme_api_answers_with_structured_errors(client, db) -> None:
    batch = make.batch(db)
    user = kit.supervisor(db)
    db.commit()
    headers = api_token(client, user.username, factories.PASSWORD)
    url = f"/api/v1/batches/{batch.code}/scheme"
    assert client.get(url, headers=headers).json()["saved"] is False

    body = {"indicators": [{"code": "progress", "label": "进度", "weight": 70}]}
    error = assert_error(client.post(url, json=body, headers=headers), 422, "validation_error")
    assert fields_of(error) == {"weights": "各项权重之和须为 100，现在是 70"}
    unknown = {"indicators": [{"code": "speed", "label": "速度", "weight": 100}]}
    assert_error(client.post(url, json=unknown, headers=headers), 422, "validation_error")

    body["indicators"].append({"code": "timeliness", "label": "月报及时", "weight": 30})
    saved = client.post(url, json=body, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["saved"] is True
    assert [i["weight"] for i in saved.json()["indicators"]] == [70, 30]
    assert_error(client.post(url, json=body), 401, "not_authenticated")
