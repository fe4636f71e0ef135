"""Every text of the search pages and modules has an English translation; the pages render in
English."""

from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.guides import search, search_text, synonyms
from minsheng.guides.models import STATUS_LABELS, MatterStatus
from minsheng.web.i18n import translations
from tests import factories
from tests.conftest import login
from tests.guides import matter
from tests.i18n_kit import (
    CHINESE,
    chinese_outside_the_translator,
    code_texts,
    template_texts,
)

PACKAGE = Path(search.__file__).parent
TEMPLATES = PACKAGE.parents[0] / "web" / "templates" / "guides" / "search"
MODULES = (
    "search",
    "search_index",
    "search_text",
    "synonyms",
    "api",
    "pages_search",
    "pages_synonyms",
)
# Data, not interface: filler words a query drops, the default synonym groups.
DATA = {*search_text.STOP, *synonyms.DEFAULT_GROUPS}


@pytest.fixture(autouse=True)
def _fresh_indexes():
    search.forget()
    yield
    search.forget()


def test_templates_hold_no_chinese_outside_the_translator():
    assert chinese_outside_the_translator(TEMPLATES) == []


def test_every_search_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts(TEMPLATES)
    for name in MODULES:
        texts |= code_texts(PACKAGE / f"{name}.py")
    texts -= DATA
    texts.add(STATUS_LABELS[MatterStatus.withdrawn])
    assert {search_text.EMPTY_MESSAGE, synonyms.NEED_TWO, "要办什么事？"} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert not missing, missing


def test_the_search_pages_render_in_english(client, db):
    unit = factories.UnitFactory(name="昆山市城市管理局")
    matter(db, "KS-CG-001", unit=unit, title="设置户外招牌/店招标牌审批", keywords="招牌")
    synonyms.create_group(db, words="门头 招牌")
    db.commit()
    client.cookies.set("minsheng_lang", "en")
    home = client.get("/guides").text
    assert "What do you need to do?" in home and "Search" in home
    body = home.split("<main", 1)[1].split("</main>")[0]
    # Only data stays Chinese: the matter, its unit, and the example query 开业.
    for data in ("设置户外招牌/店招标牌审批", unit.name, "开业"):
        body = body.replace(data, "")
    assert not CHINESE.search(body), CHINESE.search(body)
    results = client.get("/guides", params={"q": "门头"}).text
    assert "We also looked for" in results and "1 matter" in results
    symbols = client.get("/guides", params={"q": "###"}).text
    assert "Type what you need to do" in symbols
    user = factories.staff(db, "administrator")
    login(client, user.username, factories.PASSWORD)
    staff = client.get("/staff/guides/synonyms").text
    assert "Search synonyms" in staff and "Add a group" in staff
