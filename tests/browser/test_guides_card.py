"""The 个体经营知晓卡 as a newcomer meets it, in a real browser.

Someone prints the card from its page; the printed PDF is turned into an image, its Chinese read
back by OCR and its QR code decoded; a phone opens the decoded address, reads the guide of the
first matter, ticks materials (kept on the phone across a reload), searches 门头 and mt, and says
the guide helped. Nothing is arranged but the demo data.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.settings import get_settings
from minsheng.guides.models import Card, Feedback, Usage
from tests import pdftools
from tests.requests import load_demo

pytestmark = pytest.mark.browser
CARD = "个体经营知晓卡"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def first_matter(db: Session, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Every module's demo, the guides' matters and cards among them; the id and code of the
    card's first matter."""
    monkeypatch.setenv("MINSHENG_DEMO_GUIDES", "1")
    get_settings.cache_clear()
    load_demo(db)
    card = db.scalar(select(Card).where(Card.title == CARD))
    assert card is not None
    first = (card.items[0].matter.id, card.items[0].matter.code)
    db.rollback()  # no read transaction left open: SQLite would lock the server's writes out
    return first


def prints_the_card(page: Page, tmp_path: Path) -> tuple[str, Path]:
    """From the guides' home to the card's page, and its business-card PDF; returns the card's
    path and the PDF."""
    page.goto("/guides")
    page.get_by_role("link", name=re.compile(CARD)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CARD)
    card_path = urlsplit(page.url).path
    link = page.locator(f"a[href^='{card_path}.pdf']").first
    href = link.get_attribute("href")
    assert href
    response = page.context.request.get(href)
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    return card_path, pdftools.save(response.body(), tmp_path, "card.pdf")


def reads_the_printed_card(pdf: Path, card_path: str) -> str:
    """The printed card says what it is, in glyphs a person can read, and its QR code leads to
    the card's page; returns the decoded address."""
    assert CARD in pdftools.text_of(pdf)
    fonts = pdftools.fonts_of(pdf)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
    front, *_ = pdftools.pages_as_png(pdf, dpi=400)
    assert "知晓卡" in pdftools.ocr_text(front)
    codes = pdftools.qr_codes_in(front)
    assert codes == [f"{get_settings().base_url}{card_path}?s=qr"], codes
    return codes[0]


def ticks_materials(phone: Page) -> None:
    """Two materials ticked stay ticked when the page is opened again on the same phone."""
    boxes = phone.get_by_role("checkbox")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    phone.reload()
    expect(phone.get_by_role("checkbox").nth(0)).to_be_checked()
    expect(phone.get_by_role("checkbox").nth(1)).to_be_checked()


def searches(phone: Page, words: str) -> None:
    """The search box of the guides' home finds the shop-front sign approval."""
    phone.goto("/guides")
    box = phone.get_by_role("searchbox")
    box.fill(words)
    box.press("Enter")
    expect(phone).to_have_url(re.compile(r"/guides\?.*q="))
    expect(phone.locator("main")).to_contain_text("招牌")


def test_newcomer_prints_scans_reads_ticks_searches_and_rates(
    first_matter: tuple[int, str], page: Page, new_context, db: Session, tmp_path: Path
) -> None:
    matter_id, matter_code = first_matter
    card_path, pdf = prints_the_card(page, tmp_path)
    scanned = reads_the_printed_card(pdf, card_path)

    phone_context: BrowserContext = new_context(**PHONE)
    phone = phone_context.new_page()
    parts = urlsplit(scanned)
    phone.goto(f"{parts.path}?{parts.query}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(CARD)
    phone.locator(f"a[href^='/guides/{matter_code}']").first.click()
    expect(phone).to_have_url(re.compile(rf"/guides/{re.escape(matter_code)}"))
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    expect(phone.locator("a[href^='tel:']").first).to_be_visible()
    ticks_materials(phone)

    searches(phone, "门头")
    searches(phone, "mt")

    phone.locator("main a[href^='/guides/']").filter(has_text="招牌").first.click()
    phone.get_by_role("button", name="有帮助").click()
    expect(phone.locator("main")).to_contain_text("谢谢")

    db.expire_all()
    scans = db.scalar(select(func.sum(Usage.scans)).where(Usage.matter_id == matter_id))
    assert scans and scans >= 1
    assert db.scalar(select(func.count()).select_from(Feedback).where(Feedback.helpful)) >= 1
