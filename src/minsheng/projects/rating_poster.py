"""The A4 poster hung at a project's site: scan the code, confirm the phone, rate the project.

Drawn like the QR suggestion box poster (requests/poster.py): a red band with the title, the
project and its lead unit, numbered steps, the code as large as the text leaves room for.
"""

from __future__ import annotations

from fpdf import FPDF

from minsheng.core import pdf

RED = (200, 22, 29)
WHITE = (255, 255, 255)
GREY = (90, 90, 90)
WIDTH, HEIGHT = pdf.PAGE_SIZES["A4"]
MARGIN = 18.0
CONTENT = WIDTH - 2 * MARGIN
TITLE = "实事项目满意度评价"
STEPS = (
    "① 用手机扫描下面的二维码",
    "② 填写手机号码，输入短信验证码",
    "③ 选择满意、基本满意或不满意，也可以写下意见",
)
FOOTER = "每个手机号码对每个项目只能评价一次。您的号码不会公开，意见只供工作人员阅读。"
QR_MIN, QR_MAX = 70.0, 120.0
# A long project title shrinks the type step by step until the code keeps its room.
SCALES = (1.0, 0.85, 0.72, 0.6)


def _heights(doc: FPDF, project_title: str, unit_line: str, url: str, scale: float) -> float:
    """The height of everything but the code and the gaps."""
    return (
        40.0
        + pdf.text_height(doc, project_title, width=CONTENT, size=30 * scale, leading=1.3)
        + pdf.text_height(doc, unit_line, width=CONTENT, size=16 * scale)
        + sum(pdf.text_height(doc, s, width=CONTENT, size=16 * scale) for s in STEPS)
        + pdf.text_height(doc, url, width=CONTENT, size=10)
        + pdf.text_height(doc, FOOTER, width=CONTENT, size=10)
        + 14
    )


def render_rating_poster(
    *, project_title: str, project_code: str, lead_unit: str, url: str
) -> bytes:
    """The poster as PDF bytes: print it on A4 and put it up where the work is done."""
    doc = pdf.new_document("A4", title=f"{TITLE} · {project_title}")
    doc.add_page()
    unit_line = f"牵头单位：{lead_unit}　项目编号：{project_code}"
    for scale in SCALES:
        room = HEIGHT - _heights(doc, project_title, unit_line, url, scale)
        if room - 5 * 6 >= QR_MIN:
            break
    qr = min(QR_MAX, room - 5 * 6)
    gap = (room - qr) / 5

    doc.set_fill_color(*RED)
    doc.rect(0, 0, WIDTH, 40, style="F")
    pdf.write_text(doc, TITLE, x=MARGIN, y=12, width=CONTENT, size=36, bold=True, color=WHITE)
    y = 40 + gap
    y = pdf.write_text(
        doc, project_title, x=MARGIN, y=y, width=CONTENT, size=30 * scale, bold=True, leading=1.3
    )
    y = pdf.write_text(
        doc, unit_line, x=MARGIN, y=y + 2, width=CONTENT, size=16 * scale, color=GREY
    )
    y += gap
    with doc.local_context(font_size_pt=16 * scale):
        steps_width = min(CONTENT, max(doc.get_string_width(s) for s in STEPS) + 1)
    for step in STEPS:
        y = pdf.write_text(
            doc,
            step,
            x=(WIDTH - steps_width) / 2,
            y=y,
            width=steps_width,
            size=16 * scale,
            align="L",
        )
    y += gap
    pdf.draw_qr(doc, url, x=(WIDTH - qr) / 2, y=y, size=qr)
    pdf.write_text(doc, url, x=MARGIN, y=y + qr, width=CONTENT, size=10, color=GREY)

    bottom = HEIGHT - 10 - pdf.text_height(doc, FOOTER, width=CONTENT, size=10)
    doc.set_draw_color(*RED)
    doc.set_line_width(0.6)
    doc.line(MARGIN, bottom - 2, WIDTH - MARGIN, bottom - 2)
    pdf.write_text(doc, FOOTER, x=MARGIN, y=bottom, width=CONTENT, size=10, color=GREY)
    return pdf.to_bytes(doc)
