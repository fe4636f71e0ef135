"""Printed knowledge cards read back as a person would: the Chinese text, the embedded font, the
page size in millimetres, and the QR code decoded from the rendered page and opened."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from minsheng.guides import service
from minsheng.guides.models import Usage
from tests import factories, pdftools
from tests.conftest import csrf, login
from tests.guides import matter

BASE = "http://127.0.0.1:8000"
TITLES = {
    "KS-0001": "个体工商户设立登记",
    "KS-0002": "食品经营许可（小餐饮）",
    "KS-0003": "户外招牌设置审批",
}
MM = 72 / 25.4  # points per millimetre


def make_card(client, db, codes: str = "KS-0001 KS-0002 KS-0003", **changes: str) -> dict:
    made = {code: matter(db, code, title=title) for code, title in TITLES.items()}
    admin = factories.staff(db, "administrator")
    login(client, admin.username, factories.PASSWORD)
    values = {
        "code": "GTJY",
        "title": "个体经营知晓卡",
        "audience": "准备开店的个体经营者",
        "hotline": "12345",
        "issuer": "昆山市政务服务管理办公室",
        "matters": codes,
        "published": "1",
        "csrf_token": csrf(client),
    } | changes
    response = client.post("/staff/guides/cards/new", data=values, follow_redirects=False)
    assert response.status_code == 303, response.text
    client.cookies.clear()  # what follows is what anyone gets
    return made


def fetch(client, path: str, tmp_path, name: str):
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response, pdftools.save(response.content, tmp_path, name)


def page_size_mm(document) -> tuple[float, float]:
    size = pdftools.info_of(document)["Page size"].split()
    return round(float(size[0]) / MM, 1), round(float(size[2]) / MM, 1)


def flat(text: str) -> str:
    return "".join(text.split())


def test_the_business_card_prints_chinese_and_its_qr_opens_the_card_page(client, db, tmp_path):
    made = make_card(client, db)
    response, document = fetch(client, "/guides/cards/GTJY.pdf?layout=card", tmp_path, "card.pdf")
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''%E4%B8%AA%E4%BD%93" in disposition  # 个体经营知晓卡-名片.pdf
    assert unquote(disposition.split("''")[1]) == "个体经营知晓卡-名片.pdf"
    assert page_size_mm(document) == (90.0, 54.0)
    assert pdftools.info_of(document)["Pages"] == "2"
    fonts = pdftools.fonts_of(document)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert any("NotoSansSC" in f["name"] for f in fonts)
    front, back = (flat(p) for p in pdftools.text_of(document).split("\f")[:2])
    assert "个体经营知晓卡" in front and "咨询热线12345" in front
    assert all(title in front for title in TITLES.values())
    assert "经营者身份证（原件1份、复印件1份）" in back and "0512-57512345" in back
    assert "扫码看全文" not in front + back  # everything fitted

    pages = pdftools.pages_as_png(document, dpi=300)
    assert pdftools.qr_codes_in(pages[1]) == []
    (url,) = pdftools.qr_codes_in(pages[0])
    assert url == f"{BASE}/guides/cards/GTJY?s=qr"
    parts = urlsplit(url)
    opened = client.get(f"{parts.path}?{parts.query}")
    assert opened.status_code == 200 and "个体经营知晓卡" in opened.text
    db.expire_all()
    scans = {u.matter_id: u.scans for u in db.scalars(select(Usage))}
    assert scans == {m.id: 1 for m in made.values()}


def test_the_a6_card_holds_fuller_essentials_and_a_code_per_matter(client, db, tmp_path):
    make_card(client, db)
    _, document = fetch(client, "/guides/cards/GTJY.pdf?layout=a6", tmp_path, "a6.pdf")
    assert page_size_mm(document) == (105.0, 148.0)
    text = flat(pdftools.text_of(document))
    assert "所需材料" in text and "办理流程" in text and "1.申请：到窗口或网上提交材料" in text
    assert "办理地点：昆山市前进西路1801号政务服务中心一楼" in text
    found = set()
    for page in pdftools.pages_as_png(document, dpi=300):
        found |= set(pdftools.qr_codes_in(page))
    assert found == {f"{BASE}/guides/cards/GTJY?s=qr"} | {f"{BASE}/guides/{c}?s=qr" for c in TITLES}


def test_the_a4_sheet_has_ten_cards_and_their_backs_behind_them(client, db, tmp_path):
    make_card(client, db)
    _, document = fetch(client, "/guides/cards/GTJY.pdf?layout=sheet", tmp_path, "sheet.pdf")
    assert page_size_mm(document) == (210.0, 297.0)
    assert pdftools.info_of(document)["Pages"] == "2"
    fronts, backs = pdftools.text_of(document).split("\f")[:2]
    assert flat(fronts).count("个体经营知晓卡") == 10
    assert flat(backs).count("材料：经营者身份证") == 30  # three matters on each of ten backs
    front_page, _ = pdftools.pages_as_png(document, dpi=300)
    assert pdftools.qr_codes_in(front_page) == [f"{BASE}/guides/cards/GTJY?s=qr"] * 10


def test_a_card_that_does_not_fit_says_so_on_the_staff_page_and_the_card(client, db, tmp_path):
    long_materials = [
        {
            "name": f"第{n}份很长的申请材料名称，写明来源、份数和盖章要求",
            "originals": 1,
            "copies": 2,
        }
        for n in range(1, 9)
    ]
    for number in range(4, 7):
        matter(db, f"KS-000{number}", title=f"第{number}个事项", materials=long_materials)
    make_card(client, db, codes="KS-0001 KS-0002 KS-0003 KS-0004 KS-0005 KS-0006")
    admin = factories.staff(db, "administrator")
    login(client, admin.username, factories.PASSWORD)
    staff_page = client.get("/staff/guides/cards/GTJY")
    assert 'id="overflow"' in staff_page.text
    assert "名片背面放不下全部内容" in staff_page.text
    _, document = fetch(client, "/guides/cards/GTJY.pdf?layout=card", tmp_path, "full.pdf")
    back = flat(pdftools.text_of(document).split("\f")[1])
    assert back.endswith("内容未印全，扫码看全文")


def test_a_matter_has_its_qr_image_and_its_own_a6_card(client, db, tmp_path):
    made = {code: matter(db, code, title=title) for code, title in TITLES.items()}
    matter(db, "KS-0009", title="还在起草的事项", publish=False)
    service.withdraw(db, matter=made["KS-0003"], reason="已并入“一件事”办理")
    db.commit()
    image = client.get("/guides/KS-0001/qr.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    png = tmp_path / "qr.png"
    png.write_bytes(image.content)
    assert pdftools.qr_codes_in(png) == [f"{BASE}/guides/KS-0001?s=qr"]

    response, document = fetch(client, "/guides/KS-0001/card.pdf", tmp_path, "matter.pdf")
    assert unquote(response.headers["content-disposition"].split("''")[1]) == (
        "个体工商户设立登记-知晓卡.pdf"
    )
    assert page_size_mm(document) == (105.0, 148.0)
    text = flat(pdftools.text_of(document))
    assert "个体工商户设立登记" in text and "经营者身份证原件1份、复印件1份" in text
    (page, *_) = pdftools.pages_as_png(document, dpi=300)
    assert pdftools.qr_codes_in(page) == [f"{BASE}/guides/KS-0001?s=qr"]

    # A withdrawn matter keeps its QR code (old prints must still open), but is not printed anew.
    assert client.get("/guides/KS-0003/qr.png").status_code == 200
    stopped = client.get("/guides/KS-0003/card.pdf")
    assert stopped.status_code == 404 and "不再印制知晓卡" in stopped.text
    for path in ("/guides/KS-0009/qr.png", "/guides/KS-0009/card.pdf", "/guides/NOPE/qr.png"):
        assert client.get(path).status_code == 404, path


def test_the_printed_front_reads_in_chinese(client, db, tmp_path):
    """The glyphs are really drawn: OCR of the rendered front reads the title and the hotline."""
    make_card(client, db)
    _, document = fetch(client, "/guides/cards/GTJY.pdf?layout=card", tmp_path, "ocr.pdf")
    front = pdftools.pages_as_png(document, dpi=300)[0]
    seen = pdftools.ocr_text(front)
    assert "个体经营知晓卡" in seen and "咨询热线12345" in seen
    assert "1.个体工商户设立登记" in seen and "扫码看办事指南" in seen
