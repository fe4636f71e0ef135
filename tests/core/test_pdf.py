"""PDF helpers: the embedded Chinese font, line breaking, page sizes, QR codes that scan."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from PIL import Image

from minsheng.core import pdf
from tests.pdftools import fonts_of, info_of, pages_as_png, qr_codes_in, save, text_of

URL = "http://127.0.0.1:8000/b/K7QX3M"
# 𬌗 (U+2C317) lies outside the basic CJK block: names and places do use such characters.
RARE = "昆山市千灯镇歇马桥村 堃 喆 珺 𬌗"


def test_chinese_text_is_embedded_as_a_font_subset(tmp_path: Path) -> None:
    doc = pdf.new_document("A4", title="测试文档")
    doc.add_page()
    pdf.write_text(doc, "码上反映：" + RARE, x=15, y=20, width=180, size=16)
    data = pdf.to_bytes(doc)
    path = save(data, tmp_path)
    assert ("码上反映：" + RARE) in text_of(path).replace("\n", "")
    [font] = fonts_of(path)
    assert "NotoSansSC" in font["name"]
    assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes")
    # A subset, not the 8 MB font: the page stays small enough to mail.
    assert len(data) < 60_000
    info = info_of(path)
    assert info["Title"] == "测试文档" and info["Pages"] == "1"


def page_size_mm(path: Path) -> tuple[float, float]:
    width, _, height, _ = info_of(path)["Page size"].split(maxsplit=3)
    return float(width) / 72 * 25.4, float(height) / 72 * 25.4


@pytest.mark.parametrize(
    ("size", "millimetres"),
    [("A4", (210, 297)), ("A6", (105, 148)), ("card", (90, 54)), ((100.0, 70.0), (100, 70))],
)
def test_page_sizes(tmp_path: Path, size: str, millimetres: tuple[int, int]) -> None:
    doc = pdf.new_document(size)
    doc.add_page()
    pdf.write_text(doc, "名片", x=5, y=5, width=50, size=10)
    assert page_size_mm(save(pdf.to_bytes(doc), tmp_path)) == pytest.approx(millimetres, abs=0.01)


def test_qr_code_scans_at_poster_and_card_sizes(tmp_path: Path) -> None:
    doc = pdf.new_document("A4")
    doc.add_page()
    pdf.draw_qr(doc, URL, x=40, y=20, size=120)
    doc.add_page(format=pdf.PAGE_SIZES["card"])
    pdf.draw_qr(doc, URL + "?card=1", x=55, y=17, size=30)
    pages = pages_as_png(save(pdf.to_bytes(doc), tmp_path))
    assert [qr_codes_in(page) for page in pages] == [[URL], [URL + "?card=1"]]


def test_qr_code_is_vector_and_square(tmp_path: Path) -> None:
    doc = pdf.new_document("A6")
    doc.add_page()
    pdf.draw_qr(doc, URL, x=20, y=20, size=60)
    path = save(pdf.to_bytes(doc), tmp_path)
    # No image on the page: the modules are drawn, so they stay sharp at any printer resolution.
    assert b"/Subtype /Image" not in path.read_bytes()
    [page] = pages_as_png(path, dpi=100)
    image = Image.open(page).convert("L")
    box = Image.eval(image, lambda v: 255 - v).getbbox()
    assert box is not None
    left, top, right, bottom = box
    # The dark modules fill the 60 mm square but for a quiet zone of four modules all round.
    modules = len(segno.make_qr(URL, error="q").matrix)
    module = 60 / (modules + 2 * pdf.QUIET_ZONE)
    px = 100 / 25.4
    start, end = (20 + 4 * module) * px, (80 - 4 * module) * px
    for low, high in ((left, right), (top, bottom)):
        assert low == pytest.approx(start, abs=2) and high == pytest.approx(end, abs=2)


def test_qr_png_scans(tmp_path: Path) -> None:
    path = tmp_path / "code.png"
    path.write_bytes(pdf.qr_png(URL, scale=8))
    image = Image.open(path)
    assert image.format == "PNG" and image.width == image.height
    assert qr_codes_in(path) == [URL]


def test_wrap_keeps_closing_punctuation_off_the_start_of_a_line() -> None:
    doc = pdf.new_document("A4")
    doc.set_font(pdf.FONT, size=14)
    text = "用手机扫描二维码，填写您遇到的问题。我们会在规定时间内答复，请留意短信。" * 3
    for width in (40, 55, 61, 73, 90):
        lines = pdf.wrap(doc, text, width)
        assert "".join(lines) == text
        assert not any(line[0] in "，。、；：？！）" for line in lines)
        one_char = doc.get_string_width("中")
        assert all(doc.get_string_width(line) <= width + one_char for line in lines)


def test_wrap_moves_opening_brackets_to_the_next_line() -> None:
    doc = pdf.new_document("A4")
    doc.set_font(pdf.FONT, size=14)
    text = "请注意（此处为示例）以及《办事指南》" * 4
    for width in range(30, 80, 3):
        lines = pdf.wrap(doc, text, width)
        assert "".join(lines) == text
        assert not any(line[-1] in "（《" for line in lines)


def test_wrap_keeps_words_and_urls_whole_and_honours_newlines() -> None:
    doc = pdf.new_document("A4")
    doc.set_font(pdf.FONT, size=12)
    lines = pdf.wrap(doc, f"扫码或打开 {URL} 反映问题\n第二段", 80)
    assert any(URL in line for line in lines)
    assert lines[-1] == "第二段"
    long_url = URL + "/" + "x" * 120
    pieces = pdf.wrap(doc, long_url, 60)
    assert len(pieces) > 1 and "".join(pieces) == long_url
    assert all(doc.get_string_width(piece) <= 60 for piece in pieces)
    assert pdf.wrap(doc, "", 60) == [""]


def test_text_height_matches_what_is_written() -> None:
    doc = pdf.new_document("A4")
    doc.add_page()
    text = "群众的事无小事，件件有回音，事事有着落。" * 4
    height = pdf.text_height(doc, text, width=80, size=12)
    end = pdf.write_text(doc, text, x=10, y=30, width=80, size=12)
    assert end - 30 == pytest.approx(height)
    assert height > 2 * 12 * pdf.PT  # wrapped to several lines


def _ink(path: Path) -> int:
    [page] = pages_as_png(path, dpi=100)
    histogram = Image.open(page).convert("L").histogram()
    return sum(histogram[:128])


def test_bold_is_visibly_heavier(tmp_path: Path) -> None:
    counts = []
    for bold in (False, True):
        doc = pdf.new_document("A6")
        doc.add_page()
        pdf.write_text(doc, "码上反映", x=5, y=20, width=95, size=40, bold=bold)
        counts.append(_ink(save(pdf.to_bytes(doc), tmp_path, f"bold-{bold}.pdf")))
    regular, bold_ink = counts
    assert 1.2 * regular < bold_ink < 2.0 * regular
