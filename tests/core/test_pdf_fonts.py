"""The font parsed once per process and subset from a small base: every document still embeds its
own correct subset, rare characters still render, threads do not mix their documents."""

from __future__ import annotations

import re
import threading
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.cffLib import CFFFontSet
from fpdf import FPDF
from fpdf.fonts import TTFFont
from PIL import Image, ImageChops

from minsheng.core import pdf, pdf_fonts
from tests.pdftools import fonts_of, pages_as_png, save, text_of

FIRST = "春眠不觉晓，处处闻啼鸟。"
SECOND = "白日依山尽，黄河入海流。"
# 㵘 (U+3D58, CJK extension A) and 𬌗 (U+2C317, extension C) are outside GB 2312: name characters.
RARE = "姓名：㵘𬌗"
# fpdf2 writes the font program's dictionary as /Filter, /Length, /Length1, /Subtype, in that order.
_FONT_PROGRAM = re.compile(
    rb"/Length (\d+)\s*/Length1 \d+\s*/Subtype /CIDFontType0C\s*>>\s*stream\r?\n"
)


@pytest.fixture(scope="module", autouse=True)
def base_font() -> None:
    # Built once per machine (~15 s) and cached in the temp dir; tests need it there, not later.
    assert pdf_fonts.wait_for_base(pdf.font_path())


def card(text: str) -> bytes:
    doc = pdf.new_document("card")
    doc.add_page()
    pdf.write_text(doc, text, x=5, y=5, width=80, size=10)
    return pdf.to_bytes(doc)


def embedded_glyphs(data: bytes) -> set[str]:
    """The glyph names of the CFF font program embedded in the PDF."""
    [found] = _FONT_PROGRAM.finditer(data)
    stream = data[found.end() : found.end() + int(found.group(1))]
    fonts = CFFFontSet()
    fonts.decompile(BytesIO(zlib.decompress(stream)), None)
    return set(fonts[fonts.fontNames[0]].charset)


def glyphs_for(text: str) -> set[str]:
    cmap = pdf_fonts.template(pdf.font_path()).cmap
    return {cmap[ord(char)] for char in text if not char.isspace()}


def check(data: bytes, text: str, other: str, tmp_path: Path, name: str) -> None:
    path = save(data, tmp_path, name)
    assert text in text_of(path).replace("\n", "")
    assert not set(other) - set(text) & set(text_of(path))
    [font] = fonts_of(path)
    assert (font["type"], font["emb"], font["sub"], font["uni"]) == (
        "CID Type 0C",
        "yes",
        "yes",
        "yes",
    )
    glyphs = embedded_glyphs(data) - {".notdef"}
    assert glyphs_for(text) <= glyphs
    assert not glyphs & (glyphs_for(other) - glyphs_for(text))  # nothing left from the other


def test_documents_one_after_the_other_embed_their_own_subset(tmp_path: Path) -> None:
    first, second = card(FIRST), card(SECOND)
    check(first, FIRST, SECOND, tmp_path, "first.pdf")
    check(second, SECOND, FIRST, tmp_path, "second.pdf")


def test_documents_from_two_threads_at_once_do_not_mix(tmp_path: Path) -> None:
    results: dict[str, list[bytes]] = {FIRST: [], SECOND: []}
    start = threading.Barrier(2)

    def render(text: str) -> None:
        start.wait()
        for _ in range(4):
            results[text].append(card(text))

    threads = [threading.Thread(target=render, args=(text,)) for text in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for number, (text, other) in enumerate([(FIRST, SECOND), (SECOND, FIRST)]):
        assert len(results[text]) == 4
        for count, data in enumerate(results[text]):
            check(data, text, other, tmp_path, f"thread{number}-{count}.pdf")


def test_common_text_is_cut_from_the_base_and_looks_the_same(tmp_path: Path) -> None:
    documents: list[FPDF] = []

    def document() -> TTFFont:
        doc = pdf.new_document("card")
        doc.add_page()
        pdf.write_text(doc, "个体经营知晓卡 KS-GT-001 ①㎡", x=5, y=5, width=80, size=12)
        documents.append(doc)
        font = doc.fonts[pdf.FONT]
        assert isinstance(font, TTFFont)
        return font

    assert pdf_fonts.prepare_output(document(), pdf.font_path())
    from_base = bytes(documents[0].output())
    document()
    from_full = bytes(documents[1].output())  # what fpdf2 alone does: subset the 8 MB font
    assert len(from_base) < 20_000
    [base_png] = pages_as_png(save(from_base, tmp_path, "base.pdf"))
    [full_png] = pages_as_png(save(from_full, tmp_path, "full.pdf"))
    with Image.open(base_png) as base, Image.open(full_png) as full:
        assert ImageChops.difference(base.convert("L"), full.convert("L")).getbbox() is None
        assert base.convert("L").getextrema()[0] < 128  # and there is ink on it


def test_rare_characters_fall_back_to_the_full_font_and_render(tmp_path: Path) -> None:
    doc = pdf.new_document("card")
    doc.add_page()
    pdf.write_text(doc, RARE, x=5, y=5, width=80, size=24, align="L")
    font = doc.fonts[pdf.FONT]
    assert isinstance(font, TTFFont) and not font.missing_glyphs
    assert not pdf_fonts.prepare_output(font, pdf.font_path())
    with doc.local_context(font_size_pt=24):
        left = 5 + doc.get_string_width("姓名：")
        step = doc.get_string_width("㵘")
    data = pdf.to_bytes(doc)
    path = save(data, tmp_path)
    assert RARE in text_of(path).replace("\n", "")
    assert glyphs_for(RARE) <= embedded_glyphs(data)
    [page] = pages_as_png(path, dpi=150)
    with Image.open(page) as image:
        pixels = image.convert("L")
        boxes = []
        for number in range(2):  # each rare character as drawn: many strokes, not an empty box
            x = round((left + number * step) / 25.4 * 150)
            boxes.append(pixels.crop((x, 0, x + round(step / 25.4 * 150), pixels.height // 2)))
        assert all(sum(box.histogram()[:128]) > 300 for box in boxes)  # ~800 drawn, 0 missing
        assert ImageChops.difference(*boxes).getbbox() is not None


def test_the_font_is_parsed_once_per_process() -> None:
    path = pdf.font_path()
    before = pdf_fonts.template_builds()
    documents = [pdf.new_document("A6") for _ in range(3)]
    threads = [threading.Thread(target=pdf.new_document) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pdf_fonts.template_builds() == before == 1
    shared = pdf_fonts.template(path)
    fonts = [doc.fonts[pdf.FONT] for doc in documents]
    assert all(isinstance(font, TTFFont) and font.cmap is shared.cmap for font in fonts)
    # What output changes is each document's own: its subset, its TTFont, its descriptor.
    assert len({id(font.subset) for font in fonts}) == 3  # type: ignore[union-attr]
    assert len({id(font.ttfont) for font in fonts}) == 3  # type: ignore[union-attr]
    assert len({id(font.desc) for font in fonts} | {id(shared.desc)}) == 4  # type: ignore[union-attr]


def test_the_base_is_cached_beside_the_font_version() -> None:
    cached = pdf_fonts.cache_file(pdf.font_path())
    assert cached.is_file() and pdf_fonts.RECIPE in cached.name
    assert 500_000 < cached.stat().st_size < pdf.font_path().stat().st_size / 2
