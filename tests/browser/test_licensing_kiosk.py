"""The business-license kiosk as a newcomer meets it, in a real browser.

At Qiandeng's kiosk (demo identity backend) a resident registers a noodle shop, one question per
screen: a wrong ID number and a name with 中国 are refused on their screens, the rest passes, the
rules approve at once and the license is issued. Its PDF is rendered to an image: the Chinese is
read back by OCR, the credit code validates with python-stdnum and with our GB 11714 check, and
the QR code leads to the public verification page, which says the license is valid.

At a window whose identity backend is the officer, the same path ends waiting for review; the
registrar signs in, sees the failed check highlighted, confirms the identity, and the license is
issued. Nothing is arranged but the demo data and that one window.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from minsheng.licensing import uscc
from minsheng.licensing.models import Application, ApplicationStatus, Office
from tests import pdftools
from tests.browser.test_request_loop import sign_in
from tests.licensing import last_code, office, valid_id
from tests.requests import load_demo

pytestmark = pytest.mark.browser
KIOSK = {"viewport": {"width": 1080, "height": 1600}, "has_touch": True}
WINDOW = "qd-window"


@pytest.fixture
def qiandeng(db: Session) -> str:
    """The demo's offices and scope catalogue, and a window of Qiandeng's registration office
    whose identity check is the officer; the code of Qiandeng's kiosk."""
    load_demo(db)
    office(db, WINDOW, backend="officer")
    kiosk = db.scalar(select(Office.code).where(Office.code == "qiandeng"))
    assert kiosk is not None
    db.commit()
    return kiosk


def next_screen(kiosk: Page) -> None:
    kiosk.get_by_role("button", name=re.compile("^(下一步|提交)$")).click()


def one_time_code(db: Session, phone: str) -> str:
    """The code from the SMS, as the applicant reads it on their phone."""
    code = last_code(db, phone)
    db.rollback()  # no read transaction left open: SQLite would lock the server's writes out
    return code


def registers_a_noodle_shop(kiosk: Page, db: Session, office_code: str, phone: str) -> None:
    """Every screen of the kiosk, with the refusals a newcomer may meet on the way."""
    kiosk.goto(f"/kiosk/{office_code}")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("个体工商户自助登记")
    kiosk.get_by_role("button", name="开始办理").click()
    expect(kiosk.locator("body")).to_contain_text("第 1 步")

    kiosk.get_by_label("请输入您的姓名").fill("唐阿英")
    next_screen(kiosk)
    number = valid_id("19850716", order="262")
    wrong_check = number[:17] + ("0" if number[17] != "0" else "1")
    kiosk.get_by_label("请输入您的身份证号码").fill(wrong_check)
    next_screen(kiosk)
    expect(kiosk.locator("main")).to_contain_text("校验码不对")
    kiosk.get_by_label("请输入您的身份证号码").fill(number)
    next_screen(kiosk)
    kiosk.get_by_label("请输入您的手机号码").fill(phone)
    next_screen(kiosk)
    kiosk.get_by_label("请输入短信验证码").fill(one_time_code(db, phone))
    next_screen(kiosk)

    expect(kiosk.get_by_role("heading", level=1)).to_contain_text("家庭经营")
    next_screen(kiosk)  # 个人经营, the default
    kiosk.get_by_label("字号").fill("中国")
    kiosk.get_by_label("行业表述").fill("面馆")
    kiosk.get_by_label("组织形式用字").fill("店")
    next_screen(kiosk)
    expect(kiosk.locator("main")).to_contain_text("中国")
    expect(kiosk.get_by_label("字号")).to_be_visible()  # still on the name screen
    kiosk.get_by_label("字号").fill("阿唐")
    next_screen(kiosk)

    communities = kiosk.get_by_label("社区或村")
    communities.select_option(index=1)
    kiosk.get_by_label("详细地址").fill("炎武路 88 号")
    next_screen(kiosk)
    kiosk.locator("input[name=scope_codes][value='CY-001']").check()  # 小餐饮, a permit item
    next_screen(kiosk)
    expect(kiosk.locator("main")).to_contain_text("自动检查结果")
    expect(kiosk.locator("main")).to_contain_text("昆山市千灯镇阿唐面馆店")
    next_screen(kiosk)


def prints_and_checks_the_license(kiosk: Page, office_code: str, tmp_path: Path) -> str:
    """The license's PDF as the kiosk prints it: Chinese read back, the code valid both ways,
    the QR code decoded; returns the verification page's path."""
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("营业执照已办好")
    code = kiosk.locator(".lc-code").inner_text().strip()
    assert stdnum_uscc.is_valid(code) and uscc.is_valid(code), code
    assert code.startswith("92320583")

    kiosk.get_by_role("link", name="打印营业执照").click()
    expect(kiosk.locator("#license-frame")).to_be_attached()
    response = kiosk.context.request.get(f"/kiosk/{office_code}/license.pdf")
    assert response.ok, response.status
    pdf = pdftools.save(response.body(), tmp_path, "license.pdf")
    text = pdftools.text_of(pdf)
    assert code in text and "阿唐面馆店" in text and "小餐饮" in text, text
    page, *_ = pdftools.pages_as_png(pdf, dpi=200)
    assert "营业执照" in pdftools.ocr_text(page)
    [scanned] = pdftools.qr_codes_in(page)
    path = urlsplit(scanned).path
    assert re.fullmatch(r"/licenses/verify/[\w-]+", path), scanned
    return path


def test_a_noodle_shop_registered_at_the_kiosk_gets_its_license_at_once(
    qiandeng: str, new_context, db: Session, tmp_path: Path
) -> None:
    kiosk_context: BrowserContext = new_context(**KIOSK)
    kiosk = kiosk_context.new_page()
    registers_a_noodle_shop(kiosk, db, qiandeng, "13912340001")
    verify_path = prints_and_checks_the_license(kiosk, qiandeng, tmp_path)
    # Headless Chromium has no print dialog and may drop the print page: the kiosk goes on in
    # a fresh tab of the same session.
    kiosk.close()
    kiosk = kiosk_context.new_page()

    phone = new_context(viewport={"width": 360, "height": 740}).new_page()
    phone.goto(verify_path)
    main = phone.locator("main")
    expect(main).to_contain_text("有效")
    expect(main).to_contain_text("阿唐面馆店")
    expect(main).not_to_contain_text(valid_id("19850716", order="262"))

    # 完成 forgets the kiosk session: the next person starts from the welcome screen.
    kiosk.goto(f"/kiosk/{qiandeng}/result")
    kiosk.get_by_role("button", name="完成").click()
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("个体工商户自助登记")


def test_a_case_needing_review_goes_through_the_registrars_desk(
    qiandeng: str, new_context, page: Page, db: Session
) -> None:
    kiosk = new_context(**KIOSK).new_page()
    registers_a_noodle_shop(kiosk, db, WINDOW, "13912340002")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("已提交")
    expect(kiosk.locator("main")).to_contain_text("由登记人员核验身份")
    number = db.scalar(
        select(Application.number).where(Application.status == ApplicationStatus.reviewing)
    )
    db.rollback()
    assert number

    sign_in(page, "registrar")
    page.goto("/staff/licensing")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.locator("main")).to_contain_text("须到窗口由登记人员核验身份")
    page.get_by_role("button", name="核验身份（已查验身份证原件）").click()
    expect(page.locator("main")).to_contain_text("已办结")
    expect(page.get_by_role("link", name="营业执照 PDF")).to_be_visible()

    issued = db.scalar(select(Application).where(Application.number == number))
    assert issued is not None and issued.status == ApplicationStatus.issued
    assert issued.license is not None and uscc.is_valid(issued.license.uscc)
    assert not issued.license.demo  # the officer saw the card: a real license, no 演示 mark
    db.rollback()
