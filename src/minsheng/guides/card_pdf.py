"""Printing knowledge cards: the business card (front and back), the A6 card of one or more pages,
and an A4 sheet of ten business cards with cut marks, its backs mirrored for duplex printing.

Everything printed comes in as a frozen CardPrint, so a rendered document is cached by it."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fpdf import FPDF

from minsheng.core import pdf
from minsheng.guides import cards, service
from minsheng.guides.card_layout import (
    A4_H,
    A4_W,
    A6_H,
    A6_W,
    BLACK,
    CARD_H,
    CARD_W,
    GREY,
    RED,
    SCAN_HINT,
    Block,
    CardPrint,
    block,
    counts,
    days,
    draw,
    draw_back,
    draw_front,
    lay_out_card,
)
from minsheng.guides.cards import Essentials
from minsheng.guides.models import Card, Matter

LAYOUTS = ("card", "a6", "sheet")
SHEET_COLUMNS, SHEET_ROWS = 2, 5


def card_print(card: Card) -> CardPrint:
    """What a card prints: its text and its matters still handled."""
    return CardPrint(
        code=card.code,
        title=card.title,
        audience=card.audience,
        intro=card.intro,
        hotline=card.hotline,
        issuer=card.issuer,
        url=cards.card_url(card),
        items=tuple(cards.printable(card)),
    )


def matter_print(matter: Matter) -> CardPrint:
    """One matter's own A6 card: its QR code opens the matter's page."""
    version = service.current_version(matter)
    assert version is not None, "only a published matter is printed"
    item = cards.essentials(matter, version)
    consult = [p["number"] for p in version.phones if p.get("kind") == "consult"]
    return CardPrint(
        code=matter.code,
        title=version.title,
        audience="",
        intro=version.summary,
        hotline=consult[0] if consult else "12345",
        issuer=matter.unit.name,
        url=item.url,
        items=(item,),
    )


@dataclass(frozen=True)
class Rendered:
    content: bytes
    pages: int
    overflow: str  # empty when everything fitted; else what was left off, for the staff page


def render_card(card: CardPrint) -> Rendered:
    """The business card: page 1 the front, page 2 the back."""
    doc = pdf.new_document("card", title=card.title, author=card.issuer)
    laid = lay_out_card(doc, card)
    doc.add_page()
    draw_front(doc, laid, x=0, y=0)
    doc.add_page()
    draw_back(doc, laid, x=0, y=0)
    return Rendered(pdf.to_bytes(doc), doc.pages_count, laid.overflow)


def render_sheet(card: CardPrint) -> Rendered:
    """Ten business cards on A4 with cut marks; page 2 holds the backs, columns swapped, so that
    printed double-sided (flip on the long edge) each back lies behind its front."""
    doc = pdf.new_document("A4", title=card.title, author=card.issuer)
    laid = lay_out_card(doc, card)
    left = (A4_W - SHEET_COLUMNS * CARD_W) / 2
    top = (A4_H - SHEET_ROWS * CARD_H) / 2
    # One pixel a module, so the printer scales it without blur (PDF images are not smoothed).
    qr_image = pdf.qr_png(card.url, scale=1)
    note = Block(("沿裁切线裁开；双面打印时选“长边翻转”",), 7.0, color=GREY)
    for side in ("front", "back"):
        doc.add_page()
        draw(doc, note, x=0, y=2.5, width=A4_W, align="C")
        for row in range(SHEET_ROWS):
            for column in range(SHEET_COLUMNS):
                y = top + row * CARD_H
                if side == "front":
                    draw_front(doc, laid, x=left + column * CARD_W, y=y, qr_image=qr_image)
                else:
                    mirrored = SHEET_COLUMNS - 1 - column
                    draw_back(doc, laid, x=left + mirrored * CARD_W, y=y)
        _cut_marks(doc, left, top)
    return Rendered(pdf.to_bytes(doc), doc.pages_count, laid.overflow)


def _cut_marks(doc: FPDF, left: float, top: float) -> None:
    """Short lines in the margin on every cutting line, clear of the cards (2 mm gap)."""
    right, bottom = left + SHEET_COLUMNS * CARD_W, top + SHEET_ROWS * CARD_H
    gap, length = 2.0, 4.0
    with doc.local_context(draw_color=BLACK, line_width=0.2):
        for column in range(SHEET_COLUMNS + 1):
            x = left + column * CARD_W
            doc.line(x, top - gap - length, x, top - gap)
            doc.line(x, bottom + gap, x, bottom + gap + length)
        for row in range(SHEET_ROWS + 1):
            y = top + row * CARD_H
            doc.line(left - gap - length, y, left - gap, y)
            doc.line(right + gap, y, right + gap + length, y)


# ---------------------------------------------------------------- A6


def _sections(
    item: Essentials, *, with_heading: bool, number: int
) -> list[tuple[str, float, bool]]:
    """(text, size, bold) paragraphs of one matter on the A6 card."""
    out: list[tuple[str, float, bool]] = []
    if with_heading:
        out.append((f"{number}. {item.title}", 10.5, True))
        if item.summary:
            out.append((item.summary, 7.5, False))
    if item.materials:
        out.append(("所需材料", 8.0, True))
        out += [(f"· {name}　{counts(o, c)}", 7.5, False) for name, o, c in item.materials]
    if item.steps:
        out.append(("办理流程", 8.0, True))
        out += [
            (f"{n}. {title}" + (f"：{text}" if text else ""), 7.5, False)
            for n, (title, text) in enumerate(item.steps, start=1)
        ]
    facts = [
        f"办理时限：{days(item)}" if days(item) else "",
        f"跑动次数：最多{item.visits}次" if item.visits else "不用跑，网上办",
        f"办理地点：{item.place}" + (f"（{item.hours}）" if item.hours else "")
        if item.place
        else "",
    ]
    out += [(f, 7.5, False) for f in facts if f]
    out += [(f"{label or '电话'}：{number}", 7.5, False) for label, number in item.phones]
    return out


def render_a6(card: CardPrint) -> Rendered:
    """The A6 card: a header with the QR code, then each matter's fuller essentials with its own
    QR code, on as many pages as it takes."""
    margin, qr, item_qr = 7.0, 26.0, 17.0
    width = A6_W - 2 * margin
    bottom = A6_H - margin - 5.0
    single = len(card.items) == 1
    doc = pdf.new_document("A6", title=card.title, author=card.issuer)
    doc.add_page()
    with doc.local_context(fill_color=RED):
        doc.rect(0, 0, A6_W, 4, style="F")
    pdf.draw_qr(doc, card.url, x=A6_W - margin - qr + 2, y=6, size=qr)
    head = width - qr - 1
    y = draw(
        doc, block(doc, card.title, head, 14.0, bold=True, color=RED), x=margin, y=8, width=head
    )
    for text in (card.audience, card.intro):
        if text:
            y = draw(doc, block(doc, text, head, 7.5, color=GREY), x=margin, y=y + 1, width=head)
    hint = Block((SCAN_HINT,), 6.0, color=GREY)
    draw(doc, hint, x=A6_W - margin - qr + 2, y=6 + qr - 2, width=qr, align="C")
    y = max(y, 6 + qr + 2) + 1
    for number, item in enumerate(card.items, start=1):
        paragraphs = _sections(item, with_heading=not single, number=number)
        if not single:
            if y + 12 > bottom:
                y = _next_page(doc, card, margin)
            pdf.draw_qr(doc, item.url, x=A6_W - margin - item_qr + 1.5, y=y - 1, size=item_qr)
            qr_bottom = y - 1 + item_qr
        else:
            qr_bottom = y
        for text, size, bold in paragraphs:
            narrow = width - item_qr - 1 if y < qr_bottom else width
            lines = block(doc, text, narrow, size, bold=bold, color=RED if size > 10 else BLACK)
            if y + lines.height > bottom:
                y = _next_page(doc, card, margin)
            y = draw(doc, lines, x=margin, y=y + (1.2 if bold else 0), width=narrow)
        y = max(y, qr_bottom) + 3
    _a6_footers(doc, card, margin)
    return Rendered(pdf.to_bytes(doc), doc.pages_count, "")


def _next_page(doc: FPDF, card: CardPrint, margin: float) -> float:
    doc.add_page()
    with doc.local_context(fill_color=RED):
        doc.rect(0, 0, A6_W, 4, style="F")
    title = Block((f"{card.title}（续）",), 8.0, color=GREY)
    return draw(doc, title, x=margin, y=6, width=A6_W - 2 * margin) + 2


def _a6_footers(doc: FPDF, card: CardPrint, margin: float) -> None:
    total = doc.pages_count
    foot = "　".join(x for x in (f"咨询热线 {card.hotline}", card.issuer) if x)
    for number in range(1, total + 1):
        doc.page = number
        text = foot + (f"　{number}/{total}" if total > 1 else "")
        line = block(doc, text, A6_W - 2 * margin, 6.5, color=GREY)
        draw(doc, line, x=margin, y=A6_H - margin - line.height, width=A6_W - 2 * margin)


RENDERERS: dict[str, Callable[[CardPrint], Rendered]] = {
    "card": render_card,
    "a6": render_a6,
    "sheet": render_sheet,
}

# Setting a card takes a few hundred milliseconds, most of it subsetting the font; it is the same
# for everyone until the card or one of its matters changes, so each process keeps the latest few.
_CACHE: OrderedDict[str, Rendered] = OrderedDict()
_CACHE_SIZE = 64
_LOCK = threading.Lock()


def render(card: CardPrint, layout: str, *, cache: bool = True) -> Rendered:
    """The card in a layout ("card", "a6" or "sheet"), from the cache when printed before."""
    if not cache:
        return RENDERERS[layout](card)
    key = hashlib.sha256(repr((layout, card)).encode()).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    done = RENDERERS[layout](card)
    with _LOCK:
        _CACHE[key] = done
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return done
