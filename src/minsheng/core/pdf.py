"""PDF for printing: pages in millimetres, Chinese text in one embedded font, QR codes as vectors.

Posters, cards and licences are drawn with these helpers; each module keeps its own layouts.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pylopdf_fonts_zh_cn
import segno
from fpdf import FPDF
from fpdf.drawing import DeviceGray, PaintedPath
from fpdf.enums import PathPaintRule
from fpdf.fonts import TTFFont

from minsheng.core import pdf_fonts

# Noto Sans SC 2.004 (SIL OFL, 30 000+ characters incl. rare name characters) from a wheel, so
# `pip install` alone brings it: an npm font needs npm at setup, Debian's fonts-noto-cjk needs root.
# fpdf2 2.8 embeds its CFF outlines as a subset (CIDFontType0C): a poster is kilobytes, not 8 MB.
FONT = "sans"

PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A6": (105.0, 148.0),
    "card": (90.0, 54.0),  # the mainland business card
}
PT = 25.4 / 72  # millimetres per typographic point
QUIET_ZONE = 4  # modules of white around a QR code, as the standard asks

# No line starts with closing punctuation or ends with opening punctuation (禁则).
_NO_START = frozenset("，。、；：？！）》」』】〕〉”’…—·,.;:?!)]}%")
_NO_END = frozenset("（《「『【〔〈“‘([{")
# Latin words, numbers and URLs stay whole; any other character may break.
_PIECES = re.compile(r"[!-~]+|\s+|.")


def font_path() -> Path:
    """The font file every document embeds."""
    return Path(pylopdf_fonts_zh_cn.sans_path())


def new_document(
    page_size: str | tuple[float, float] = "A4", *, title: str = "", author: str = ""
) -> FPDF:
    """An empty document of that page size in millimetres, the Chinese font set, no auto breaks."""
    width, height = PAGE_SIZES[page_size] if isinstance(page_size, str) else page_size
    pdf = FPDF(orientation="portrait", unit="mm", format=(width, height))
    # add_font would parse the 8 MB font again for every document (~285 ms): copy a parsed one.
    pdf_fonts.attach(pdf, FONT, font_path())
    pdf.set_font(FONT, size=12)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_lang("zh-CN")
    pdf.set_creator("民生 Minsheng")
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    return pdf


def to_bytes(pdf: FPDF) -> bytes:
    """The finished document."""
    font = pdf.fonts.get(FONT)
    if isinstance(font, TTFFont):  # common characters only: subset the small base (~30 ms)
        pdf_fonts.prepare_output(font, font_path())
    return bytes(pdf.output())


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` in the current font (hanging punctuation
    may pass the edge by one character); a newline always starts a new line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in _PIECES.findall(paragraph):
            if not line and piece.isspace():
                continue
            if pdf.get_string_width(line + piece) <= width:
                line += piece
            elif piece.isspace():
                lines.append(line.rstrip())
                line = ""
            elif piece[0] in _NO_START and line:
                line += piece
            else:
                carry = ""
                if len(line) > 1 and line[-1] in _NO_END:
                    line, carry = line[:-1], line[-1]
                if line.strip():
                    lines.append(line.rstrip())
                line = carry + piece
                while len(line) > 1 and pdf.get_string_width(line) > width:
                    cut = _longest_fitting(pdf, line, width)
                    lines.append(line[:cut])
                    line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _longest_fitting(pdf: FPDF, text: str, width: float) -> int:
    cut = 1
    while cut < len(text) and pdf.get_string_width(text[: cut + 1]) <= width:
        cut += 1
    return cut


def text_height(pdf: FPDF, text: str, *, width: float, size: float, leading: float = 1.4) -> float:
    """How tall `write_text` would make `text`, in millimetres."""
    with pdf.local_context(font_size_pt=size):
        return len(wrap(pdf, text, width)) * size * PT * leading


def write_text(
    pdf: FPDF,
    text: str,
    *,
    x: float,
    y: float,
    width: float,
    size: float,
    align: str = "C",
    bold: bool = False,
    color: tuple[int, int, int] = (0, 0, 0),
    leading: float = 1.4,
) -> float:
    """Draws `text` wrapped to `width` from (x, y), size in points; returns the y below it."""
    line_height = size * PT * leading
    # One regular weight is embedded; bold is the same outline stroked in its own colour. fpdf2
    # 2.8 writes a text stroke's line_width as points, unscaled: 3.5 % of the size reads as bold.
    style: dict[str, object] = {"font_size_pt": size, "text_color": color}
    if bold:
        style.update(text_mode="FILL_STROKE", line_width=size * 0.035, draw_color=color)
    with pdf.local_context(**style):
        for line in wrap(pdf, text, width):
            pdf.set_xy(x, y)
            pdf.cell(w=width, h=line_height, text=line, align=align)
            y += line_height
    return y


def draw_qr(pdf: FPDF, data: str, *, x: float, y: float, size: float, error: str = "q") -> None:
    """A QR code for `data` drawn as one vector shape, `size` mm square including its quiet zone.

    Error level Q survives a quarter of the code dirty or torn, as on a poster outdoors."""
    matrix = segno.make_qr(data, error=error).matrix
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    with pdf.local_context(fill_color=(255, 255, 255)):
        pdf.rect(x, y, size, size, style="F")
    # One path, not a rectangle per module: viewers then show no hairline seams between modules.
    path = PaintedPath()
    path.style.paint_rule = PathPaintRule.AUTO  # as new_path() sets it
    path.style.fill_color = DeviceGray(0)
    path.style.stroke_color = None
    for row_number, row in enumerate(matrix):
        top = y + (row_number + QUIET_ZONE) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            left = x + (start + QUIET_ZONE) * module
            path.rectangle(left, top, (column - start) * module, module)
    # new_path() deep-copies the finished path (~25 ms a QR code, 5 on a card): ours is unshared.
    with pdf.drawing_context() as context:
        context.add_item(path, clone=False)


def qr_png(data: str, *, scale: int = 10, error: str = "q") -> bytes:
    """A QR code for `data` as a PNG with its quiet zone, `scale` pixels a module, for screens."""
    buffer = io.BytesIO()
    segno.make_qr(data, error=error).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()
