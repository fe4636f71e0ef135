"""Monthly reports of many projects from one Excel workbook: all of them, or none.

The layout a unit's clerk fills (the template from `template()` comes filled in with the
unit's projects):

- sheet 月报, one row per project: 项目编号, 月份 (2026-03; empty means last month), 进度(%)
  (cumulative, 0-100), 本月完成情况, 存在问题, 下步计划, 进度回退原因. A 项目名称 column may
  stay for reference; it is not read.
- sheet 指标完成情况 (may be left out), one row per target: 项目编号, 指标名称, 计量单位,
  累计完成 (the cumulative figure; empty means not reported this month). 计划数 and 上次累计
  are for reference and not read.

Every row is checked with the same rules as the form; if any row fails, nothing is imported
and each problem is given with its sheet and row number.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import reports, service
from minsheng.projects.models import Project
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.schemas_reports import ReportCreate, ResultIn
from minsheng.web.forms import field_message, parse

REPORTS = "月报"
RESULTS = "指标完成情况"
REPORT_COLUMNS = (
    "项目编号",
    "月份",
    "进度(%)",
    "本月完成情况",
    "存在问题",
    "下步计划",
    "进度回退原因",
)
REPORT_REFERENCE = ("项目名称",)
RESULT_COLUMNS = ("项目编号", "指标名称", "计量单位", "累计完成")
RESULT_REFERENCE = ("计划数", "上次累计")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
# Which column a field's message is about, so that the clerk finds the cell.
FIELD_COLUMNS = {
    "month": "月份",
    "progress": "进度(%)",
    "done": "本月完成情况",
    "problems": "存在问题",
    "next_steps": "下步计划",
    "regress_reason": "进度回退原因",
    "results": "指标完成情况",
}
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # the Excel row number; None for the workbook's layout
    message: str


class ImportRefused(MinshengError):
    """Nothing was imported; `problems` says where and why."""

    status = 422
    code = "import_refused"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        rows = sum(1 for p in problems if p.row is not None)
        message = (
            f"没有导入任何月报：有 {rows} 行需要修改，请改正后重新导入整个文件。"
            if rows
            else "没有导入任何月报：文件的格式与模板不符。"
        )
        details = [{"sheet": p.sheet, "row": p.row, "message": p.message} for p in problems]
        super().__init__(message, details=details)


def _header(value: Any) -> str:
    text = str(value or "").strip().replace("（", "(").replace("）", ")").replace("％", "%")
    return re.sub(r"\s+", "", text)


@dataclass
class Sheet:
    name: str
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number, cells)


def _read_sheet(
    workbook: Any, name: str, columns: tuple[str, ...], reference: tuple[str, ...]
) -> Sheet | list[Problem]:
    sheet = workbook[name]
    rows = sheet.iter_rows()
    first = next(rows, None)
    headers = [_header(c.value) for c in first] if first else []
    found = {h: i for i, h in enumerate(headers) if h}
    missing = [c for c in columns if c not in found]
    unknown = [h for h in found if h not in columns and h not in reference]
    problems = []
    if missing:
        problems.append(
            Problem(name, None, f"“{name}”工作表第 1 行缺少这些列：{'、'.join(missing)}")
        )
    if unknown:
        problems.append(
            Problem(
                name, None, f"“{name}”工作表有不认识的列：{'、'.join(unknown)}，请使用下载的模板"
            )
        )
    if problems:
        return problems
    read = Sheet(name, found)
    for number, cells in enumerate(rows, start=2):
        values = [_cell(c) for c in cells]
        if any(v not in (None, "") for v in values):
            read.rows.append((number, values))
        if len(read.rows) > MAX_ROWS:
            return [Problem(name, None, f"“{name}”工作表超过 {MAX_ROWS} 行，请分成几个文件导入")]
    return read


def _cell(cell: Any) -> Any:
    value = cell.value
    if isinstance(value, float | int) and "%" in (cell.number_format or "") and value <= 1:
        return value * 100  # a cell formatted as a percentage holds 0.45 for 45%
    if isinstance(value, str):
        return value.strip()
    return value


def _get(sheet: Sheet, cells: list[Any], column: str) -> Any:
    index = sheet.columns.get(column)
    return cells[index] if index is not None and index < len(cells) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _month(value: Any) -> str | None:
    """A month as a clerk may type it (or Excel may turn it into a date) as 2026-03."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return service.month_key(value)
    match = _MONTH.match(_text(value))
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError("月份格式不正确，请写成 2026-03")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def _open(content: bytes) -> Any:
    if len(content) > MAX_BYTES:
        raise ImportRefused([Problem("", None, f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")])
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ImportRefused(
            [Problem("", None, "这不是有效的 Excel 文件（.xlsx），请用下载的模板填写后导入")]
        ) from None


@dataclass
class _Row:
    number: int
    project: Project
    values: dict[str, Any]
    results: list[ResultIn] = field(default_factory=list)


def _messages(exc: MinshengError) -> list[str]:
    if isinstance(exc, InvalidInput):
        return [f"{FIELD_COLUMNS.get(k, k)}：{v}" for k, v in exc.fields.items()]
    return [exc.message]


def read(
    db: Session, content: bytes, *, staff: StaffPrincipal, today: dt.date
) -> list[tuple[Project, ReportCreate]]:
    """Every row checked; the reports to file, or ImportRefused with each problem."""
    workbook = _open(content)
    try:
        if REPORTS not in workbook.sheetnames:
            names = "、".join(workbook.sheetnames)
            raise ImportRefused(
                [Problem(REPORTS, None, f"找不到“{REPORTS}”工作表（文件里的工作表：{names}）")]
            )
        report_sheet = _read_sheet(workbook, REPORTS, REPORT_COLUMNS, REPORT_REFERENCE)
        result_sheet: Sheet | list[Problem] | None = None
        if RESULTS in workbook.sheetnames:
            result_sheet = _read_sheet(workbook, RESULTS, RESULT_COLUMNS, RESULT_REFERENCE)
    finally:
        workbook.close()
    layout = [p for s in (report_sheet, result_sheet) if isinstance(s, list) for p in s]
    if layout:
        raise ImportRefused(layout)
    assert isinstance(report_sheet, Sheet)
    if not report_sheet.rows:
        raise ImportRefused([Problem(REPORTS, None, f"“{REPORTS}”工作表没有可导入的行")])
    problems: list[Problem] = []
    rows = _report_rows(db, report_sheet, staff, problems)
    if isinstance(result_sheet, Sheet):
        _result_rows(result_sheet, rows, problems)
    chosen = []
    for row in rows.values():
        try:
            data = parse(ReportCreate, {**row.values, "results": []})
            data = data.model_copy(update={"results": row.results})
            data = data.model_copy(
                update={"month": reports.check(db, row.project, data, today=today)}
            )
        except MinshengError as exc:
            problems += [Problem(REPORTS, row.number, m) for m in _messages(exc)]
            continue
        chosen.append((row.project, data))
    if problems:
        problems.sort(key=lambda p: (p.sheet != REPORTS, p.row or 0))
        raise ImportRefused(problems)
    return chosen


def _report_rows(
    db: Session, sheet: Sheet, staff: StaffPrincipal, problems: list[Problem]
) -> dict[str, _Row]:
    rows: dict[str, _Row] = {}
    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        code = _text(_get(sheet, cells, "项目编号"))
        if not code:
            problems.append(Problem(REPORTS, number, "项目编号：请填写项目编号"))
            continue
        if code in seen:
            problems.append(
                Problem(
                    REPORTS, number, f"项目 {code} 在第 {seen[code]} 行已有，一个项目只能填一行"
                )
            )
            continue
        seen[code] = number
        project = db.scalar(select(Project).where(Project.code == code))
        if project is None:
            problems.append(Problem(REPORTS, number, f"项目编号：没有编号为 {code} 的项目"))
            continue
        try:
            reports.filer_on_behalf(staff, project)
            month = _month(_get(sheet, cells, "月份"))
        except ValueError as exc:
            problems.append(Problem(REPORTS, number, f"月份：{exc}"))
            continue
        except MinshengError:
            problems.append(Problem(REPORTS, number, f"项目 {code} 不由您的单位牵头，不能导入"))
            continue
        values = {
            "month": month,
            "progress": _get(sheet, cells, "进度(%)"),
            "done": _text(_get(sheet, cells, "本月完成情况")),
            "problems": _text(_get(sheet, cells, "存在问题")),
            "next_steps": _text(_get(sheet, cells, "下步计划")),
            "regress_reason": _text(_get(sheet, cells, "进度回退原因")),
        }
        rows[code] = _Row(number, project, values)
    return rows


def _result_rows(sheet: Sheet, rows: dict[str, _Row], problems: list[Problem]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        code = _text(_get(sheet, cells, "项目编号"))
        name = _text(_get(sheet, cells, "指标名称"))
        raw = _get(sheet, cells, "累计完成")
        if raw in (None, ""):
            continue  # not reported this month
        row = rows.get(code)
        if row is None:
            problems.append(
                Problem(
                    RESULTS,
                    number,
                    f"项目 {code or '（未填）'} 不在“{REPORTS}”工作表中，或那一行有误",
                )
            )
            continue
        target = next((t for t in row.project.targets if t.name == name), None)
        if target is None:
            names = "、".join(t.name for t in row.project.targets) or "（无）"
            problems.append(
                Problem(
                    RESULTS, number, f"项目 {code} 没有名为“{name}”的指标（该项目的指标：{names}）"
                )
            )
            continue
        measure = _text(_get(sheet, cells, "计量单位"))
        if measure and measure != target.measure:
            problems.append(
                Problem(
                    RESULTS,
                    number,
                    f"计量单位：“{name}”的计量单位是“{target.measure}”，不是“{measure}”",
                )
            )
            continue
        if (code, name) in seen:
            problems.append(Problem(RESULTS, number, f"“{name}”在第 {seen[code, name]} 行已填过"))
            continue
        seen[code, name] = number
        try:
            row.results.append(ResultIn.model_validate({"target_id": target.id, "value": raw}))
        except ValidationError as exc:
            problems.append(Problem(RESULTS, number, f"累计完成：{field_message(exc.errors()[0])}"))


def import_reports(
    db: Session, content: bytes, *, staff: StaffPrincipal, today: dt.date | None = None
) -> list[MonthlyReport]:
    """Files every report in the workbook, or none (ImportRefused)."""
    today = today or reports.local_today()
    chosen = read(db, content, staff=staff, today=today)
    return [
        reports.file_report(db, project, data, staff=staff, via="excel", today=today)
        for project, data in chosen
    ]
