"""Step-by-step bundles (一件事): the service refuses bad codes, the public page numbers the steps
with each matter's essentials, and staff create and edit them through Chinese forms."""

from __future__ import annotations

import html
import re

import pytest

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.guides import bundles, service
from minsheng.guides.bundles import BundleIn
from minsheng.guides.models import Bundle
from tests import factories
from tests.conftest import csrf, login
from tests.guides import matter


def restaurant(db):
    """The three matters of opening a small restaurant, committed."""
    registration = matter(db, "KS-0001", summary="开店先办营业执照。")
    food = matter(db, "KS-0002", title="食品经营许可", legal_days=20, promised_days=10)
    sign = matter(db, "KS-0003", title="户外招牌设置", visits=0, legal_days=None, promised_days=0)
    db.commit()
    return registration, food, sign


def data(codes: list[str], **changes) -> BundleIn:
    steps = [{"matter_code": c} for c in codes]
    return BundleIn.model_validate(
        {"code": "open-restaurant", "title": "开小餐馆", "steps": steps} | changes
    )


def field_error(page: str, field: str) -> str | None:
    found = re.search(rf'<p class="error" id="e-{re.escape(field)}"[^>]*>([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def main_of(page: str) -> str:
    return html.unescape(page.split("<main", 1)[1].split("</main>", 1)[0])


def test_a_bundle_keeps_its_steps_in_order(db):
    restaurant(db)
    made = bundles.create_bundle(db, data=data(["KS-0001", "KS-0002", "KS-0003"]))
    db.commit()
    assert [s.matter.code for s in made.steps] == ["KS-0001", "KS-0002", "KS-0003"]
    assert [s.position for s in made.steps] == [1, 2, 3]
    bundles.update_bundle(db, bundle=made, data=data(["KS-0002", "KS-0001"], title="开饭店"))
    db.commit()
    db.expire_all()
    again = bundles.get_bundle(db, code="open-restaurant")
    assert again.title == "开饭店"
    assert [s.matter.code for s in again.steps] == ["KS-0002", "KS-0001"]


def test_bad_matter_codes_are_refused_and_nothing_is_written(db):
    restaurant(db)
    matter(db, "KS-0008", publish=False)
    gone = matter(db, "KS-0009")
    service.withdraw(db, matter=gone, reason="已取消")
    db.commit()
    with pytest.raises(InvalidInput) as refused:
        bundles.create_bundle(
            db, data=data(["KS-0001", "NO-SUCH", "KS-0008", "KS-0009", "KS-0001"])
        )
    assert refused.value.fields == {
        "step2_code": "第 2 步：没有编码为 NO-SUCH 的事项",
        "step3_code": "第 3 步：事项 KS-0008 还没有发布，发布后才能列入",
        "step4_code": "第 4 步：事项 KS-0009 已停止办理，请换成现在办理的事项",
        "step5_code": "第 5 步：事项 KS-0001 前面已经列入，不要重复",
    }
    with pytest.raises(InvalidInput) as empty:
        bundles.create_bundle(db, data=data([]))
    assert empty.value.fields == {"steps": "请至少填写一个步骤的事项编码"}
    db.rollback()
    assert db.query(Bundle).count() == 0


def test_the_public_page_numbers_the_steps_with_each_matters_essentials(client, db):
    registration, food, sign = restaurant(db)
    made = bundles.create_bundle(db, data=data(["KS-0001", "KS-0002", "KS-0003"]))
    made.steps[1].note = "拿到营业执照后再办"
    db.commit()
    page = client.get("/guides/steps/open-restaurant")
    assert page.status_code == 200
    text = main_of(page.text)
    assert "开小餐馆" in text and "共 3 步" in text
    first, second, third = (text.find(f"第 {n} 步") for n in (1, 2, 3))
    assert 0 <= first < second < third
    assert text.find("个体工商户设立登记") < second < text.find("食品经营许可") < third
    assert "开店先办营业执照。" in text[first:second]
    assert "拿到营业执照后再办" in text[second:third]
    assert "法定 20 个工作日" in text[second:third] and "承诺 10 个工作日" in text[second:third]
    assert "全程网办，不用跑" in text[third:] and "承诺即办（当场办结）" in text[third:]
    for code in ("KS-0001", "KS-0002", "KS-0003"):
        assert f'href="/guides/{code}"' in page.text
    assert "此事项已停止办理" not in text


def test_a_withdrawn_matter_in_a_bundle_carries_a_warning(client, db):
    registration, food, sign = restaurant(db)
    bundles.create_bundle(db, data=data(["KS-0001", "KS-0002"]))
    service.withdraw(db, matter=food, reason="改为告知承诺制")
    db.commit()
    text = main_of(client.get("/guides/steps/open-restaurant").text)
    warning = text.split("第 2 步", 1)[1]
    assert "注意：此事项已停止办理。" in warning and "改为告知承诺制" in warning
    assert "注意：此事项已停止办理。" not in text.split("第 2 步", 1)[0]


def test_an_unpublished_or_unknown_bundle_is_a_404_with_the_search_box(client, db):
    restaurant(db)
    bundles.create_bundle(db, data=data(["KS-0001"], published=False))
    db.commit()
    for path in ("/guides/steps/open-restaurant", "/guides/steps/nothing-here"):
        page = client.get(path)
        assert page.status_code == 404 and 'role="search"' in page.text
    with pytest.raises(NotFound):
        bundles.get_bundle(db, code="open-restaurant", public=True)


def admin(client, db):
    user = factories.staff(db, "administrator")
    login(client, user.username, factories.PASSWORD)


def post(client, path: str, fields: dict[str, str]):
    return client.post(path, data=fields | {"csrf_token": csrf(client)}, follow_redirects=False)


def test_staff_create_and_edit_a_bundle(client, db):
    restaurant(db)
    admin(client, db)
    form = client.get("/staff/guides/bundles/new")
    assert form.status_code == 200
    for name in ("code", "title", "summary", "step1_code", "step1_title", "step1_note"):
        assert f'<label for="f-{name}">' in form.text
    done = post(
        client,
        "/staff/guides/bundles/new",
        {
            "code": "open-restaurant",
            "title": "开小餐馆",
            "summary": "从营业执照到招牌",
            "published": "1",
            "step1_code": "KS-0001",
            "step2_code": "",
            "step3_code": "KS-0002",
            "step3_note": "拿到执照后再办",
        },
    )
    assert done.status_code == 303, done.text
    listing = client.get(done.headers["location"])
    assert "已保存：open-restaurant" in listing.text and "2 步" in listing.text
    edit = client.get("/staff/guides/bundles/open-restaurant/edit")
    assert 'value="KS-0002"' in edit.text and 'id="f-step2_code"' in edit.text
    assert 'value="拿到执照后再办"' in edit.text
    saved = post(
        client,
        "/staff/guides/bundles/open-restaurant/edit",
        {
            "title": "开小餐馆",
            "step1_code": "KS-0001",
            "step2_code": "KS-0002",
            "step3_code": "KS-0003",
            "step3_title": "门头招牌",
        },
    )
    assert saved.status_code == 303
    db.expire_all()
    bundle = bundles.get_bundle(db, code="open-restaurant")
    assert [s.matter.code for s in bundle.steps] == ["KS-0001", "KS-0002", "KS-0003"]
    assert bundle.steps[2].title == "门头招牌" and bundle.published is False
    db.rollback()


def test_staff_forms_say_what_is_wrong_next_to_the_field(client, db):
    restaurant(db)
    admin(client, db)
    refused = post(
        client,
        "/staff/guides/bundles/new",
        {
            "code": "开饭店!",
            "title": "",
            "step1_code": "KS-0001",
            "step2_code": "KS-0404",
            "step3_title": "没有写编码的一步",
        },
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "code") == "编码只能用字母、数字和短横线，2 到 40 位"
    assert field_error(refused.text, "title") == "请填写这一项"
    assert field_error(refused.text, "step3_code") == "第 3 步：请填写事项编码"
    assert 'value="没有写编码的一步"' in refused.text  # what was typed stays
    unknown = post(
        client,
        "/staff/guides/bundles/new",
        {"code": "open-restaurant", "title": "开小餐馆", "step1_code": "KS-0404"},
    )
    assert field_error(unknown.text, "step1_code") == "第 1 步：没有编码为 KS-0404 的事项"
    nothing = post(client, "/staff/guides/bundles/new", {"code": "ab", "title": "开小餐馆"})
    assert "请至少填写一个步骤的事项编码" in nothing.text
    assert db.query(Bundle).count() == 0
    db.rollback()


def test_only_managers_reach_the_staff_pages(client, db):
    assert client.get("/staff/guides/bundles", follow_redirects=False).status_code == 303
    handler = factories.staff(db, "handler")
    login(client, handler.username, factories.PASSWORD)
    assert client.get("/staff/guides/bundles").status_code == 403
    refused = post(client, "/staff/guides/bundles/new", {"code": "x1", "title": "开小餐馆"})
    assert refused.status_code == 403
