"""Signing in through a real browser: staff by password, residents by SMS code, and without JS."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from minsheng.core.db import Database
from minsheng.notify.models import OutboundMessage
from tests import factories

pytestmark = pytest.mark.browser

PHONE = "13812345678"


def sign_in_staff(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def sms_code(database: Database, phone: str) -> str:
    """The code in the latest SMS to `phone`, read in a short session of its own."""
    with database.session() as s:
        body = s.scalar(
            select(OutboundMessage.body)
            .where(OutboundMessage.recipient == phone)
            .order_by(OutboundMessage.id.desc())
            .limit(1)
        )
    assert body, f"no SMS was queued for {phone}"
    match = re.search(r"(?<!\d)\d{6}(?!\d)", body)
    assert match, body
    return match.group()


def test_staff_signs_in_sees_admin_navigation_and_signs_out(page: Page, db) -> None:
    admin = factories.staff(db, "administrator")
    sign_in_staff(page, admin.username)
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="工作台导航")
    for label in ("单位", "区划", "工作人员", "审计记录"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()

    page.get_by_role("button", name=re.compile("^退出")).click()
    expect(page).to_have_url(re.compile(r"/\?signed_out=1$"))
    expect(page.get_by_role("status")).to_contain_text("您已安全退出")
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/login"))


def test_resident_signs_in_with_sms_code_after_a_wrong_one(page: Page, database: Database) -> None:
    page.goto("/resident/login")
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("验证码已发送到 138****5678")).to_be_visible()
    code = sms_code(database, PHONE)

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("验证码").fill(wrong)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("验证码不正确")

    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_text("138****5678")).to_be_visible()
    expect(page.get_by_text(PHONE)).to_have_count(0)


def test_staff_can_sign_in_without_javascript(
    new_context: Callable[..., BrowserContext], db
) -> None:
    admin = factories.staff(db, "administrator")
    page = new_context(java_script_enabled=False).new_page()
    sign_in_staff(page, admin.username)
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="工作台导航")).to_contain_text("工作人员")
