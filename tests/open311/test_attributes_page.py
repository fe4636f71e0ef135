"""The administrators' page for a category's extra questions, and what clients then see."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from minsheng.open311.models import DATATYPE_LABELS
from minsheng.open311.module import module
from minsheng.org import service as org
from minsheng.requests.models import CHANNEL_LABELS, Channel
from minsheng.requests.service import EVENT_LABELS
from minsheng.web.i18n import translations
from tests import factories
from tests.conftest import csrf, login
from tests.open311 import get


@pytest.fixture
def administrator(client, db, kunshan) -> None:
    user = factories.staff(db, "administrator", org.get_unit_by_name(db, name="昆山市"))
    login(client, user.username, factories.PASSWORD)


def save(client, category: str, **fields: str) -> Any:
    data = {
        "code": "",
        "description": "",
        "datatype": "string",
        "order": "1",
        "variable": "on",
        "csrf_token": csrf(client),
    }
    data.update(fields)
    return client.post(f"/staff/open311/attributes/{category}", data=data, follow_redirects=False)


def test_page_lists_categories_and_their_questions(client, administrator):
    page = client.get("/staff/open311/attributes")
    assert page.status_code == 200 and "道路破损（2）" in page.text
    page = client.get("/staff/open311/attributes", params={"category": "traffic.road"})
    assert "路面是什么情况？" in page.text and "井盖缺失或破损" in page.text
    assert 'href="/staff/open311/attributes"' in client.get("/staff").text
    unknown = client.get("/staff/open311/attributes", params={"category": "no.such"})
    assert unknown.status_code == 200 and "没有这个分类" in unknown.text


def test_adding_a_question_shows_it_in_the_service_definition(client, administrator):
    response = save(
        client,
        "urban.stall",
        code="time",
        description="一般在什么时段？",
        datatype="singlevaluelist",
        values_text="evening=傍晚\nnight=夜间",
        required="on",
        order="2",
    )
    assert response.status_code == 303, response.text
    definition = get(client, "services/urban.stall", "json").json()
    (question,) = definition["attributes"]
    assert question["code"] == "time" and question["required"] is True
    assert question["values"] == [
        {"key": "evening", "name": "傍晚"},
        {"key": "night", "name": "夜间"},
    ]
    services = get(client, "services", "json").json()
    assert next(s for s in services if s["service_code"] == "urban.stall")["metadata"] is True
    # Saving the same code again changes it.
    assert save(client, "urban.stall", code="time", description="几点？").status_code == 303
    (question,) = get(client, "services/urban.stall", "json").json()["attributes"]
    assert question["description"] == "几点？" and question["datatype"] == "string"
    assert question["values"] == [] and question["required"] is False


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"code": "", "description": "问题"}, "code", "代码只能用"),
        ({"code": "有 空格", "description": "问题"}, "code", "代码只能用"),
        ({"code": "a", "description": ""}, "description", "请填写这一项"),
        ({"code": "a", "description": "q", "datatype": "colour"}, "datatype", "请从列表中选择"),
        (
            {"code": "a", "description": "q", "datatype": "multivaluelist", "values_text": "x"},
            "values_text",
            "至少要两个选项",
        ),
        (
            {
                "code": "a",
                "description": "q",
                "datatype": "singlevaluelist",
                "values_text": "x=1\nx=2",
            },
            "values_text",
            "重复",
        ),
        ({"code": "a", "description": "q", "order": "0"}, "order", "不能小于 1"),
        ({"code": "a", "description": "q", "order": "many"}, "order", "请填写整数"),
    ],
)
def test_bad_questions_are_refused_beside_the_field(client, administrator, fields, field, words):
    response = save(client, "urban.stall", **fields)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text and words in response.text
    assert get(client, "services/urban.stall", "json").json()["attributes"] == []


def test_editing_and_deleting(client, db, administrator):
    page = client.get("/staff/open311/attributes", params={"category": "housing.elevator"})
    link = page.text.split('href="/staff/open311/attributes/housing.elevator/edit/')[1]
    attribute_id = int(link.split('"')[0])
    edit = client.get(f"/staff/open311/attributes/housing.elevator/edit/{attribute_id}")
    assert edit.status_code == 200 and "yes=有人被困" in edit.text
    deleted = client.post(
        f"/staff/open311/attributes/housing.elevator/delete/{attribute_id}",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    codes = [
        a["code"] for a in get(client, "services/housing.elevator", "json").json()["attributes"]
    ]
    assert codes == ["lift_no"]
    missing = client.get(f"/staff/open311/attributes/housing.elevator/edit/{attribute_id}")
    assert missing.status_code == 404


def test_only_administrators_keep_questions(client, db, kunshan):
    user = factories.staff(db, "operator", org.get_unit_by_name(db, name="昆山市"))
    login(client, user.username, factories.PASSWORD)
    assert client.get("/staff/open311/attributes").status_code == 403
    assert save(client, "urban.stall", code="a", description="q").status_code == 403


def test_every_text_of_the_pages_has_an_english_translation():
    folder = Path(__file__).parents[2] / "src/minsheng/web/templates/open311"
    texts: set[str] = set()
    for path in folder.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", source))
        texts |= set(re.findall(r"""(?:label|hint)=["']([^"']+)["']""", source))
        # Chinese outside the translator would stay Chinese on the English page.
        assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source))
    texts |= {item.label for item in module.nav} | {module.label}
    texts |= set(DATATYPE_LABELS.values()) | {EVENT_LABELS["supplement"], EVENT_LABELS["comment"]}
    texts |= {CHANNEL_LABELS[Channel.open311]}
    texts |= {
        "请写明对接的系统，例如“FixMyStreet 昆山站”",
        "单选和多选至少要两个选项，每行一个，写成“代码=名称”",
    }
    english = translations("en")
    chinese = {t for t in texts if re.search(r"[\u4e00-\u9fff]", t)}
    assert len(chinese) > 40
    assert sorted(t for t in chinese if english.gettext(t) == t) == []
    for text in chinese:
        assert re.findall(r"%\(\w+\)s", english.gettext(text)) == re.findall(r"%\(\w+\)s", text)


def test_pages_render_in_english(client, administrator):
    client.cookies.set("minsheng_lang", "en")
    keys = client.get("/staff/api-keys")
    assert "Open311 API keys" in keys.text and "Issue a key" in keys.text
    questions = client.get("/staff/open311/attributes", params={"category": "traffic.road"})
    assert "Extra questions" in questions.text and "Answer type" in questions.text
    assert "Single choice" in questions.text  # the datatype labels too
    response = save(client, "urban.stall", code="a", description="q", datatype="multivaluelist")
    assert "at least two options" in response.text
