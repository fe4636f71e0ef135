"""Every text the channel pages show has an English translation; the pages render in English."""

from __future__ import annotations

import re
from pathlib import Path

from minsheng.channels import entry, forms, pages_boxes, pages_repair
from minsheng.channels.module import module
from minsheng.requests.models import PRIORITY_LABELS
from minsheng.web.i18n import translations
from tests.channels import estate_named, field_error, post

TEMPLATES = Path(forms.__file__).parents[1] / "web" / "templates" / "channels"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)

# Fixed messages from the channels' code that the pages show beside a field or as a page.
MESSAGES = {
    "请选择所在的区镇",
    "请从列表中选择区镇",
    "所选的社区或村不在这个区镇里，请重新选择",
    "所选的单位不存在或已停用",
    "请选择责任单位",
    "只能选择您所在的单位或其下级单位作为责任单位",
    "这个意见箱不归您管理。",
    "这个意见箱已停用或不存在。",
    "这个意见箱已停用，启用后才能打印海报。",
    "没有这个意见箱。",
    "没有这个小区。",
    "没有这个接待日。",
    "请选择物业服务企业",
    "请至少填写一个楼栋，每行一个，例如 1幢",
    "请填写意见箱名称",
    "请填写小区名称",
    "请填写接待地点",
    "请填写接待代表",
    "请填写接待日期",
    "请按 2026-03-15 的格式填写日期",
    "请选择您所在的小区",
    "请选择楼栋",
    "请选择哪里坏了",
    "请选择受理方式",
    "请按“2026-11-26 09:30”的格式填写受理时间",
    "请选择问题类别",
    "请填写标题",
    "请填写详细情况",
    "其他问题",
    "企业",
    "其他单位",
    "含有无法识别的控制字符，请删除后再提交",
    *entry.ENTRY_CHANNELS.values(),
    *(label for p, label in PRIORITY_LABELS.items() if p.value != "normal"),
}


def template_texts() -> set[str]:
    """Every Chinese string the channel templates hand to the translator."""
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        for quoted in re.findall(r"""["']([^"'{}<>]*)["']""", path.read_text(encoding="utf-8")):
            if CHINESE.search(quoted):
                found.add(quoted)
    return found


def test_templates_hold_no_chinese_outside_the_translator():
    for path in TEMPLATES.glob("*.html"):
        outside = JINJA.sub("", path.read_text(encoding="utf-8"))
        assert not CHINESE.search(outside), (path.name, CHINESE.search(outside))


def test_every_channels_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts() | MESSAGES
    texts |= {item.label for item in module.nav} | {module.label}
    texts |= {link.label for link in module.home_links} | {
        link.description for link in module.home_links
    }
    assert {"二维码意见箱", "一键报修", "录入一个当天反映的问题", "%(n)s 栋"} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert missing == []
    for text in texts:  # placeholders survive translation
        assert re.findall(r"%\(\w+\)s", english.gettext(text)) == re.findall(r"%\(\w+\)s", text)
    # The poster is printed in Chinese for Kunshan's residents, whatever the staff's language.
    assert pages_boxes.POSTER_TITLE == "码上反映" and pages_repair.MAX_NOTE == 500


def test_repair_in_english(client, db, kunshan):
    client.cookies.set("minsheng_lang", "en")
    estate = estate_named(db, "长泾花苑")
    page = client.get(f"/repair?estate={estate.id}").text
    assert "<h1>Report a repair</h1>" in page and "Something else" in page
    response = post(client, "/repair", {"estate": estate.id, "building": "", "category": ""})
    assert field_error(response.text, "building") == "Please choose the building"
    assert field_error(response.text, "category") == "Please choose what is broken"
