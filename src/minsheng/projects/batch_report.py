"""The monthly batch report (月度进展报告) as PDF and Excel, and a circular as Excel.

The report rebuilds the end of the month from the monthly reports (batch_month.rows_as_of), so a
past month prints as it stood then. It holds no personal data: it is public.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from minsheng.core import pdf
from minsheng.core.db import utcnow
from minsheng.core.workdays import default_calendar
from minsheng.projects import batch_month, circulars, rectification
from minsheng.projects.batch_month import ProjectRow, month_label, percent
from minsheng.projects.circular_pdf import FIGURE_ROWS, issued_on, warning_of
from minsheng.projects.circulars import ISSUER, chinese_date
from minsheng.projects.models import Batch
from minsheng.projects.models_review import Circular
from minsheng.projects.pdf_layout import Flow, cached

PROJECT_HEADINGS = (
    *("序号", "项目编号", "项目名称", "牵头单位", "状态"),
    *("计划进度", "实际进度", "滞后", "预警"),
)
UNIT_HEADINGS = ("牵头单位", "项目数", "已完成", "进度滞后", "加权进度")


class BatchMonth:
    """A batch at the end of a month: its rows, figures and units, computed once."""

    def __init__(self, db: Session, batch: Batch, month: str) -> None:
        self.batch = batch
        self.month = month
        self.end = batch_month.month_end(month)
        self.rows: list[ProjectRow] = batch_month.rows_as_of(db, batch, month)
        self.figures = batch_month.figures_of(self.rows)
        self.units = batch_month.units_of(self.rows)
        # A project kept off the public site is counted in the figures but not listed by name.
        self.listed = [r for r in self.rows if r.project.public]
        self.hidden = len(self.rows) - len(self.listed)

    @property
    def title(self) -> str:
        return f"{self.batch.name}{month_label(self.month)}进展报告"

    def summary(self) -> str:
        f = self.figures
        return (
            f"截至{chinese_date(self.end)}，{self.batch.name}共{f['total']}个，已开工{f['started']}个，"
            f"已完成{f['completed']}个，按计划推进{f['on_schedule']}个，进度滞后{f['lagging']}个"
            f"（其中黄色预警{f['yellow']}个、红色预警{f['red']}个），"
            f"总体加权进度{percent(float(f['weighted_progress']))}%。"
        )

    def figure_rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            (f"{label}（{unit}）", self.figures[key]) for key, label, unit in FIGURE_ROWS
        ]
        rows.append(("总体加权进度（%）", self.figures["weighted_progress"]))
        return rows

    def hidden_note(self) -> str:
        return f"另有{self.hidden}个项目不在公开网站展示，计入上述统计，未在本表列出。"

    def project_values(self) -> Iterable[list[Any]]:
        for number, row in enumerate(self.listed, start=1):
            yield [
                number,
                row.project.code,
                row.project.title,
                row.project.lead_unit.name,
                row.stage_label,
                round(row.planned, 1),
                round(row.progress, 1),
                round(row.lag, 1),
                row.warning_label,
            ]


def render_pdf(report: BatchMonth) -> bytes:
    """The report on A4: title, summary, figures, the units, then every project (landscape)."""
    made = default_calendar().local_day(utcnow())
    rows = list(report.project_values())
    inputs = ("report", report.batch.name, report.month, made, rows, report.units, report.hidden)
    return cached(inputs, lambda: _render_pdf(report, made))


def _render_pdf(report: BatchMonth, made: dt.date) -> bytes:
    doc = pdf.new_document("A4", title=report.title, author=ISSUER)
    flow = Flow(doc)
    flow.page()
    flow.text(ISSUER, size=14, align="C")
    flow.gap(4)
    flow.text(report.title, size=21, align="C", bold=True, leading=1.5, balanced=True)
    flow.text(f"（{chinese_date(made)}生成，数据来自各项目月报）", size=11, align="C")
    flow.gap(6)
    flow.text(report.summary(), indent=2)
    flow.gap(4)
    flow.text("一、总体情况", bold=True)
    figure_rows = [[label, str(value)] for label, value in report.figure_rows()]
    flow.table(["指标", "数值"], figure_rows, [3, 2], size=12, centred=(1,))
    flow.gap(4)
    flow.text("二、各牵头单位推进情况", bold=True)
    units = [
        [
            u.name,
            str(u.projects),
            str(u.completed),
            str(u.lagging),
            f"{percent(u.weighted_progress)}%",
        ]
        for u in report.units
    ]
    if units:
        flow.table(UNIT_HEADINGS, units, [8, 3, 3, 3, 3], size=11, centred=(1, 2, 3, 4))
    else:
        flow.text("本批次还没有实施中的项目。")
    flow.page("L")
    flow.text("三、各项目进度与计划对照", bold=True)
    flow.gap(2)
    rows = [
        [
            str(v[0]),
            v[1],
            v[2],
            v[3],
            v[4],
            f"{percent(v[5])}%",
            f"{percent(v[6])}%",
            f"{percent(v[7])}",
            v[8],
        ]
        for v in report.project_values()
    ]
    if rows:
        widths = [5, 12, 36, 26, 8, 9, 9, 7, 10]
        flow.table(PROJECT_HEADINGS, rows, widths, size=9, centred=(0, 4, 5, 6, 7, 8))
    else:
        flow.text("本批次还没有实施中的项目。")
    flow.gap(3)
    if report.hidden:
        flow.text(report.hidden_note(), size=9)
    flow.text(
        "说明：计划进度按项目计划（开工、节点、完工）在月末的位置计算；实际进度取当月及以前最近一次月报；"
        "滞后为两者之差（百分点），按设定阈值标黄色或红色预警；开工一个月后仍未开工的标黄色预警。",
        size=9,
    )
    flow.page_numbers()
    return pdf.to_bytes(doc)


def render_xlsx(report: BatchMonth) -> bytes:
    """The report as a workbook: 汇总 (figures), 项目明细 (every project), 单位 (lead units)."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总"
    notes = [[report.title], [report.summary()]]
    notes += [[report.hidden_note()]] if report.hidden else []
    _rows(summary, [*notes, []], widths=(28, 14))
    summary["A1"].font = Font(bold=True, size=14)
    _table(summary, ("指标", "数值"), report.figure_rows())
    _table(
        book.create_sheet("项目明细"),
        PROJECT_HEADINGS,
        report.project_values(),
        widths=(6, 14, 36, 28, 8, 10, 10, 8, 10),
    )
    _table(
        book.create_sheet("单位"),
        UNIT_HEADINGS,
        ([u.name, u.projects, u.completed, u.lagging, u.weighted_progress] for u in report.units),
        widths=(30, 8, 8, 10, 10),
    )
    return _save(book)


def circular_xlsx(db: Session, circular: Circular) -> bytes:
    """A circular as a workbook: 通报 (heading and figures), 滞后项目 (the items with their
    answers so far), 跟踪 (projects of earlier circulars)."""
    figures = circulars.figures(circular)
    book = Workbook()
    head = book.active
    assert head is not None
    head.title = "通报"
    day = issued_on(circular)
    _rows(
        head,
        [
            ["文号", circulars.number_label(circular)],
            ["标题", circular.title],
            ["发文机关", ISSUER],
            ["状态", circular.status_label],
            ["发布日期", chinese_date(day) if day else ""],
            ["通报月份", month_label(circular.period)],
            ["统计截至", figures.get("as_of", "")],
            [],
        ],
        widths=(22, 60),
    )
    figure_rows = [(f"{label}（{unit}）", figures.get(key, 0)) for key, label, unit in FIGURE_ROWS]
    figure_rows.append(("总体加权进度（%）", figures.get("weighted_progress", 0)))
    _table(head, ("指标", "数值"), figure_rows)
    today = circulars.today()
    _table(
        book.create_sheet("滞后项目"),
        ("序号", "项目编号", "项目名称", "牵头单位", "预警", "进展情况", "滞后原因", "整改要求")
        + ("责任领导", "整改期限", "答复情况", "整改情况"),
        (
            [
                number,
                item.project.code,
                item.project.title,
                item.project.lead_unit.name,
                warning_of(circular, item.project_id),
                item.situation,
                item.cause,
                item.required_action,
                item.leader,
                item.deadline,
                rectification.ANSWER_LABELS[rectification.answer_status(item, today)],
                item.answer,
            ]
            for number, item in enumerate(circular.items, start=1)
        ),
        widths=(6, 14, 30, 26, 10, 40, 40, 40, 10, 12, 12, 50),
    )
    _table(
        book.create_sheet("跟踪"),
        (
            "序号",
            "项目编号",
            "项目名称",
            "牵头单位",
            "前期通报",
            "整改期限",
            "整改答复",
            "当前预警",
        ),
        (
            [
                n,
                r["project"],
                r["project_title"],
                r["lead_unit"],
                r["circular"],
                dt.date.fromisoformat(r["deadline"]),
                r["answer_status_label"],
                r["warning_label"],
            ]
            for n, r in enumerate(figures.get("follow_up", []), start=1)
        ),
        widths=(6, 14, 30, 26, 24, 12, 12, 10),
    )
    return _save(book)


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _rows(sheet: Worksheet, rows: Iterable[Sequence[Any]], widths: Sequence[int] = ()) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for values in rows:
        sheet.append([_value(v) for v in values])
        for cell in sheet[sheet.max_row]:
            # Text someone typed, such as "=HYPERLINK(...)", stays text and never runs.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"


def _table(
    sheet: Worksheet,
    headings: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] = (),
) -> None:
    _rows(sheet, [headings], widths)
    first = sheet.max_row
    for cell in sheet[first]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EBEBEB")
    if first == 1:
        sheet.freeze_panes = "A2"
    _rows(sheet, rows)
    for row in sheet.iter_rows(min_row=first + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
