"""The staff editor's pages hold no Chinese outside the translator, every text has an English
translation, and the pages render in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.guides import editing
from minsheng.guides.models import STATUS_LABELS
from minsheng.guides.schemas import KINDS, PHONE_KINDS
from minsheng.web.i18n import translations
from tests.guides import matter
from tests.guides.test_staff_pages import City, sign_in
from tests.i18n_kit import chinese_outside_the_translator, template_texts

TEMPLATES = Path(editing.__file__).parents[1] / "web" / "templates" / "guides" / "staff"
# Fixed words from the code that the pages show.
MESSAGES = {
    *STATUS_LABELS.values(),
    *KINDS,
    *PHONE_KINDS.values(),
    "请选择实施主体单位",
    "请写明停止办理的原因，读者会看到它",
    "只有已发布的事项才能停止办理",
    "表单缺少版本号，请重新打开修改页面后再改。",
}


@pytest.fixture
def city(db) -> City:
    return City(db)


def test_templates_hold_no_chinese_outside_the_translator():
    assert chinese_outside_the_translator(TEMPLATES) == []


def test_every_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts(TEMPLATES) | MESSAGES
    assert {"办事指南事项", "多加几行", "存草稿", "版本记录"} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert missing == []


def test_the_staff_pages_render_in_english(client, db, city):
    matter(db, "KS-0001", unit=city.market)
    db.commit()
    client.cookies.set("minsheng_lang", "en")
    sign_in(client, city.handler)
    client.cookies.set("minsheng_lang", "en")
    listed = client.get("/staff/guides").text
    viewed = client.get("/staff/guides/KS-0001").text
    edited = client.get("/staff/guides/KS-0001/edit").text
    assert "New matter" in listed and "办事指南事项" not in listed
    assert "Version history" in viewed and "Withdraw" in viewed
    assert "Add more rows" in edited and "Application materials" in edited
