"""The license PDF read back as a person would: its text, the embedded font, the landscape page,
the QR code decoded from the rendered page and opened, OCR of the title, the demo watermark; and
who may download which license."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.core.settings import get_settings
from minsheng.licensing import license_pdf
from tests import factories, pdftools
from tests.conftest import login
from tests.licensing import office
from tests.licensing.test_issuing import NOODLES, SNACKS, complete, issued, prepare

MM = 72 / 25.4  # points per millimetre


@pytest.fixture
def demo(db, app):
    return prepare(db)


def flat(text: str) -> str:
    return "".join(text.split())


def page_size_mm(document) -> tuple[float, float]:
    size = pdftools.info_of(document)["Page size"].split()
    return round(float(size[0]) / MM), round(float(size[2]) / MM)


def test_the_original_reads_back_with_every_field_and_its_qr_opens_the_page(
    client, db, demo, tmp_path
):
    license, token = issued(db, demo)
    response = client.get(f"/licensing/status/{token}/license.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline;")
    assert unquote(disposition.split("''")[1]) == f"营业执照-{license.uscc}-正本.pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["server-timing"].startswith("pdf;dur=")
    document = pdftools.save(response.content, tmp_path, "original.pdf")

    assert page_size_mm(document) == (297, 210)
    fonts = pdftools.fonts_of(document)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert any("NotoSansSC" in f["name"] for f in fonts)
    text = flat(pdftools.text_of(document))
    assert "统一社会信用代码" in text and license.uscc in text
    assert "经营者" in text and "唐芳" in text and "经营范围" in text
    assert "个体工商户" in text and "个人经营" in text and "昆山市千灯镇阿唐面馆店" in text
    assert flat(SNACKS[1]) in text and flat(NOODLES[1]) in text
    assert f"{license.registered_on:%Y年%m月%d日}" in text
    assert "登记机关" in text and "副本" not in text
    assert license.operator_id_number not in text  # the ID number is not printed

    (page,) = pdftools.pages_as_png(document, dpi=200)
    (url,) = pdftools.qr_codes_in(page)
    base = get_settings().base_url.rstrip("/")
    assert url == f"{base}/licenses/verify/{license.verify_key}"
    opened = client.get(urlsplit(url).path)
    assert opened.status_code == 200 and license.uscc in opened.text
    assert "营业执照" in pdftools.ocr_text(page)


def test_the_copy_is_titled_so(client, db, demo, tmp_path):
    license, token = issued(db, demo)
    response = client.get(f"/licensing/status/{token}/license.pdf", params={"copy": 1})
    assert response.status_code == 200
    assert unquote(response.headers["content-disposition"].split("''")[1]).endswith("副本.pdf")
    document = pdftools.save(response.content, tmp_path, "copy.pdf")
    text = flat(pdftools.text_of(document))
    assert "（副本）" in text and license.uscc in text


def test_demo_licenses_carry_the_watermark_and_real_ones_do_not(client, db, demo, tmp_path):
    shown, _ = issued(db, demo)
    real, _ = issued(db, office(db, "test-qd-officer", backend="officer"), trade_name="小唐")
    assert shown.demo and not real.demo
    for license, expected in ((shown, True), (real, False)):
        for copy in (False, True):
            document = pdftools.save(
                license_pdf.render(license, copy=copy), tmp_path, f"{license.id}-{copy}.pdf"
            )
            text = flat(pdftools.text_of(document))
            # Rotated text comes out letter by letter, in no fixed order: check every letter.
            letters = set(flat(license_pdf.WATERMARK))
            assert letters <= set(text) if expected else not ({"演", "凭"} & set(text))


def test_a_business_without_a_name_prints_none(db, demo, tmp_path):
    license, _ = issued(db, demo, trade_name="")
    document = pdftools.save(license_pdf.render(license, copy=False), tmp_path)
    text = flat(pdftools.text_of(document))
    assert "（无）" in text and "面馆" not in text


def test_a_long_scope_is_printed_whole(db, demo, tmp_path):
    license, _ = issued(db, demo)
    license.scope_text = "；".join(f"第{n}项经营范围的规范表述" for n in range(1, 31))
    document = pdftools.save(license_pdf.render(license, copy=False), tmp_path)
    text = flat(pdftools.text_of(document))
    assert "第1项经营范围" in text and "第30项经营范围的规范表述" in text


def test_no_license_before_it_is_issued_and_bad_links_are_404(client, db, demo):
    app, token = complete(db, demo)
    db.commit()
    response = client.get(f"/licensing/status/{token}/license.pdf")
    assert response.status_code == 404 and "还没有发出营业执照" in response.text
    assert client.get("/licensing/status/not-a-token/license.pdf").status_code == 404
    assert client.get(f"/licensing/status/{token}/license.pdf?copy=2").status_code == 422


def test_staff_reprint_their_own_offices_licenses_only(client, db, demo):
    license, _ = issued(db, demo)  # 千灯镇's office, whose unit is the demo registrar's
    path = f"/staff/licensing/licenses/{license.uscc}.pdf"
    assert client.get(path, follow_redirects=False).status_code == 303  # sign in first
    login(client, "registrar", DEMO_PASSWORD)
    response = client.get(path, params={"copy": 1})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert client.get("/staff/licensing/licenses/92320583MA0000000X.pdf").status_code == 404
    client.cookies.clear()
    stranger = factories.staff(db, "registrar")  # a registrar of another unit
    login(client, stranger.username, factories.PASSWORD)
    assert client.get(path).status_code == 403
    client.cookies.clear()
    operator = factories.staff(db, "operator")
    login(client, operator.username, factories.PASSWORD)
    assert client.get(path).status_code == 403
