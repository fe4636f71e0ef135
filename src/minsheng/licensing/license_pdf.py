"""The business license of an individual business (个体工商户营业执照) as a PDF, in the layout
of the 2019 national format: landscape A4, emblem area and title on top, the credit code top
left, the fields on the left, the business scope on the right, the QR code bottom left and the
authority's seal bottom right. The original (正本) and the copy (副本, titled so) share it.

The emblem is a placeholder circle and the seal a drawn ring: Minsheng prints no state emblem.
Demo licenses carry a diagonal 演示 watermark on every page.
"""

from __future__ import annotations

import logging
import math
import time

from fpdf import FPDF

from minsheng.core import pdf
from minsheng.licensing import issuing
from minsheng.licensing.models import License

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 297.0, 210.0  # A4 landscape
RED = (200, 30, 30)
FRAME = (150, 110, 60)  # the printed border's bronze
INK = (30, 30, 30)
WATERMARK = "演示 样本 不作为经营凭证"
QR_SENTENCE = "扫描二维码，在民生平台核验本执照的登记信息和是否有效"
FOOTER = "个体工商户应当于每年1月1日至6月30日报送上一年度的年度报告"
# Labels spaced to four characters' width, as on the printed form.
LABELS = {
    "name": "名　　称",
    "type": "类　　型",
    "operator": "经 营 者",
    "org_form": "组成形式",
    "place": "经营场所",
    "registered": "注册日期",
}
LABEL_X, LABEL_W, VALUE_W = 26.0, 26.0, 100.0
SCOPE_X, SCOPE_W = 160.0, 110.0
FIELD_SIZE = 12.0


def date_text(day: object) -> str:
    """YYYY年MM月DD日, as printed."""
    return f"{day:%Y年%m月%d日}"


def render(license: License, *, copy: bool) -> bytes:
    """The license's original (copy=False) or copy (copy=True) as one landscape A4 page."""
    started = time.perf_counter()
    kind = "副本" if copy else "正本"
    doc = pdf.new_document((WIDTH, HEIGHT), title=f"营业执照（{kind}）{license.uscc}")
    doc.add_page()
    if license.demo:
        _watermark(doc)  # first, so the fields stay readable above it
    _frame(doc, copy=copy)
    _heading(doc, license, copy=copy)
    _fields(doc, license)
    _scope(doc, license)
    _qr(doc, license)
    _authority(doc, license)
    pdf.write_text(doc, FOOTER, x=20, y=HEIGHT - 20, width=WIDTH - 40, size=8, color=(90, 90, 90))
    content = pdf.to_bytes(doc)
    log.info(
        "license %s %s rendered in %.0f ms",
        license.uscc,
        kind,
        1000 * (time.perf_counter() - started),
    )
    return content


def _circle(doc: FPDF, cx: float, cy: float, radius: float, style: str = "D") -> None:
    doc.ellipse(cx - radius, cy - radius, 2 * radius, 2 * radius, style=style)


def _star(doc: FPDF, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.38
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    doc.polygon(points, style="F")


def _frame(doc: FPDF, *, copy: bool) -> None:
    with doc.local_context(draw_color=FRAME, line_width=1.2):
        doc.rect(8, 8, WIDTH - 16, HEIGHT - 16)
    if not copy:  # the original's double border; the copy keeps one
        with doc.local_context(draw_color=FRAME, line_width=0.3):
            doc.rect(11, 11, WIDTH - 22, HEIGHT - 22)


def _heading(doc: FPDF, license: License, *, copy: bool) -> None:
    # Emblem area: a placeholder ring with a star, never the state emblem itself.
    with doc.local_context(draw_color=RED, fill_color=RED, line_width=0.8):
        _circle(doc, WIDTH / 2, 27, 10)
        _star(doc, WIDTH / 2, 27, 5.5)
    pdf.write_text(doc, "营业执照", x=0, y=40, width=WIDTH, size=38, bold=True, color=INK)
    if copy:
        with doc.local_context(char_spacing=4):  # spaced by the font, so it copies as 副本
            pdf.write_text(doc, "（副本）", x=0, y=59, width=WIDTH, size=15, color=INK)
    pdf.write_text(doc, "统一社会信用代码", x=20, y=20, width=70, size=10, align="L", color=INK)
    pdf.write_text(doc, license.uscc, x=20, y=26, width=90, size=14, align="L", color=INK)
    pdf.write_text(
        doc,
        f"证照版次：第 {license.edition} 版",
        x=WIDTH - 90,
        y=20,
        width=70,
        size=10,
        align="R",
        color=INK,
    )


def _field(doc: FPDF, label: str, value: str, y: float) -> float:
    pdf.write_text(doc, label, x=LABEL_X, y=y, width=LABEL_W, size=FIELD_SIZE, align="L")
    below = pdf.write_text(
        doc, value, x=LABEL_X + LABEL_W, y=y, width=VALUE_W, size=FIELD_SIZE, align="L", color=INK
    )
    return below + 2.5


def _fields(doc: FPDF, license: License) -> None:
    y = 76.0
    y = _field(doc, LABELS["name"], license.name or "（无）", y)
    y = _field(doc, LABELS["type"], issuing.TYPE_LABEL, y)
    y = _field(doc, LABELS["operator"], license.operator_name, y)
    y = _field(doc, LABELS["org_form"], issuing.org_form_label(license), y)
    y = _field(doc, LABELS["registered"], date_text(license.registered_on), y)
    _field(doc, LABELS["place"], license.place, y)


def _scope(doc: FPDF, license: License) -> None:
    pdf.write_text(doc, "经营范围", x=SCOPE_X, y=76, width=30, size=FIELD_SIZE, align="L")
    text = license.scope_text.replace("；许可项目：", "；\n许可项目：")  # each part on its own line
    width, room, size = SCOPE_W - 30, 150.0 - 76.0, FIELD_SIZE
    # A long scope is printed smaller rather than cut: every item must stay on the license.
    while size > 6.5 and pdf.text_height(doc, text, width=width, size=size) > room:
        size -= 0.5
    pdf.write_text(
        doc,
        text,
        x=SCOPE_X + 30,
        y=76,
        width=width,
        size=size,
        align="L",
        color=INK,
    )


def _qr(doc: FPDF, license: License) -> None:
    url = issuing.verify_url(license)
    pdf.draw_qr(doc, url, x=22, y=146, size=34)
    pdf.write_text(doc, QR_SENTENCE, x=58, y=156, width=62, size=9, align="L", color=INK)


def _authority(doc: FPDF, license: License) -> None:
    cx, cy = 236.0, 168.0
    pdf.write_text(doc, "登记机关", x=176, y=160, width=30, size=FIELD_SIZE, align="L")
    pdf.write_text(doc, license.authority, x=176, y=167, width=50, size=9, align="L", color=INK)
    pdf.write_text(
        doc, date_text(license.registered_on), x=206, y=177, width=60, size=FIELD_SIZE, color=INK
    )
    # The seal, drawn: a red ring, the authority along its top arc and a star in the middle.
    with doc.local_context(draw_color=RED, fill_color=RED, line_width=0.9):
        _circle(doc, cx, cy, 17)
        _star(doc, cx, cy, 5)
    _arc_text(doc, license.authority, cx, cy, radius=13)


def _arc_text(doc: FPDF, text: str, cx: float, cy: float, *, radius: float) -> None:
    """`text` along the upper arc of a circle, each character upright to the centre."""
    chars = list(text)[:16]
    spread = min(240.0, 18.0 * len(chars))
    size = 9.0 if len(chars) <= 12 else 7.5
    with doc.local_context(text_color=RED, font_size_pt=size):
        for i, char in enumerate(chars):
            step = spread / max(len(chars) - 1, 1)
            angle = -spread / 2 + i * step  # degrees from the top, clockwise
            rad = math.radians(angle)
            x = cx + radius * math.sin(rad)
            y = cy - radius * math.cos(rad)
            with doc.rotation(-angle, x, y):
                half = size * pdf.PT / 2
                doc.set_xy(x - half, y - half)
                doc.cell(w=2 * half, h=2 * half, text=char, align="C")


def _watermark(doc: FPDF) -> None:
    with (
        doc.local_context(text_color=(215, 60, 60), fill_opacity=0.22),
        doc.rotation(25, WIDTH / 2, HEIGHT / 2),
    ):
        pdf.write_text(
            doc, WATERMARK, x=0, y=HEIGHT / 2 - 10, width=WIDTH, size=40, color=(215, 60, 60)
        )
