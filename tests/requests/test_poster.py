"""The QR suggestion box poster, read back as printed: its text, its font, its code scanned."""

from __future__ import annotations

import re
from pathlib import Path

from minsheng.requests.poster import render_box_poster
from tests.pdftools import fonts_of, info_of, pages_as_png, qr_codes_in, run, save, text_of

URL = "http://127.0.0.1:8000/b/K7QX3M"
INSTRUCTIONS = [
    "用手机扫描下面的二维码",
    "写下您遇到的问题，可以附上照片",
    "凭短信里的编号随时查看办理进度",
]
PLACE = ["亭林园东门意见箱", "昆山市玉山镇亭林路 1 号亭林园东门", "玉山镇 · 亭林社区"]
FOOTER = "昆山市12345政务服务便民热线 · 紧急情况请拨打 110、119、120"


def poster(tmp_path: Path, **overrides: object) -> Path:
    fields: dict[str, object] = {
        "title": "码上反映",
        "instructions": INSTRUCTIONS,
        "url": URL,
        "place_lines": PLACE,
        "footer": FOOTER,
    }
    return save(render_box_poster(**fields | overrides), tmp_path, "poster.pdf")  # type: ignore[arg-type]


def flat(text: str) -> str:
    """The extracted text without line breaks, for phrases that wrapped."""
    return re.sub(r"\s*\n\s*", "", text)


def word_boxes(path: Path) -> tuple[tuple[float, float], list[tuple[float, ...]]]:
    """The page size and every word's box (x0, y0, x1, y1) in points, as pdftotext finds them."""
    html = run("pdftotext", "-bbox", path, "-")
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    assert page
    boxes = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    assert boxes
    return (float(page[1]), float(page[2])), [tuple(map(float, box)) for box in boxes]


def assert_laid_out_cleanly(path: Path) -> None:
    """Every word on the page, and no two words on top of each other (the boxes are the font's
    full height, so lines set close may touch a little)."""
    (width, height), boxes = word_boxes(path)
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            shorter = min(a[3] - a[1], b[3] - b[1])
            assert overlap_x <= 0.5 or overlap_y <= 0.25 * shorter, (a, b)


def test_poster_text_is_real_chinese_text(tmp_path: Path) -> None:
    text = text_of(poster(tmp_path))
    assert "码上反映" in text
    for line in INSTRUCTIONS + PLACE + [FOOTER, URL]:
        assert line in text, line
    # Steps are numbered, in order.
    assert text.index("① " + INSTRUCTIONS[0]) < text.index("② ") < text.index("③ ")


def test_poster_embeds_its_font(tmp_path: Path) -> None:
    path = poster(tmp_path)
    fonts = fonts_of(path)
    assert fonts and all(font["emb"] == "yes" and font["sub"] == "yes" for font in fonts)
    assert any("NotoSansSC" in font["name"] for font in fonts)


def test_poster_is_one_a4_page(tmp_path: Path) -> None:
    path = poster(tmp_path)
    assert_laid_out_cleanly(path)
    info = info_of(path)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith("595.2") and "841.89" in info["Page size"]
    assert info["Title"] == "码上反映 · 亭林园东门意见箱"


def test_poster_qr_code_scans_to_the_url(tmp_path: Path) -> None:
    [page] = pages_as_png(poster(tmp_path), dpi=150)
    assert qr_codes_in(page) == [URL]


def test_long_texts_still_fit_on_one_page_and_scan(tmp_path: Path) -> None:
    long_url = URL + "?source=poster&campaign=" + "2026" * 10
    path = poster(
        tmp_path,
        title="码上反映 · 我为群众办实事 · 民生诉求直通车",
        instructions=[step + "，" + step for step in INSTRUCTIONS] * 2,
        url=long_url,
        place_lines=[
            "千灯镇歇马桥村党群服务中心门口的民生意见箱（靠近公交站）",
            "昆山市千灯镇歇马桥村石浦路与少卿路交叉口向东二百米党群服务中心一楼大厅入口",
            "千灯镇 · 歇马桥村",
        ],
        footer=FOOTER + "；" + FOOTER,
    )
    assert info_of(path)["Pages"] == "1"
    assert_laid_out_cleanly(path)
    text = flat(text_of(path))
    assert "民生诉求直通车" in text and "靠近公交站" in text and "一楼大厅入口" in text
    assert "⑥ " in text
    [page] = pages_as_png(path, dpi=150)
    assert qr_codes_in(page) == [long_url]


def test_single_instruction_is_not_numbered_and_place_may_be_short(tmp_path: Path) -> None:
    path = poster(tmp_path, instructions=["扫码反映问题"], place_lines=["周市镇长泾社区"])
    text = text_of(path)
    assert "扫码反映问题" in text and "①" not in text
    assert "周市镇长泾社区" in text
    [page] = pages_as_png(path, dpi=150)
    assert qr_codes_in(page) == [URL]
