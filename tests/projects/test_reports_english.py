"""Every text the report and supervision pages show has an English translation; they render in
English."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from minsheng.projects import report_status
from minsheng.projects.models import WARNING_LABELS
from minsheng.projects.models_progress import NOTE_LABELS
from minsheng.web.i18n import translations
from tests.conftest import login
from tests.factories import PASSWORD
from tests.projects.reporting import on, world

TEMPLATES = Path(report_status.__file__).parents[1] / "web" / "templates" / "projects"
MINE = [
    *sorted((TEMPLATES / "reports").glob("*.html")),
    *sorted((TEMPLATES / "supervision").glob("*.html")),
    TEMPLATES / "_project_reports.html",
]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# Fixed messages from the code that the pages show beside a field or as a label.
MESSAGES = {
    *report_status.STATE_LABELS.values(),
    "不需填报",
    *NOTE_LABELS.values(),
    *WARNING_LABELS.values(),
    "请填写本月完成情况",
    "进度百分比应在 0 到 100 之间",
    "请填写数字",
    "累计完成数不能为负数",
    "请填写更正原因",
    "请填写现场检查的日期",
    "检查日期不能晚于今天",
    "请填写答复期限",
    "答复期限不能早于今天",
    "请填写答复内容",
}


def template_texts() -> set[str]:
    found: set[str] = set()
    for path in MINE:
        for quoted in re.findall(r"""["']([^"'{}<>]*)["']""", path.read_text(encoding="utf-8")):
            if CHINESE.search(quoted):
                found.add(quoted)
    return found


def test_templates_hold_no_chinese_outside_the_translator():
    for path in MINE:
        outside = JINJA.sub("", path.read_text(encoding="utf-8"))
        assert not CHINESE.search(outside), (path.name, CHINESE.search(outside))


def test_every_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts() | MESSAGES
    assert {"月报填报", "累计进度（%）", "%(month)s 月报", "督办指令"} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert missing == []


def test_the_pages_render_in_english(db, client):
    world(db)
    client.cookies.set("minsheng_lang", "en")
    login(client, "ducha", PASSWORD)
    with on(dt.date(2026, 4, 6)):
        listed = client.get("/staff/projects/reports").text
        supervised = client.get("/staff/projects/supervision/2026-1-001").text
    assert "Missing" in listed and "Report for 2026年3月" not in listed
    assert "Planned and actual progress" in supervised and "Add a supervision record" in supervised
