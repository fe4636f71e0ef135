"""The matter page on a 360 px phone in a real Chromium: the checklist keeps its ticks across a
reload, "清空勾选" clears them for good, nothing scrolls sideways, and without JavaScript the boxes
still tick."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.guides import matter

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def arrange(db) -> None:
    matter(
        db,
        "KS-0001",
        materials=[
            {"name": "经营者身份证", "originals": 1, "copies": 1},
            {"name": "经营场所使用证明", "originals": 1, "note": "租房合同或房产证"},
            {"name": "委托书", "copies": 2, "originals": 0, "required": False},
        ],
    )
    db.commit()


def test_ticks_stay_on_the_phone_until_cleared(db, request):
    arrange(db)
    context = request.getfixturevalue("new_context")(**PHONE)
    phone = context.new_page()
    phone.goto("/guides/KS-0001")
    boxes = phone.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    phone.get_by_label("经营者身份证").check()
    phone.get_by_label("委托书").check()
    expect(phone.get_by_text("已备好 2 / 3 项")).to_be_visible()
    phone.reload()
    expect(phone.get_by_label("经营者身份证")).to_be_checked()
    expect(phone.get_by_label("经营场所使用证明")).not_to_be_checked()
    expect(phone.get_by_label("委托书")).to_be_checked()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="清空勾选").click()
    expect(phone.get_by_label("经营者身份证")).not_to_be_checked()
    expect(phone.get_by_text("已备好 0 / 3 项")).to_be_visible()
    phone.reload()
    expect(phone.get_by_label("委托书")).not_to_be_checked()
    expect(phone.get_by_role("link", name="0512-57512345")).to_have_attribute(
        "href", "tel:051257512345"
    )


def test_without_javascript_the_boxes_still_tick(db, request):
    arrange(db)
    context = request.getfixturevalue("new_context")(java_script_enabled=False, **PHONE)
    phone = context.new_page()
    phone.goto("/guides/KS-0001")
    phone.get_by_label("经营场所使用证明").check()
    expect(phone.get_by_label("经营场所使用证明")).to_be_checked()
    phone.get_by_role("button", name="清空勾选").click()
    expect(phone.get_by_label("经营场所使用证明")).not_to_be_checked()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
