"""The home page in a real browser: Chinese glyphs really drawn, keyboard access, large text."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def platform_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium actually used to draw the text of `selector`, with their glyph counts."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {f["familyName"]: f["glyphCount"] for f in fonts}


def test_home_page_draws_chinese_with_a_cjk_font(page: Page) -> None:
    page.goto("/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("有事找政府，说一声就办")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    # Without a CJK font every character would be a tofu box drawn from some other font.
    fonts = platform_fonts(page, "h1")
    cjk = {name: n for name, n in fonts.items() if "CJK" in name}
    assert sum(cjk.values()) == len("有事找政府，说一声就办"), fonts
    box = heading.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 10, box


def test_first_tab_focuses_the_skip_link(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(page.url.split("#")[0] + "#main")


def test_large_text_mode_makes_the_root_font_bigger(page: Page) -> None:
    page.goto("/")
    size = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    before = page.evaluate(size)
    page.get_by_role("link", name="大字模式").click()
    expect(page.get_by_role("link", name="标准字号")).to_be_visible()
    assert page.evaluate(size) > before * 1.2
