"""A circular printed the way a government circular is printed (GB/T 9704 in its main lines):
the issuing office in red, the number, a red line, the centred title, the body, the annexes list,
the office and date, then each annex on its own page: the figures, the lagging projects with
situation, cause, action, leader and deadline, and the follow-up of earlier circulars.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from minsheng.core import pdf
from minsheng.core.workdays import default_calendar
from minsheng.projects import circulars
from minsheng.projects.batch_month import month_label, percent
from minsheng.projects.circulars import ISSUER, chinese_date
from minsheng.projects.models import WARNING_LABELS, WarningColour
from minsheng.projects.models_review import Circular, CircularStatus
from minsheng.projects.pdf_layout import BODY, LEADING, RED, Flow, cached

ISSUER_SIZE = 26.0  # points; shrunk until the office's name fits on one line
NUMBER_SIZE = 15.0
FIGURE_ROWS = (
    ("total", "项目总数", "个"),
    ("started", "已开工", "个"),
    ("completed", "已完成", "个"),
    ("on_schedule", "按计划推进", "个"),
    ("lagging", "进度滞后", "个"),
    ("yellow", "其中：黄色预警", "个"),
    ("red", "其中：红色预警", "个"),
)


def annex_titles(circular: Circular) -> list[str]:
    name = circular.batch.name
    return [
        f"{name}推进情况统计表",
        f"{name}进度滞后项目清单",
        "前期通报项目整改跟踪表",
    ]


def issued_on(circular: Circular) -> dt.date | None:
    if circular.published_at is None:
        return None
    return default_calendar().local_day(circular.published_at)


def warning_of(circular: Circular, project_id: int) -> str:
    """The colour the project had when the circular was drafted (kept with the figures)."""
    colour = circulars.figures(circular).get("warnings", {}).get(str(project_id), "")
    return WARNING_LABELS[WarningColour(colour)] if colour else ""


def render_circular(db: Session, circular: Circular) -> bytes:
    """The circular as PDF bytes; a draft says so at the top and has no number yet."""
    older = db.get(Circular, circular.supersedes_id) if circular.supersedes_id else None
    inputs = (
        "circular",
        circular.id,
        circular.status.value,
        circular.number,
        circular.title,
        circular.body,
        circular.figures,
        circular.period,
        circular.batch.name,
        circular.published_at,
        older.number if older else None,
        [
            (i.project.code, i.project.title, i.project.lead_unit.name, i.situation, i.cause)
            + (i.required_action, i.leader, i.deadline)
            for i in circular.items
        ],
    )
    return cached(inputs, lambda: _render(db, circular))


def _render(db: Session, circular: Circular) -> bytes:
    doc = pdf.new_document("A4", title=circular.title, author=ISSUER)
    flow = Flow(doc)
    flow.page()
    _head(db, flow, circular)
    flow.body(circular.body)
    _annex_list(flow, circular)
    _signature(flow, circular)
    figures = circulars.figures(circular)
    flow.page()
    _annex_heading(flow, 1, annex_titles(circular)[0])
    as_of = figures.get("as_of")
    if as_of:
        flow.text(f"统计截至{chinese_date(dt.date.fromisoformat(as_of))}", size=11, align="C")
        flow.gap(2)
    rows = [[label, f"{figures.get(key, 0)}{unit}"] for key, label, unit in FIGURE_ROWS]
    rows.append(["总体加权进度", f"{percent(float(figures.get('weighted_progress', 0)))}%"])
    flow.table(["指标", "数值"], rows, [3, 2], size=12, centred=(1,))
    flow.page("L")
    _annex_heading(flow, 2, annex_titles(circular)[1])
    items = [
        [
            str(number),
            f"{item.project.title}（{item.project.code}）",
            item.project.lead_unit.name,
            warning_of(circular, item.project_id),
            item.situation,
            item.cause,
            item.required_action,
            item.leader,
            chinese_date(item.deadline),
        ]
        for number, item in enumerate(circular.items, start=1)
    ]
    headings = ["序号", "项目名称", "牵头单位", "预警", "进展情况", "滞后原因", "整改要求"]
    headings += ["责任领导", "整改期限"]
    if items:
        flow.table(headings, items, [7, 24, 20, 12, 29, 29, 29, 13, 20], size=9, centred=(0, 3))
    else:
        flow.text("本期没有进度滞后的项目。", align="C")
    flow.page("L")
    _annex_heading(flow, 3, annex_titles(circular)[2])
    follow = figures.get("follow_up", [])
    if follow:
        rows = [
            [
                str(number),
                f"{row['project_title']}（{row['project']}）",
                row["lead_unit"],
                row["circular"],
                chinese_date(dt.date.fromisoformat(row["deadline"])),
                row["answer_status_label"],
                row["warning_label"],
            ]
            for number, row in enumerate(follow, start=1)
        ]
        headings = ["序号", "项目名称", "牵头单位", "前期通报", "整改期限", "整改答复", "当前预警"]
        flow.table(headings, rows, [5, 30, 22, 20, 14, 12, 12], size=10, centred=(0, 5, 6))
    else:
        flow.text("本批次此前没有已发布的通报。", align="C")
    flow.page_numbers()
    return pdf.to_bytes(doc)


def _head(db: Session, flow: Flow, circular: Circular) -> None:
    """版头: the office's name in red, the number, the red line; then the title."""
    doc = flow.doc
    if circular.status in (CircularStatus.draft, CircularStatus.approved):
        flow.y = 20
        flow.text(f"（{circular.status_label}，未发布，不作正式文件使用）", size=11, color=RED)
        flow.y = 37
    size = ISSUER_SIZE
    with doc.local_context(font_size_pt=size):
        while doc.get_string_width(ISSUER) > flow.width and size > 14:
            size -= 1
            doc.set_font_size(size)
    flow.text(ISSUER, size=size, align="C", bold=True, color=RED, leading=1.3)
    flow.gap(10)
    flow.text(circulars.number_label(circular), size=NUMBER_SIZE, align="C")
    flow.gap(4)
    flow.rule()
    flow.gap(10)
    flow.text(circular.title, size=21, align="C", bold=True, leading=1.5, balanced=True)
    if circular.supersedes_id:
        old = db.get(Circular, circular.supersedes_id)
        if old is not None:
            flow.text(f"（本通报更正并替代{old.number}）", size=13, align="C")
    flow.gap(6)


def _annex_list(flow: Flow, circular: Circular) -> None:
    flow.gap(6)
    titles = annex_titles(circular)
    label = "附件："
    with flow.doc.local_context(font_size_pt=BODY):
        shift = flow.doc.get_string_width("中中" + label)
    flow.text(f"{label}1．{titles[0]}", indent=2)
    for number, title in enumerate(titles[1:], start=2):
        flow.text(f"{number}．{title}", x=flow.left + shift, width=flow.width - shift)


def _signature(flow: Flow, circular: Circular) -> None:
    """The office and the date below the annexes list, the date four characters from the
    right (右空四字)."""
    flow.gap(10)
    if flow.room() < 2 * BODY * pdf.PT * LEADING:
        flow.page()
    day = issued_on(circular)
    date = chinese_date(day) if day else f"{month_label(circular.period)}（未发布）"
    with flow.doc.local_context(font_size_pt=BODY):
        spare = flow.doc.get_string_width("中中中中")
        date_width = flow.doc.get_string_width(date)
        issuer_width = flow.doc.get_string_width(ISSUER)
    # The date ends four characters from the right; the office is centred above it.
    centre = flow.left + flow.width - spare - date_width / 2
    start = min(centre - issuer_width / 2, flow.left + flow.width - issuer_width)
    flow.text(ISSUER, x=start, width=issuer_width + 1)
    flow.text(date, x=centre - date_width / 2, width=date_width + 1)


def _annex_heading(flow: Flow, number: int, title: str) -> None:
    flow.text(f"附件{number}", bold=True)
    flow.gap(2)
    flow.text(title, size=18, align="C", bold=True, leading=1.5, balanced=True)
    flow.gap(4)
