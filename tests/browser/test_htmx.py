"""With JavaScript, htmx loads pages and forms in place; errors still show next to the field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from minsheng.web.templating import STATIC
from tests import factories
from tests.browser.test_sign_in import sign_in_staff

pytestmark = pytest.mark.browser


def test_htmx_is_vendored_for_the_browser_tests() -> None:
    # make test fetches it from npm; without it the next test would prove nothing.
    assert (STATIC / "vendor" / "htmx.min.js").exists()


def test_navigation_and_form_errors_without_full_reload(page: Page, db) -> None:
    admin = factories.staff(db, "administrator")
    sign_in_staff(page, admin.username)
    page.evaluate("window.__stillHere = true")  # lost if the browser reloaded the page

    page.get_by_role("navigation", name="工作台导航").get_by_role(
        "link", name="单位", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/staff/units$"))
    expect(page.get_by_role("heading", name="单位", level=1)).to_be_visible()
    page.get_by_role("link", name="新增单位").click()
    expect(page).to_have_url(re.compile(r"/staff/units/new$"))

    page.get_by_role("button", name="保存").click()  # empty name: the server answers 422
    expect(page.locator("#e-name")).to_have_text("至少 2 个字")
    assert page.evaluate("window.__stillHere") is True
