"""How a knowledge card is laid out: text broken into lines once per size, then drawn wherever
the card is placed (alone, or ten times on a sheet); the business card's front and back.

A card that does not fit at the smallest legible size says what was left off."""

from __future__ import annotations

import io
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import TTFFont

from minsheng.core import pdf
from minsheng.guides.cards import Essentials

RED = (200, 22, 29)
BLACK = (0, 0, 0)
GREY = (90, 90, 90)
CARD_W, CARD_H = pdf.PAGE_SIZES["card"]
A6_W, A6_H = pdf.PAGE_SIZES["A6"]
A4_W, A4_H = pdf.PAGE_SIZES["A4"]
MARGIN = 3.5  # mm inside a business card: printers ask for 3 mm clear of the cut
BAND = 11.0  # the title's height on the front, under a red strip
STRIP = 2.0  # dark title on white below a thin strip: it copies and scans (OCR) as text
QR = 26.0  # front QR code, quiet zone included: 0.6 mm modules scan from a phone at arm's length
NAME_SIZES = (7.5, 7.0, 6.5, 6.0, 5.5)  # matters' names on the front
BACK_SIZES = (6.5, 6.0, 5.5, 5.0, 4.5)  # 4.5 pt is still legible in print; smaller is not
MORE = "内容未印全，扫码看全文"
SCAN_HINT = "扫码看办事指南"
SHORT_MATERIALS = 3  # a shortened back names the first three materials (required ones first)


@dataclass(frozen=True)
class CardPrint:
    """Everything a printed card shows."""

    code: str
    title: str
    audience: str
    intro: str
    hotline: str
    issuer: str
    url: str  # what the main QR code opens
    items: tuple[Essentials, ...]


@dataclass(frozen=True)
class Block:
    """Lines already broken for one size, drawn as they are wherever the card is placed."""

    lines: tuple[str, ...]
    size: float
    bold: bool = False
    color: tuple[int, int, int] = BLACK
    leading: float = 1.3

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * pdf.PT * self.leading


class Measure:
    """Text widths in mm straight from the font's width table. Wrapping measures every line once
    per character, and FPDF.get_string_width normalises the text on each call: 20 times slower."""

    def __init__(self, doc: FPDF, size: float) -> None:
        font = doc.fonts[pdf.FONT]
        assert isinstance(font, TTFFont), "core.pdf embeds one TrueType/OpenType font"
        self.widths = font.cw
        self.scale = size / 1000 * pdf.PT

    def get_string_width(self, text: str) -> float:
        widths = self.widths
        return sum(widths[ord(c)] for c in text) * self.scale


def block(doc: FPDF, text: str, width: float, size: float, **style: object) -> Block:
    """`text` broken into lines at `size` points, as core.pdf.wrap breaks them."""
    lines = tuple(pdf.wrap(Measure(doc, size), text, width))  # type: ignore[arg-type]
    return Block(lines, size, **style)  # type: ignore[arg-type]


def draw(doc: FPDF, item: Block, *, x: float, y: float, width: float, align: str = "L") -> float:
    """Draws the block's lines from (x, y); returns the y below them."""
    height = item.size * pdf.PT * item.leading
    style: dict[str, object] = {"font_size_pt": item.size, "text_color": item.color}
    if item.bold:  # the one embedded weight stroked, as core.pdf draws bold
        style.update(text_mode="FILL_STROKE", line_width=item.size * 0.035, draw_color=item.color)
    with doc.local_context(**style):
        for line in item.lines:
            doc.set_xy(x, y)
            doc.cell(w=width, h=height, text=line, align=align)
            y += height
    return y


def counts(originals: int, copies: int) -> str:
    parts = ([f"原件{originals}份"] if originals else []) + (
        [f"复印件{copies}份"] if copies else []
    )
    return "、".join(parts)


def days(item: Essentials) -> str:
    if item.promised_days is None:
        return ""
    return "即办" if item.promised_days == 0 else f"{item.promised_days}个工作日"


# ---------------------------------------------------------------- the business card


@dataclass(frozen=True)
class BusinessCard:
    """The front and back of one business card, laid out once, drawn once or ten times."""

    title: Block
    audience: Block | None
    names: tuple[Block, ...]
    hotline: Block
    issuer: Block | None
    back: tuple[Block, ...]
    url: str
    overflow: str


def _front_names(doc: FPDF, items: tuple[Essentials, ...], width: float, room: float) -> tuple:
    for size in NAME_SIZES:
        names = tuple(
            block(doc, f"{n}. {e.title}", width, size, leading=1.25)
            for n, e in enumerate(items, start=1)
        )
        if sum(b.height for b in names) + len(names) * 0.4 <= room:
            break
    return names


def _back_texts(item: Essentials, number: int, *, short: bool) -> list[tuple[str, bool]]:
    """(text, bold) lines of one matter; `short` names the first SHORT_MATERIALS materials and
    puts the steps and one phone number on one line, for a card whose full text does not fit."""
    texts = [(f"{number}. {item.title}", True)]
    steps = " → ".join(title for title, _ in item.steps)
    when = "，".join(x for x in (days(item), f"跑{item.visits}次" if item.visits else "") if x)
    steps = f"流程：{steps}" + (f"（{when}）" if when else "") if steps else ""
    if short:
        names = "、".join(name for name, _, _ in item.materials[:SHORT_MATERIALS])
        more = f"等{len(item.materials)}项" if len(item.materials) > SHORT_MATERIALS else ""
        phone = f"电话：{item.phones[0][1]}" if item.phones else ""
        if names:
            texts.append((f"材料：{names}{more}", False))
        if steps or phone:
            texts.append(("　".join(x for x in (steps, phone) if x), False))
        return texts
    materials = "；".join(
        f"{name}（{counts(o, c)}）" if counts(o, c) else name for name, o, c in item.materials
    )
    phones = "；".join(f"{label} {n}".strip() for label, n in item.phones[:2])
    texts += [(t, False) for t in (f"材料：{materials}" if materials else "", steps) if t]
    if phones:
        texts.append((f"电话：{phones}", False))
    return texts


def _fits(doc: FPDF, texts: list[tuple[str, bool]], size: float, room: float) -> tuple[Block, ...]:
    width = CARD_W - 2 * MARGIN
    blocks = tuple(block(doc, t, width, size + (0.5 if b else 0), bold=b) for t, b in texts)
    return blocks if sum(b.height for b in blocks) <= room else ()


def _back(doc: FPDF, items: tuple[Essentials, ...]) -> tuple[tuple[Block, ...], str]:
    """The back at the largest size that fits; else shortened with MORE; else cut off."""
    room = CARD_H - 2 * MARGIN
    full = [t for n, e in enumerate(items, start=1) for t in _back_texts(e, n, short=False)]
    for size in BACK_SIZES:
        if blocks := _fits(doc, full, size, room):
            return blocks, ""
    short = [t for n, e in enumerate(items, start=1) for t in _back_texts(e, n, short=True)]
    more = block(doc, MORE, CARD_W - 2 * MARGIN, BACK_SIZES[-1], bold=True, color=RED)
    for size in BACK_SIZES:
        if blocks := _fits(doc, short, size, room - more.height):
            note = f"名片背面放不下全部内容，只印了每个事项的主要材料和一个电话，卡上已印“{MORE}”"
            return (*blocks, more), note
    kept: list[Block] = []
    used = more.height
    cut = ""
    for text, bold in short:
        item = block(doc, text, CARD_W - 2 * MARGIN, size + (0.5 if bold else 0), bold=bold)
        if used + item.height > room:
            cut = text
            break
        kept.append(item)
        used += item.height
    return (*kept, more), f"名片背面放不下全部内容，从“{cut[:20]}”起没有印出，卡上已印“{MORE}”"


def lay_out_card(doc: FPDF, card: CardPrint) -> BusinessCard:
    width = CARD_W - 2 * MARGIN
    for size in (11.0, 10.0, 9.0, 8.0):
        title = block(doc, card.title, width, size, bold=True, color=RED, leading=1.2)
        if len(title.lines) == 1:
            break
    left = CARD_W - 2 * MARGIN - QR - 1.5
    audience = block(doc, card.audience, left, 6.0, color=GREY) if card.audience else None
    top = BAND + 1.5 + (audience.height if audience else 0)
    names = _front_names(doc, card.items, left, CARD_H - MARGIN - 5.0 - top)
    back, overflow = _back(doc, card.items)
    return BusinessCard(
        title=title,
        audience=audience,
        names=names,
        hotline=block(doc, f"咨询热线 {card.hotline}", left, 8.0, bold=True, color=RED),
        issuer=block(doc, card.issuer, QR + 4, 4.5, color=GREY) if card.issuer else None,
        back=back,
        url=card.url,
        overflow=overflow,
    )


def draw_front(
    doc: FPDF, card: BusinessCard, *, x: float, y: float, qr_image: bytes | None = None
) -> None:
    width = CARD_W - 2 * MARGIN
    with doc.local_context(fill_color=RED):
        doc.rect(x, y, CARD_W, STRIP, style="F")
    title_y = y + STRIP + (BAND - STRIP - card.title.height) / 2
    draw(doc, card.title, x=x + MARGIN, y=title_y, width=width)
    with doc.local_context(draw_color=RED, line_width=0.3):
        doc.line(x + MARGIN, y + BAND, x + CARD_W - MARGIN, y + BAND)
    left = width - QR - 1.5
    top = y + BAND + 1.5
    if card.audience:
        top = draw(doc, card.audience, x=x + MARGIN, y=top, width=left)
    for name in card.names:
        top = draw(doc, name, x=x + MARGIN, y=top + 0.4, width=left)
    bottom = y + CARD_H - MARGIN
    draw(doc, card.hotline, x=x + MARGIN, y=bottom - card.hotline.height, width=left)
    qr_x, qr_y = x + CARD_W - MARGIN - QR + 1.5, y + BAND + 0.5  # the quiet zone is margin enough
    if qr_image is None:
        pdf.draw_qr(doc, card.url, x=qr_x, y=qr_y, size=QR)
    else:  # one image object drawn ten times rather than ten vector codes
        doc.image(io.BytesIO(qr_image), x=qr_x, y=qr_y, w=QR, h=QR)
    hint = Block((SCAN_HINT,), 5.5, color=GREY)
    below = draw(doc, hint, x=qr_x, y=qr_y + QR - 1.5, width=QR, align="C")
    if card.issuer:
        draw(doc, card.issuer, x=qr_x - 2, y=below, width=QR + 4, align="C")


def draw_back(doc: FPDF, card: BusinessCard, *, x: float, y: float) -> None:
    top = y + MARGIN
    for item in card.back:
        top = draw(doc, item, x=x + MARGIN, y=top, width=CARD_W - 2 * MARGIN)
