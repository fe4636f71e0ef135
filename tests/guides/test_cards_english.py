"""Every text of the knowledge-card pages has an English translation; the pages render in English.

The printed cards stay Chinese: they are handed out at Kunshan's windows."""

from __future__ import annotations

from pathlib import Path

from minsheng.guides import cards
from minsheng.web.i18n import translations
from tests import factories
from tests.conftest import csrf, login
from tests.guides import matter
from tests.i18n_kit import (
    CHINESE,
    JINJA,
    chinese_outside_the_translator,
    code_texts,
    template_texts,
)

PACKAGE = Path(cards.__file__).parent
TEMPLATES = PACKAGE.parents[0] / "web" / "templates" / "guides" / "cards"
MODULES = ("cards", "pages_cards")


def test_templates_hold_no_chinese_outside_the_translator():
    assert chinese_outside_the_translator(TEMPLATES) == []


def test_every_card_page_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts(TEMPLATES)
    for name in MODULES:
        texts |= code_texts(PACKAGE / f"{name}.py")
    assert {"请至少选择一个事项", "A4裁切版", "查看完整办事指南", "打印知晓卡（A6）"} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert not missing, missing


def test_the_card_pages_render_in_english(client, db):
    matter(db, "KS-0001")
    admin = factories.staff(db, "administrator")
    login(client, admin.username, factories.PASSWORD)
    client.cookies.set("minsheng_lang", "en")
    form = client.get("/staff/guides/cards/new")
    assert "New knowledge card" in form.text and "Matter codes" in form.text
    refused = client.post(
        "/staff/guides/cards/new",
        data={"code": "GTJY", "title": "个体经营知晓卡", "matters": "", "csrf_token": csrf(client)},
    )
    assert "Choose at least one matter" in refused.text
    client.post(
        "/staff/guides/cards/new",
        data={
            "code": "GTJY",
            "title": "个体经营知晓卡",
            "hotline": "12345",
            "matters": "KS-0001",
            "published": "1",
            "csrf_token": csrf(client),
        },
    )
    page = client.get("/guides/cards/GTJY")
    assert "Materials to bring" in page.text and "Read the full guide" in page.text
    assert "Print this card" in page.text
    main = JINJA.sub("", page.text.split("<main", 1)[1].split("</main>")[0])
    data = [
        "个体经营知晓卡",
        "个体工商户设立登记",
        "经营者身份证",
        "经营场所使用证明",
        "登记咨询",
        "投诉",
    ]
    data += ["开店先办营业执照，材料齐全当场办结。", "申请", "到窗口或网上提交材料", "领照"]
    data += ["昆山市前进西路1801号 政务服务中心一楼", "工作日 9:00-17:00"]
    for text in data:
        main = main.replace(text, "")
    assert not CHINESE.search(main), CHINESE.search(main)
