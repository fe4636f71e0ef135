"""The Excel template a unit downloads to import a month's reports, filled with its projects.

The layout is described in report_import.py, which reads it back.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import report_status
from minsheng.projects.report_import import REPORTS, RESULTS
from minsheng.projects.reports import history, month_label

REPORT_HEADERS = (
    ("项目编号", 14),
    ("项目名称", 30),
    ("月份", 10),
    ("进度(%)", 10),
    ("本月完成情况", 50),
    ("存在问题", 30),
    ("下步计划", 30),
    ("进度回退原因", 24),
)
RESULT_HEADERS = (
    ("项目编号", 14),
    ("指标名称", 24),
    ("计量单位", 10),
    ("计划数", 12),
    ("上次累计", 12),
    ("累计完成", 12),
)
GUIDE = (
    "填写说明",
    "1. “月报”工作表每行一个项目。项目编号、项目名称已按本单位牵头的实施中项目填好，"
    "请不要改动项目编号。",
    "2. 月份写成 2026-03 的样子；不填即为上个月。",
    "3. 进度(%)填项目开工以来的累计进度，0 到 100 之间的数字，例如 45。",
    "4. 本月完成情况必须填写；进度低于上次报告时，必须填写进度回退原因。",
    "5. “指标完成情况”工作表每行一项指标，在“累计完成”列填写截至本月底的累计数；"
    "本月没有统计的留空。计划数、上次累计仅供参考。",
    "6. 整个文件一次导入：只要有一行有误，就不导入任何一行，并列出每个有误的行号和原因。",
    "7. 照片和附件请在网页上逐个项目补充。",
)
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")


def _clean(value: object) -> object:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _headers(sheet: Worksheet, headers: tuple[tuple[str, int], ...]) -> None:
    for column, (title, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font, cell.fill = BOLD, HEAD_FILL
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"


def template(db: Session, *, staff: StaffPrincipal, month: str, today: dt.date) -> bytes:
    """The workbook, with a row for each project that still owes `month`'s report."""
    projects = report_status.reporting_projects(db, staff)
    owing = [s for s in report_status.statuses(db, projects, month, today) if s.report is None]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = REPORTS
    _headers(sheet, REPORT_HEADERS)
    percent = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        showErrorMessage=True,
        errorTitle="进度(%)",
        error="请填写 0 到 100 之间的数字",
    )
    sheet.add_data_validation(percent)
    for row, status in enumerate(owing, start=2):
        project = status.project
        sheet.cell(row=row, column=1, value=project.code).number_format = "@"
        sheet.cell(row=row, column=2, value=_clean(project.title))
        sheet.cell(row=row, column=3, value=month).number_format = "@"
        for column in range(5, 9):
            sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True)
        percent.add(f"D{row}")
    results = book.create_sheet(RESULTS)
    _headers(results, RESULT_HEADERS)
    row = 2
    for status in owing:
        project = status.project
        last: dict[int, float] = {}
        for report in history(db, project):
            for result in report.results:
                last.setdefault(result.target_id, result.value)
        for target in project.targets:
            values = (
                project.code,
                target.name,
                target.measure,
                target.planned,
                last.get(target.id),
            )
            for column, value in enumerate(values, start=1):
                sheet_cell = results.cell(row=row, column=column, value=_clean(value))
                if column == 1:
                    sheet_cell.number_format = "@"
            row += 1
    guide = book.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 110
    for number, line in enumerate(GUIDE, start=1):
        guide.cell(row=number, column=1, value=line).font = BOLD if number == 1 else Font()
    guide.cell(row=len(GUIDE) + 2, column=1, value=f"本模板对应月份：{month_label(month)}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
