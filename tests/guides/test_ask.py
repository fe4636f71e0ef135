"""'Not clear? ask': the question is filed as a citizen request tagged with the matter; bad input
is told next to its field and nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from minsheng.core.settings import get_settings
from minsheng.guides import feedback
from minsheng.guides.models import Question
from minsheng.org.models import RegionLevel, UnitKind
from minsheng.requests.models import Channel, CitizenRequest
from minsheng.routing import service as routing
from minsheng.routing.schemas import CategoryCreate
from tests import factories
from tests.conftest import csrf
from tests.guides import matter
from tests.requests import away_from_the_hour

BACHENG = "320583101"
QUESTION = "租的房子没有房产证，经营场所证明可以用什么代替？"


def category(db, code: str, name: str, **fields) -> None:
    routing.create_category(db, data=CategoryCreate(code=code, name=name, **fields))


@pytest.fixture
def place(db) -> None:
    """A town, the 12345 centre and the consultation category, as the demo has them."""
    factories.RegionFactory(name="巴城镇", level=RegionLevel.town, code=BACHENG)
    factories.UnitFactory(name="昆山市12345政务服务便民热线", kind=UnitKind.dispatch_centre)
    db.commit()


@pytest.fixture
def guide(db, place):
    made = matter(db, "KS-0101", title="个体工商户设立登记")
    category(db, "consult", "政策咨询", resolve_days=1)
    db.commit()
    return made


def post_ask(client, code: str = "KS-0101", **changes: str):
    data = {
        "csrf_token": csrf(client),
        "question": QUESTION,
        "town": BACHENG,
        "contact_phone": "",
        **changes,
    }
    return client.post(f"/guides/{code}/ask", data=data, follow_redirects=False)


def counts(db) -> tuple[int, int]:
    requests = db.scalar(select(func.count()).select_from(CitizenRequest))
    questions = db.scalar(select(func.count()).select_from(Question))
    db.commit()
    return int(requests or 0), int(questions or 0)


def test_the_link_and_the_form(client, db, guide) -> None:
    from minsheng.web.templating import environment

    link = environment("zh_Hans").get_template("guides/public/_ask_link.html").render(matter=guide)
    assert 'href="/guides/KS-0101/ask"' in link and "看不明白？问一问" in link
    page = client.get("/guides/KS-0101/ask")
    assert page.status_code == 200
    html = page.text
    assert "个体工商户设立登记" in html and guide.unit.name in html
    assert '<label for="f-question">' in html and '<label for="f-town">' in html
    assert '<label for="f-contact_phone">' in html
    assert f'<option value="{BACHENG}"' in html
    assert 'name="csrf_token"' in html and "提交即表示您同意" in html
    db.rollback()


def test_asking_files_a_request_tagged_with_the_matter(client, db, guide) -> None:
    response = post_ask(client, contact_phone="138 1234 5678")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/report/received/")
    assert client.get(location).status_code == 200
    request = db.scalar(select(CitizenRequest))
    assert request is not None
    assert request.title == "办事咨询：个体工商户设立登记"
    assert request.channel == Channel.web
    assert request.category.code == "consult"
    assert "KS-0101" in request.description and "第 1 版" in request.description
    assert guide.unit.name in request.description
    assert QUESTION in request.description
    assert request.contact_phone == "13812345678"
    # Straight to the unit that handles the matter, not through the dispatch centre.
    assert request.unit_id == guide.unit_id
    assert any("办事指南所属单位" in event.text for event in request.events), [
        (e.kind, e.text) for e in request.events
    ]
    question = db.scalar(select(Question))
    assert question is not None
    assert (question.matter_id, question.request_id) == (guide.id, request.id)
    assert feedback.stats_for(db, matter=guide)["questions"] == 1
    db.commit()


def test_the_same_form_sent_twice_files_one_request(client, db, guide) -> None:
    key = "k" * 24
    first = post_ask(client, idempotency_key=key)
    assert first.status_code == 303
    again = post_ask(client, idempotency_key=key)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/track?number=")
    assert counts(db) == (1, 1)
    other = post_ask(client, idempotency_key=key, question="另一个问题：营业执照多久能拿到？")
    assert other.status_code == 409
    assert "这张表单已经提交过一次" in other.text
    assert counts(db) == (1, 1)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"question": "   "}, "question", "请写下您的问题"),
        ({"question": "怎么办"}, "question", "请把问题写具体一些，至少 5 个字"),
        ({"question": "问" * 1001}, "question", "问题最多 1000 字，请删减一些"),
        ({"contact_phone": "12345"}, "contact_phone", "请填写 11 位手机号码"),
        ({"town": ""}, "town", "请选择您所在的区镇"),
        ({"town": "999999999"}, "town", "请从列表中选择区镇"),
    ],
)
def test_bad_input_is_told_next_to_the_field(client, db, guide, changes, field, message) -> None:
    response = post_ask(client, **changes)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert message in response.text
    assert counts(db) == (0, 0)


def test_without_the_consultation_category_another_is_used(client, db, place) -> None:
    matter(db, "KS-0102")
    category(db, "other", "其他")
    db.commit()
    assert post_ask(client, "KS-0102").status_code == 303
    request = db.scalar(select(CitizenRequest))
    assert request is not None and request.category.code == "other"
    db.commit()


def test_without_any_category_nobody_is_left_waiting(client, db, place) -> None:
    matter(db, "KS-0103")
    db.commit()
    response = post_ask(client, "KS-0103")
    assert response.status_code == 422
    assert "请拨打 12345" in response.text
    assert counts(db) == (0, 0)


def test_the_requests_rate_limit_applies(client, db, guide, monkeypatch) -> None:
    away_from_the_hour()
    monkeypatch.setenv("MINSHENG_ANONYMOUS_REQUESTS_PER_HOUR", "2")
    get_settings.cache_clear()
    for n in range(2):
        assert post_ask(client, question=f"第 {n} 个问题：要带几份复印件？").status_code == 303
    refused = post_ask(client, question="第三个问题：可以网上办吗？")
    assert refused.status_code == 429
    assert "提交太频繁了" in refused.text
    assert refused.headers["retry-after"] == "3600"
    assert counts(db) == (2, 2)


def test_drafts_and_unknown_matters_take_no_questions(client, db, place) -> None:
    matter(db, "KS-0104", publish=False)
    category(db, "consult", "政策咨询")
    db.commit()
    assert client.get("/guides/KS-0104/ask").status_code == 404
    assert post_ask(client, "KS-0104").status_code == 404
    assert post_ask(client, "NOPE-1").status_code == 404
    assert counts(db) == (0, 0)


def test_a_question_without_the_csrf_token_is_refused(client, db, guide) -> None:
    csrf(client)
    response = client.post("/guides/KS-0101/ask", data={"question": QUESTION, "town": BACHENG})
    assert response.status_code == 403
    assert counts(db) == (0, 0)
