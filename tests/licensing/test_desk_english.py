"""Every text the desk and the change pages show has an English translation, and the pages
render in English."""

from __future__ import annotations

import re
from pathlib import Path

from minsheng.licensing import changes, desk, pages_changes, pages_desk
from minsheng.web.i18n import translations
from tests.conftest import login
from tests.licensing.test_desk import DEMO_PASSWORD, officer, submitted  # noqa: F401

TEMPLATES = Path(desk.__file__).parents[1] / "web" / "templates" / "licensing"
MINE = [
    *sorted((TEMPLATES / "desk").glob("*.html")),
    *sorted((TEMPLATES / "changes").glob("*.html")),
]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# Fixed messages from the code that the pages show beside a field or as a banner.
MESSAGES = {
    *pages_desk.DONE.values(),
    desk.STALE,
    *(label for _value, label in pages_changes.KIND_CHOICES),
    changes.PROMISE,
    changes.NOTHING_CHANGED,
    "请先核验申请人的身份证原件，再审核通过。",
    "请写明申请人需要修改什么",
    "请写明不予登记的理由",
    "请填写营业执照上的统一社会信用代码",
    "身份证号码与这张营业执照的经营者不一致，请由执照上的经营者本人办理",
    "简易注销须承诺无债权债务，请阅读后勾选",
}


def template_texts() -> set[str]:
    found: set[str] = set()
    for path in MINE:
        for quoted in re.findall(r"""["']([^"'{}<>]*)["']""", path.read_text(encoding="utf-8")):
            if CHINESE.search(quoted):
                found.add(quoted)
    return found


def test_templates_hold_no_chinese_outside_the_translator():
    assert len(MINE) >= 10
    for path in MINE:
        outside = JINJA.sub("", path.read_text(encoding="utf-8"))
        assert not CHINESE.search(outside), (path.name, CHINESE.search(outside))


def test_every_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts() | MESSAGES
    assert {"审核通过并发照", "核验身份（已查验身份证原件）", "变更登记和简易注销"} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert missing == []


def test_the_desk_and_the_change_pages_render_in_english(db, client, officer):  # noqa: F811
    waiting, _ = submitted(db, officer)
    client.cookies.set("minsheng_lang", "en")
    assert "Amendments and simple deregistration" in client.get("/licensing/changes").text
    login(client, "registrar", DEMO_PASSWORD)
    queue = client.get("/staff/licensing").text
    assert "Waiting for review" in queue and waiting.number in queue
    detail = client.get(f"/staff/licensing/{waiting.number}").text
    assert "Confirm identity (original ID card seen)" in detail
    assert "Approve and issue the license" in detail and "审核通过并发照" not in detail
    register = client.get("/staff/licensing/licenses").text
    assert "Register of business licenses" in register
