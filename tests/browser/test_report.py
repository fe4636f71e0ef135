"""A resident reports a problem from a cheap phone and follows it, with and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from minsheng.core.db import Database
from minsheng.core.modules import load_modules
from minsheng.requests.models import CitizenRequest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
TITLE = "长泾社区东门路灯坏了一个月"


@pytest.fixture
def demo(db) -> None:
    for m in sorted((m for m in load_modules() if m.demo), key=lambda m: m.demo_order):
        assert m.demo is not None
        m.demo(db, lambda s: None)
    db.commit()


def fill_report(page: Page) -> None:
    page.get_by_label("问题类别").select_option(label="路灯不亮")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("详细情况").fill("东门外三盏路灯都不亮，晚上很黑，老人出门怕摔跤。")
    page.get_by_label("所在区镇").select_option(label="周市镇")
    page.get_by_label("社区或村").select_option(label="长泾社区")
    page.get_by_label("详细地址").fill("长泾路 88 号东门")
    page.get_by_label("怎么称呼您").fill("王女士")
    page.get_by_label("手机号码").fill("138 1234 5678")
    page.get_by_label("为我保密身份").check()


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px wide"


def tracking_number(database: Database) -> str:
    with database.session() as s:
        return s.scalars(select(CitizenRequest.tracking_number)).one()


def test_resident_reports_from_a_phone_and_follows_the_secret_link(
    page: Page, database: Database, demo: None
) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("link", name=re.compile("^反映问题")).click()
    expect(page.get_by_role("heading", name="反映问题", level=1)).to_be_visible()
    fits_the_screen(page)
    submit = page.get_by_role("button", name="提交")
    box = submit.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 300, box  # one thumb can hit it
    fill_report(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-form-360.png"), full_page=True)
    submit.click()

    expect(page.get_by_role("heading", name="已收到您反映的问题", level=1)).to_be_visible()
    number = tracking_number(database)
    expect(page.locator(".tracking-number")).to_have_text(number)
    assert re.fullmatch(r"KS\d{8}-\d{4}", number)
    expect(page.get_by_text("接下来")).to_be_visible()
    fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "report-received-360.png"), full_page=True)

    page.locator("a.follow-link").click()
    expect(page).to_have_url(re.compile(r"/f/[A-Za-z0-9_-]+$"))
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("通过网上反映受理")).to_be_visible()
    fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "report-follow-360.png"), full_page=True)

    page.goto("/track")
    page.get_by_label("受理编号").fill(number.lower())
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    expect(page.get_by_text(TITLE)).to_have_count(0)  # the public sees the status, not the text
    fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "report-track-360.png"), full_page=True)


def test_without_javascript_errors_show_beside_fields_then_the_report_goes_in(
    new_context: Callable[..., BrowserContext], database: Database, demo: None
) -> None:
    page = new_context(java_script_enabled=False, viewport=PHONE).new_page()
    page.goto("/report")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#e-category")).to_have_text("请选择问题类别")
    expect(page.locator("#e-title")).to_have_text("请填写标题")
    expect(page.get_by_label("标题")).to_have_attribute("aria-invalid", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-errors-360.png"))
    page.get_by_role("link", name="请选择所在的区镇").click()
    expect(page.get_by_label("所在区镇")).to_be_focused()

    fill_report(page)
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".tracking-number")).to_have_text(tracking_number(database))
