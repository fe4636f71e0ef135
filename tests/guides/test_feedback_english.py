"""Every text of the vote, the units' feedback page, the figures and the ask form has an English
translation, and the pages render in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minsheng.guides import ask, feedback, pages_feedback
from minsheng.org.models import RegionLevel
from minsheng.routing import service as routing
from minsheng.routing.schemas import CategoryCreate
from minsheng.web.i18n import translations
from tests import factories
from tests.conftest import csrf, login
from tests.factories import PASSWORD
from tests.guides import matter

TEMPLATES = Path(feedback.__file__).parents[1] / "web" / "templates" / "guides"
MINE = [
    *sorted((TEMPLATES / "feedback").glob("*.html")),
    *sorted((TEMPLATES / "ask").glob("*.html")),
    TEMPLATES / "public" / "_ask_link.html",
]
TEXTS = re.compile(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'|(?<![\w-])(?:label|hint|empty)="([^"]+)\"""")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
MESSAGES = [
    feedback.COMMENT_TOO_LONG,
    feedback.ANSWER_NEEDED,
    feedback.ANSWER_TOO_LONG,
    feedback.TOO_MANY,
    feedback.ALREADY,
    pages_feedback.CHOOSE,
    ask.EMPTY,
    ask.TOO_SHORT,
    ask.TOO_LONG,
    ask.NO_TOWN,
    ask.NOT_A_PHONE,
    ask.NO_CATEGORY,
    "这条意见属于其他单位的办事指南，您不能处理。",
    "这条意见已经有人处理过了。",
    "没有找到这条读者意见。",
]


def texts() -> set[str]:
    found = set()
    for path in MINE:
        for match in TEXTS.finditer(path.read_text(encoding="utf-8")):
            text = next(group for group in match.groups() if group)
            if CHINESE.search(text):
                found.add(text)
    return found


def test_every_text_has_an_english_translation() -> None:
    english = translations("en")
    wanted = texts() | set(MESSAGES)
    assert len(wanted) > 50
    missing = sorted(t for t in wanted if english.gettext(t) == t)
    assert missing == []


@pytest.fixture
def english(client):
    client.cookies.set("minsheng_lang", "en")
    return client


def test_the_vote_and_its_refusal_in_english(english, db) -> None:
    matter(db, "KS-0001")
    db.commit()
    page = english.get("/guides/KS-0001/feedback")
    assert "Was this guide helpful?" in page.text and "Not helpful" in page.text
    refused = english.post(
        "/guides/KS-0001/feedback",
        data={"csrf_token": csrf(english), "helpful": "no", "comment": "长" * 501},
    )
    assert refused.status_code == 422
    assert "A comment can be at most 500 characters" in refused.text
    thanks = english.get("/guides/KS-0001/feedback?fb=forwarded")
    assert "who will improve this guide" in thanks.text


def test_the_ask_form_in_english(english, db) -> None:
    factories.RegionFactory(name="巴城镇", level=RegionLevel.town, code="320583101")
    routing.create_category(db, data=CategoryCreate(code="consult", name="政策咨询"))
    matter(db, "KS-0001")
    db.commit()
    page = english.get("/guides/KS-0001/ask")
    assert "Not clear? Ask us" in page.text and "Your question" in page.text
    refused = english.post(
        "/guides/KS-0001/ask",
        data={"csrf_token": csrf(english), "question": "啊", "town": "", "contact_phone": "1"},
    )
    assert refused.status_code == 422
    assert "at least 5 characters" in refused.text
    assert "Please choose your town" in refused.text


def test_the_units_page_in_english(english, db) -> None:
    unit = factories.UnitFactory()
    matter(db, "KS-0001", unit=unit)
    factories.staff(db, "handler", unit, username="h1")
    english.post(
        "/guides/KS-0001/feedback",
        data={"csrf_token": csrf(english), "helpful": "no", "comment": "看不懂"},
    )
    login(english, "h1", PASSWORD)
    page = english.get("/staff/guides/feedback")
    assert page.status_code == 200
    for text in ("Guide feedback", "Open comments", "What was changed", "Reader figures by matter"):
        assert text in page.text
