"""Knowledge cards on the pages: staff make, check, edit and delete a card; bad choices of matters
are refused with the reason; the card's mobile page lists each matter's essentials, counts scans
and hides unpublished cards; only those who manage guides may touch cards."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from minsheng.guides import service
from minsheng.guides.models import Card, CardItem, Matter, Usage
from minsheng.web.templating import environment
from tests import factories
from tests.conftest import csrf, login
from tests.guides import matter

TITLES = {
    "KS-0001": "个体工商户设立登记",
    "KS-0002": "食品经营许可（小餐饮）",
    "KS-0003": "户外招牌设置审批",
}


def field_error(page: str, field: str) -> str | None:
    found = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def arrange(db):
    """Three published matters and a signed-in administrator."""
    made = {code: matter(db, code, title=title) for code, title in TITLES.items()}
    admin = factories.staff(db, "administrator")
    return made, admin


def form(client, matters: str, **changes: str) -> dict[str, str]:
    values = {
        "code": "GTJY",
        "title": "个体经营知晓卡",
        "audience": "准备开店的个体经营者",
        "intro": "开店要办的几件事，一张卡讲清。",
        "hotline": "12345",
        "issuer": "昆山市政务服务管理办公室",
        "matters": matters,
        "published": "1",
        "csrf_token": csrf(client),
    }
    return values | changes


def test_staff_make_a_card_and_its_page_lists_the_matters_in_order(client, db):
    _, admin = arrange(db)
    login(client, admin.username, factories.PASSWORD)
    assert client.get("/staff/guides/cards/new").status_code == 200
    created = client.post(
        "/staff/guides/cards/new",
        data=form(client, "KS-0003\nKS-0001，KS-0002"),
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/staff/guides/cards/GTJY?saved=1"
    staff_page = client.get(created.headers["location"])
    assert "已保存" in staff_page.text and 'id="overflow"' not in staff_page.text
    for layout in ("card", "a6", "sheet"):
        assert f'href="/guides/cards/GTJY.pdf?layout={layout}"' in staff_page.text
    assert "http://127.0.0.1:8000/guides/cards/GTJY?s=qr" in staff_page.text

    page = client.get("/guides/cards/GTJY")
    assert page.status_code == 200
    text = page.text
    positions = [text.index(TITLES[c]) for c in ("KS-0003", "KS-0001", "KS-0002")]
    assert positions == sorted(positions)
    assert 'href="tel:051257512345"' in text and 'href="tel:12345"' in text
    assert 'href="/guides/KS-0001"' in text
    assert "经营者身份证 · 原件 1 份 · 复印件 1 份" in text
    assert "经营场所使用证明 · 原件 1 份" in text and "即办" in text
    assert 'href="/guides/cards/GTJY.pdf?layout=card"' in text
    listing = client.get("/staff/guides/cards")
    assert 'href="/staff/guides/cards/GTJY"' in listing.text


def test_the_card_form_refuses_bad_matters_with_the_reason(client, db):
    made, admin = arrange(db)
    matter(db, "KS-0009", title="还在起草的事项", publish=False)
    service.withdraw(db, matter=made["KS-0002"], reason="已并入“一件事”办理")
    for number in range(4, 9):
        matter(db, f"KS-000{number}", title=f"第{number}个事项")
    db.commit()
    login(client, admin.username, factories.PASSWORD)

    def refused(matters: str, **changes: str) -> str:
        response = client.post("/staff/guides/cards/new", data=form(client, matters, **changes))
        assert response.status_code == 422, response.text
        return response.text

    page = refused("KS-0001\nKS-404\nKS-0009\nKS-0002")
    assert field_error(page, "matters") == (
        "没有这些事项编码：KS-404；“还在起草的事项”（KS-0009）还是草稿，发布后才能放上知晓卡；"
        "“食品经营许可（小餐饮）”（KS-0002）已停止办理（已并入“一件事”办理），不能放上知晓卡"
    )
    assert "KS-0001\nKS-404" in page  # what was typed comes back
    assert field_error(refused(""), "matters") == "请至少选择一个事项"
    seven = "KS-0001 KS-0003 KS-0004 KS-0005 KS-0006 KS-0007 KS-0008"
    assert field_error(refused(seven), "matters") == (
        "名片大小的知晓卡最多放 6 个事项，现在选了 7 个，请删去 1 个"
    )
    bad = refused("KS-0001", code="个体", title="", hotline="打电话")
    assert field_error(bad, "code") == "知晓卡编码只能用字母、数字和短横线，2 到 40 位"
    assert field_error(bad, "title") == "请填写标题"
    assert field_error(bad, "hotline") == "咨询热线不是电话号码，请写成 12345 或 0512-57512345 这样"
    db.expire_all()
    assert db.scalars(select(Card)).all() == [] and db.scalars(select(CardItem)).all() == []
    db.rollback()  # SQLite: the reading transaction would hold the write lock the app needs

    ok = client.post("/staff/guides/cards/new", data=form(client, "KS-0001"))
    assert ok.status_code == 200  # followed to the card's staff page
    again = refused("KS-0003")
    assert field_error(again, "code") == "知晓卡编码 GTJY 已经有了，请换一个"


def test_staff_edit_the_matters_order_and_delete_the_card(client, db):
    _, admin = arrange(db)
    login(client, admin.username, factories.PASSWORD)
    client.post("/staff/guides/cards/new", data=form(client, "KS-0001 KS-0002"))
    edit = client.get("/staff/guides/cards/GTJY/edit")
    assert "KS-0001\nKS-0002" in edit.text and 'name="code"' not in edit.text
    saved = client.post(
        "/staff/guides/cards/GTJY/edit",
        data=form(client, "KS-0003\nKS-0001", code="OTHER", title="开店知晓卡"),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    db.expire_all()
    card = db.scalar(select(Card).where(Card.code == "GTJY"))
    assert card is not None and card.title == "开店知晓卡"
    assert [(i.position, i.matter.code) for i in card.items] == [(1, "KS-0003"), (2, "KS-0001")]
    db.rollback()
    refused = client.post("/staff/guides/cards/GTJY/edit", data=form(client, ""))
    assert refused.status_code == 422 and field_error(refused.text, "matters")
    db.expire_all()
    assert len(db.scalar(select(Card)).items) == 2  # nothing half-written
    db.rollback()

    gone = client.post(
        "/staff/guides/cards/GTJY/delete", data={"csrf_token": csrf(client)}, follow_redirects=False
    )
    assert gone.headers["location"] == "/staff/guides/cards?deleted=1"
    assert client.get("/guides/cards/GTJY").status_code == 404
    db.expire_all()
    assert db.scalars(select(CardItem)).all() == []
    assert len(db.scalars(select(Matter)).all()) == 3  # the matters stay


def test_a_scan_counts_on_every_matter_of_the_card(client, db):
    made, admin = arrange(db)
    login(client, admin.username, factories.PASSWORD)
    client.post("/staff/guides/cards/new", data=form(client, "KS-0001 KS-0002"))
    client.get("/guides/cards/GTJY")  # read without scanning: no scan
    assert client.get("/guides/cards/GTJY?s=qr").status_code == 200
    client.get("/guides/cards/GTJY?s=qr")
    db.expire_all()
    scans = {u.matter_id: u.scans for u in db.scalars(select(Usage))}
    assert scans == {made["KS-0001"].id: 2, made["KS-0002"].id: 2}


def test_unknown_and_unpublished_cards_are_not_found(client, db):
    _, admin = arrange(db)
    login(client, admin.username, factories.PASSWORD)
    client.post("/staff/guides/cards/new", data=form(client, "KS-0001", published=""))
    # Staff who manage cards check the print before publishing; the public sees nothing.
    preview = client.get("/guides/cards/GTJY.pdf")
    assert preview.status_code == 200 and preview.headers["cache-control"] == "private, no-store"
    client.cookies.clear()
    for path in ("/guides/cards/GTJY", "/guides/cards/NOPE", "/guides/cards/GTJY.pdf"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "没有找到这张知晓卡" in page.text
    bad = client.get("/guides/cards/NOPE.pdf?layout=poster")
    assert bad.status_code == 422 and "没有这种版式" in bad.text


def test_a_withdrawn_matter_stays_on_the_page_with_its_reason(client, db):
    made, admin = arrange(db)
    login(client, admin.username, factories.PASSWORD)
    client.post("/staff/guides/cards/new", data=form(client, "KS-0001 KS-0002"))
    service.withdraw(db, matter=made["KS-0002"], reason="已并入“一件事”办理")
    db.commit()
    page = client.get("/guides/cards/GTJY?s=qr")
    assert page.status_code == 200 and "已停止办理：已并入“一件事”办理" in html.unescape(page.text)
    staff_page = client.get("/staff/guides/cards/GTJY")
    assert 'id="withdrawn"' in staff_page.text and "KS-0002" in staff_page.text


def test_a_handler_cannot_touch_cards(client, db):
    arrange(db)
    handler = factories.staff(db, "handler")
    login(client, handler.username, factories.PASSWORD)
    assert client.get("/staff/guides/cards").status_code == 403
    assert client.get("/staff/guides/cards/new").status_code == 403
    posted = client.post("/staff/guides/cards/new", data=form(client, "KS-0001"))
    assert posted.status_code == 403
    db.expire_all()
    assert db.scalars(select(Card)).all() == []


def test_the_card_form_needs_its_csrf_token(client, db):
    _, admin = arrange(db)
    login(client, admin.username, factories.PASSWORD)
    data = form(client, "KS-0001")
    del data["csrf_token"]
    assert client.post("/staff/guides/cards/new", data=data).status_code == 403
    assert db.scalars(select(Card)).all() == []


def test_the_qr_links_partial_offers_what_each_status_allows(db):
    made, _ = arrange(db)
    matter(db, "KS-0009", title="还在起草的事项", publish=False)
    service.withdraw(db, matter=made["KS-0002"], reason="已并入“一件事”办理")
    partial = environment("zh_Hans").get_template("guides/cards/_qr_links.html")
    published = partial.render(matter=made["KS-0001"])
    assert 'href="/guides/KS-0001/qr.png"' in published
    assert 'href="/guides/KS-0001/card.pdf"' in published
    withdrawn = partial.render(matter=made["KS-0002"])  # old prints still scan; no new prints
    assert "qr.png" in withdrawn and "card.pdf" not in withdrawn
    draft = service.get_matter(db, code="KS-0009")
    assert "href" not in partial.render(matter=draft)
