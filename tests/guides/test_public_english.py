"""Every text of the matter pages and the step-by-step bundles has an English translation, and the
pages render in English (the matter's own text stays as written)."""

from __future__ import annotations

import re
from pathlib import Path

from minsheng.guides import bundles, reading
from minsheng.guides.schemas import KINDS, PHONE_KINDS
from minsheng.web.i18n import translations
from tests.guides import matter
from tests.i18n_kit import chinese_outside_the_translator, code_texts, template_texts

PACKAGE = Path(reading.__file__).parent
GUIDES = PACKAGE.parents[0] / "web" / "templates" / "guides"
# The ask link is the feedback area's, translated in its own catalogue.
TEMPLATES = [
    p
    for p in (*(GUIDES / "public").glob("*.html"), *(GUIDES / "bundles").glob("*.html"))
    if p.name != "_ask_link.html"
]
MODULES = ("reading", "bundles", "pages_public", "pages_bundles")


def test_templates_hold_no_chinese_outside_the_translator():
    assert chinese_outside_the_translator(TEMPLATES) == []


def test_every_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts(TEMPLATES) | set(KINDS) | set(PHONE_KINDS.values())
    for name in MODULES:
        texts |= code_texts(PACKAGE / f"{name}.py")
    assert {"最多跑一次", "清空勾选", "此事项已停止办理", bundles.GONE} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert not missing, missing


def test_the_matter_page_renders_in_english(client, db):
    found = matter(db, "KS-0001")
    db.commit()
    client.cookies.set("minsheng_lang", "en")
    page = client.get(f"/guides/{found.code}")
    assert page.status_code == 200 and 'lang="en"' in page.text
    for words in ("What to bring", "At most one trip", "Clear ticks", "By law: 15 working days"):
        assert words in page.text, words
    assert "1 original(s) / 1 copy(ies)" in page.text
    assert re.search(r"Version 1, in force since \d{4}-\d{2}-\d{2}", page.text)
    gone = client.get("/guides/NO-SUCH")
    assert gone.status_code == 404 and "This service guide was not found" in gone.text


def test_the_step_by_step_page_renders_in_english(client, db):
    matter(db, "KS-0001")
    bundles.create_bundle(
        db,
        data=bundles.BundleIn(code="open-shop", title="开小店", steps=[{"matter_code": "KS-0001"}]),
    )
    db.commit()
    client.cookies.set("minsheng_lang", "en")
    page = client.get("/guides/steps/open-shop")
    assert page.status_code == 200
    assert "Step 1" in page.text and "Go through these 1 steps in order" in page.text
