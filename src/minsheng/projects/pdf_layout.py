"""Printed pages of the projects office: A4 with the margins of GB/T 9704 (党政机关公文格式),
text that flows onto the next page, tables that repeat their heading row, page numbers "— 1 —".

The circular (circular_pdf.py) and the monthly batch report (batch_report.py) are laid out with it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from minsheng.core import pdf

RED = (200, 22, 29)
BLACK = (0, 0, 0)
GREY = (90, 90, 90)
HEAD_FILL = (235, 235, 235)
# GB/T 9704-2012: top 37 mm, left 28 mm, text block 156 x 225 mm; landscape annexes use 20 mm.
MARGINS = {"P": (28.0, 37.0, 26.0, 35.0), "L": (20.0, 20.0, 20.0, 22.0)}
PADDING = 1.2  # mm inside table cells
LEADING = 1.5
BODY = 15.0  # points; close to the standard's 三号 (16 pt) while keeping lines of 28 characters
_HEADING_NUMERALS = "一二三四五六七八九十"


class Flow:
    """Writes down the page and starts a new page when the next line would not fit."""

    def __init__(self, doc: FPDF) -> None:
        self.doc = doc
        self.orientation = "P"
        self.y = 0.0

    @property
    def left(self) -> float:
        return MARGINS[self.orientation][0]

    @property
    def width(self) -> float:
        left, _, right, _ = MARGINS[self.orientation]
        return self.doc.w - left - right

    @property
    def bottom(self) -> float:
        return self.doc.h - MARGINS[self.orientation][3]

    def page(self, orientation: str = "P") -> None:
        self.orientation = orientation
        self.doc.add_page(orientation=orientation)
        self.y = MARGINS[orientation][1]

    def room(self) -> float:
        return self.bottom - self.y

    def gap(self, mm: float) -> None:
        self.y += mm

    def text(
        self,
        text: str,
        *,
        size: float = BODY,
        align: str = "L",
        indent: int = 0,
        bold: bool = False,
        color: tuple[int, int, int] = BLACK,
        leading: float = LEADING,
        x: float | None = None,
        width: float | None = None,
        balanced: bool = False,
    ) -> None:
        """One paragraph; `indent` characters before its first line (2 for body text); a
        `balanced` one (a title) has lines of even length rather than a short last line."""
        left = self.left if x is None else x
        width = self.width if width is None else width
        height = size * pdf.PT * leading
        style: dict[str, object] = {"font_size_pt": size, "text_color": color}
        if bold:  # one weight is embedded: bold is the outline stroked, as core.pdf does it
            style.update(text_mode="FILL_STROKE", line_width=size * 0.035, draw_color=color)
        with self.doc.local_context(**style):
            em = self.doc.get_string_width("中")
            # Wrapped with stand-in characters in the indent, so the first line is shorter.
            lines = pdf.wrap(self.doc, "中" * indent + text, width)
            if balanced and len(lines) > 1:
                lines = _balanced(self.doc, text, width, len(lines))
            for number, line in enumerate(lines):
                shift = 0.0
                if number == 0 and indent:
                    line, shift = line[indent:], em * indent
                if self.y + height > self.bottom:
                    self.page(self.orientation)
                self.doc.set_xy(left + shift, self.y)
                self.doc.cell(w=width - shift, h=height, text=line, align=align)
                self.y += height

    def body(self, text: str) -> None:
        """Body text as a circular is written: the salutation flush left, "一、" headings flush
        left and bold, every other paragraph indented two characters."""
        for number, paragraph in enumerate(p for p in text.splitlines() if p.strip()):
            paragraph = paragraph.strip()
            if number == 0 and paragraph.endswith("："):
                self.text(paragraph)
            elif paragraph[0] in _HEADING_NUMERALS and "、" in paragraph[:4]:
                self.text(paragraph, bold=True, indent=2)
            else:
                self.text(paragraph, indent=2)

    def rule(self, *, color: tuple[int, int, int] = RED, thickness: float = 0.6) -> None:
        with self.doc.local_context(draw_color=color, line_width=thickness):
            self.doc.line(self.left, self.y, self.left + self.width, self.y)

    def table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        size: float = 10.0,
        centred: Sequence[int] = (),
    ) -> None:
        """A bordered table across the text block; long cells wrap as body text does, long
        tables go on to the next page with the heading row again."""
        doc = self.doc
        scale = self.width / sum(widths)
        left, _, right, bottom = MARGINS[self.orientation]
        doc.set_margins(left, MARGINS[self.orientation][1], right)
        doc.set_auto_page_break(True, margin=bottom)
        doc.set_xy(left, self.y)
        aligns = ["C" if i in centred else "L" for i in range(len(headings))]
        columns = [w * scale for w in widths]
        with (
            doc.local_context(font_size_pt=size),
            doc.table(
                col_widths=columns,
                width=self.width,
                headings_style=FontFace(emphasis=None, fill_color=HEAD_FILL),
                wrapmode=WrapMode.CHAR,
                line_height=size * pdf.PT * 1.5,
                text_align="LEFT",
                padding=PADDING,
            ) as table,
        ):
            heading = table.row()
            for text in headings:
                heading.cell(text, align="C")
            inner = [c - 2 * PADDING - 0.3 for c in columns]
            for values in rows:
                row = table.row()
                for align, value, width in zip(aligns, values, inner, strict=True):
                    # Broken here rather than by fpdf2, so no line starts with "。" (禁则).
                    row.cell("\n".join(pdf.wrap(doc, value, width)), align=align)
        doc.set_auto_page_break(False)
        self.y = doc.get_y()

    def page_numbers(self) -> None:
        """ "— N —" at the foot of every page, drawn when the page count is known."""
        doc = self.doc
        doc.set_auto_page_break(False)
        for number in range(1, doc.pages_count + 1):
            doc.page = number
            with doc.local_context(font_size_pt=12, text_color=GREY):
                doc.set_xy(0, doc.h - 18)
                doc.cell(w=doc.w, h=6, text=f"— {number} —", align="C")


def _balanced(doc: FPDF, text: str, width: float, count: int) -> list[str]:
    """`text` in `count` lines of near equal length: the narrowest width that keeps `count`."""
    best = pdf.wrap(doc, text, width)
    trial = width
    while trial > width / count:
        trial -= 2.0
        lines = pdf.wrap(doc, text, trial)
        if len(lines) > count:
            break
        best = lines
    return best


# A circular or a month's report takes seconds to set (font subsetting, tables of 188 rows) and
# is the same for everyone until its data change: each process keeps the latest few.
_CACHE: OrderedDict[str, bytes] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()


def cached(inputs: object, render: Callable[[], bytes]) -> bytes:
    """The document for `inputs` (everything printed on it), rendered once per process."""
    key = hashlib.sha256(repr(inputs).encode()).hexdigest()
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    document = render()
    with _CACHE_LOCK:
        _CACHE[key] = document
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return document
