"""The matter form: every bad input gets a Chinese message beside its field or row and saves
nothing; "多加几行" adds rows without script; the edit form shows the current text, and sending it
back unchanged publishes the same text."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

import pytest

from minsheng.guides import service
from minsheng.guides.schemas import MatterContent
from tests.guides import matter
from tests.guides.test_staff_pages import City, field_error, form, post, sign_in, stored


@pytest.fixture
def city(db) -> City:
    return City(db)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit_id": ""}, "unit_id", "请选择实施主体单位"),
        (
            {"materials.1.originals": "0", "materials.1.copies": "0"},
            "materials.1.copies",
            "申请材料第 2 行：“营业执照”的原件和复印件份数不能都是 0",
        ),
        (
            {"phones.0.number": "请打电话"},
            "phones.0.number",
            "咨询电话第 1 行：“请打电话”不是电话号码，请写成 0512-57512345 或 12345 这样",
        ),
        (
            {"phones.1.number": "1234"},
            "phones.1.number",
            "投诉电话第 2 行：“1234”不是电话号码，请写成 0512-57512345 或 12345 这样",
        ),
        ({"materials.0.copies": "两份"}, "materials.0.copies", "申请材料第 1 行：请填写整数"),
        ({"materials.2.note": "带原件"}, "materials.2.name", "申请材料第 3 行：请填写这一项"),
        ({"steps.1.title": "审"}, "steps.1.title", "办理流程第 2 行：至少 2 个字"),
        ({"forms.0.url": "ftp://x"}, "forms.0.url", "申请表格第 1 行：下载地址要以 https:// 开头"),
        ({"questions.0.answer": ""}, "questions.0.answer", "常见问题第 1 行：请填写这一项"),
        ({"title": ""}, "title", "请填写这一项"),
        ({"kind": "随便"}, "kind", "请从列表中选择事项类型"),
        ({"code": "开店 01"}, "code", "事项编码只能用字母、数字和短横线，2 到 40 位"),
        ({"promised_days": "30"}, "promised_days", "承诺时限不能长于法定时限"),
        ({"longitude": ""}, "latitude", "经度和纬度要一起填写"),
        ({"latitude": "北纬"}, "latitude", "请填写数字"),
        ({"visits": "9"}, "visits", "不能大于 5"),
        ({"online_url": "www.x.cn"}, "online_url", "网上办理地址要以 https:// 开头"),
        ({"related": "KS-9999"}, "related", "没有这些事项编码：KS-9999"),
        ({"title": "食品\x00许可"}, "title", "含有无法识别的控制字符，请删除后再提交"),
    ],
)
def test_bad_input_is_told_beside_its_field_and_nothing_is_saved(
    client, db, city, changes, field, message
):
    sign_in(client, city.handler)
    page = post(client, "/staff/guides/new", form(city.market_id, **changes))
    assert page.status_code == 422, page.text
    assert field_error(page.text, field) == message
    assert service.find_matter(db, code="KS-SC-0101") is None


def test_several_mistakes_are_all_told_at_once_and_the_typing_is_kept(client, db, city):
    sign_in(client, city.handler)
    changes = {
        "unit_id": "",
        "materials.0.copies": "0",
        "materials.0.originals": "0",
        "phones.0.number": "abc",
        "title": "<b>食品</b>许可",
    }
    page = post(client, "/staff/guides/new", form(None, **changes))
    assert page.status_code == 422
    assert field_error(page.text, "unit_id") == "请选择实施主体单位"
    assert "份数不能都是 0" in (field_error(page.text, "materials.0.copies") or "")
    assert "不是电话号码" in (field_error(page.text, "phones.0.number") or "")
    assert "&lt;b&gt;食品&lt;/b&gt;许可" in page.text and "<b>食品</b>" not in page.text
    assert 'value="在江苏政务服务网提交"' in page.text or "在江苏政务服务网提交" in page.text
    assert service.find_matter(db, code="KS-SC-0101") is None


def test_a_taken_code_is_told_beside_the_code(client, db, city):
    matter(db, "KS-SC-0101", unit=city.market)
    db.commit()
    sign_in(client, city.handler)
    page = post(client, "/staff/guides/new", form(city.market_id))
    assert page.status_code == 422
    assert field_error(page.text, "code") == "事项编码 KS-SC-0101 已经有了，请换一个"


def test_more_rows_adds_blank_rows_and_saves_nothing(client, db, city):
    sign_in(client, city.handler)
    page = post(client, "/staff/guides/new", form(city.market_id, action="more"))
    assert page.status_code == 200
    assert 'name="materials.5.name"' in page.text and 'name="materials.6.name"' not in page.text
    assert 'name="phones.5.number"' in page.text
    assert 'value="食品经营许可申请书"' in page.text  # what was typed stays
    assert service.find_matter(db, code="KS-SC-0101") is None


class Fields(HTMLParser):
    """The values a browser would send for the first form with a `based_on` field."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._area: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") != "submit":
            self.values.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._area = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._area = None

    def handle_data(self, data: str) -> None:
        if self._area:
            self.values[self._area] += data


def test_the_edit_form_shows_the_current_text_and_sends_it_back_unchanged(client, db, city):
    original = matter(
        db,
        "KS-0001",
        unit=city.market,
        materials=[
            {"name": "经营者身份证", "originals": 1, "copies": 2, "note": "本人"},
            {"name": "从业人员健康证明", "originals": 0, "copies": 1, "required": False},
        ],
        forms=[{"name": "登记申请书", "url": "https://example.gov.cn/a.docx"}],
        questions=[{"question": "能代办吗？", "answer": "可以，带委托书。"}],
        online_url="https://www.jszwfw.gov.cn/",
        related=[],
    )
    before = MatterContent.model_validate(service.current_version(original), from_attributes=True)
    db.commit()
    sign_in(client, city.handler)
    page = client.get("/staff/guides/KS-0001/edit")
    fields = Fields()
    fields.feed(page.text)
    values = fields.values
    assert values["title"] == "个体工商户设立登记" and values["materials.1.required"] == "0"
    assert values["phones.0.number"] == "0512-57512345" and values["latitude"] == "31.385"
    assert values["basis"] == "《促进个体工商户发展条例》"
    values.pop("csrf_token", None)
    values |= {"action": "publish", "change_note": "核对无误"}
    done = post(client, "/staff/guides/KS-0001/edit", values)
    assert done.status_code == 303, done.text
    again = stored(db, "KS-0001")
    after = MatterContent.model_validate(service.current_version(again), from_attributes=True)
    assert after.model_dump(exclude={"change_note"}) == before.model_dump(exclude={"change_note"})
    assert after.change_note == "核对无误" and again.current_number == 2


def test_an_emptied_row_is_removed_in_the_next_version(client, db, city):
    matter(db, "KS-0001", unit=city.market)
    db.commit()
    sign_in(client, city.handler)
    values: dict[str, Any] = form(city.market_id, based_on="1")
    values |= {"materials.1.name": "", "materials.1.copies": "", "materials.1.originals": ""}
    assert post(client, "/staff/guides/KS-0001/edit", values).status_code == 303
    version = service.current_version(stored(db, "KS-0001"))
    assert version is not None and [m["name"] for m in version.materials] == ["食品经营许可申请书"]


def test_an_edit_error_keeps_the_typing_and_publishes_nothing(client, db, city):
    matter(db, "KS-0001", unit=city.market)
    db.commit()
    sign_in(client, city.handler)
    values = form(city.market_id, based_on="1", **{"phones.0.number": "打电话给我"})
    page = post(client, "/staff/guides/KS-0001/edit", values)
    assert page.status_code == 422
    assert "不是电话号码" in html.unescape(page.text)
    assert 'name="based_on" value="1"' in page.text
    assert len(stored(db, "KS-0001").versions) == 1
