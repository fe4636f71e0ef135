"""The A4 poster of a QR suggestion box: title, how to use it, the code, where the box is."""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF

from minsheng.core import pdf

RED = (200, 22, 29)
WHITE = (255, 255, 255)
GREY = (90, 90, 90)
PANEL = (243, 244, 246)
WIDTH, HEIGHT = pdf.PAGE_SIZES["A4"]
MARGIN = 18.0
CONTENT = WIDTH - 2 * MARGIN
PANEL_INNER = CONTENT - 16
# The QR code is what matters from a metre away: as big as the text leaves room for.
QR_MIN, QR_MAX = 60.0, 130.0
MIN_GAP = 6.0
SMALL = 10.0  # points, for the URL and the footer
# Long texts shrink the type step by step until everything fits on the one page.
SCALES = (1.0, 0.85, 0.72, 0.6, 0.5)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


@dataclass(frozen=True)
class _Layout:
    scale: float
    band: float
    steps_width: float
    steps: float
    url: float
    place: float
    footer: float

    @property
    def room(self) -> float:
        """What is left for the QR code and the four gaps around it."""
        return HEIGHT - 10 - self.band - self.steps - self.url - self.place - self.footer

    @property
    def qr(self) -> float:
        return min(QR_MAX, self.room - 4 * MIN_GAP)

    @property
    def gap(self) -> float:
        return (self.room - self.qr) / 4


def render_box_poster(
    *, title: str, instructions: list[str], url: str, place_lines: list[str], footer: str
) -> bytes:
    """The poster as PDF bytes: print it on A4 and put it where the box is."""
    doc = pdf.new_document("A4", title=" · ".join([title, *place_lines[:1]]))
    doc.add_page()
    steps = _numbered(instructions)
    places = [line for line in place_lines if line]
    for scale in SCALES:
        layout = _measure(doc, title, steps, url, places, footer, scale)
        if layout.qr >= QR_MIN:
            break
    else:
        raise ValueError("too much text for one A4 poster")
    s = layout.scale

    doc.set_fill_color(*RED)
    doc.rect(0, 0, WIDTH, layout.band, style="F")
    title_height = pdf.text_height(doc, title, width=CONTENT, size=64 * s, leading=1.2)
    pdf.write_text(
        doc,
        title,
        x=MARGIN,
        y=(layout.band - title_height) / 2,
        width=CONTENT,
        size=64 * s,
        bold=True,
        color=WHITE,
        leading=1.2,
    )

    y = layout.band + layout.gap
    x = (WIDTH - layout.steps_width) / 2
    for step in steps:
        y = pdf.write_text(
            doc, step, x=x, y=y, width=layout.steps_width, size=18 * s, align="L", leading=1.5
        )
    y += layout.gap
    pdf.draw_qr(doc, url, x=(WIDTH - layout.qr) / 2, y=y, size=layout.qr)
    y = pdf.write_text(doc, url, x=MARGIN, y=y + layout.qr, width=CONTENT, size=SMALL, color=GREY)

    y += layout.gap
    if places:
        doc.set_fill_color(*PANEL)
        doc.rect(MARGIN, y, CONTENT, layout.place, style="F", round_corners=True, corner_radius=3)
        y += 6 * s
        for i, line in enumerate(places):
            size = (20 if i == 0 else 14) * s
            y = pdf.write_text(
                doc, line, x=MARGIN + 8, y=y, width=PANEL_INNER, size=size, bold=i == 0
            )

    bottom = HEIGHT - 10 - layout.footer
    doc.set_draw_color(*RED)
    doc.set_line_width(0.6)
    doc.line(MARGIN, bottom - 2, WIDTH - MARGIN, bottom - 2)
    pdf.write_text(doc, footer, x=MARGIN, y=bottom, width=CONTENT, size=SMALL, color=GREY)
    return pdf.to_bytes(doc)


def _measure(
    doc: FPDF,
    title: str,
    steps: list[str],
    url: str,
    places: list[str],
    footer: str,
    scale: float,
) -> _Layout:
    title_height = pdf.text_height(doc, title, width=CONTENT, size=64 * scale, leading=1.2)
    # Short steps sit left-aligned in a centred block, which reads better than ragged centring.
    with doc.local_context(font_size_pt=18 * scale):
        widest = max((doc.get_string_width(step) for step in steps), default=0.0)
    steps_width = min(CONTENT, widest + 1)
    place = sum(
        pdf.text_height(doc, line, width=PANEL_INNER, size=(20 if i == 0 else 14) * scale)
        for i, line in enumerate(places)
    )
    return _Layout(
        scale=scale,
        band=max(40.0, title_height + 24 * scale),
        steps_width=steps_width,
        steps=sum(
            pdf.text_height(doc, step, width=steps_width, size=18 * scale, leading=1.5)
            for step in steps
        ),
        url=pdf.text_height(doc, url, width=CONTENT, size=SMALL),
        place=place + 12 * scale if places else 0.0,
        footer=pdf.text_height(doc, footer, width=CONTENT, size=SMALL) + 2,
    )


def _numbered(instructions: list[str]) -> list[str]:
    if len(instructions) < 2 or len(instructions) > len(_CIRCLED):
        return list(instructions)
    return [f"{_CIRCLED[i]} {text}" for i, text in enumerate(instructions)]
