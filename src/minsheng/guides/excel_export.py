"""The catalogue as a workbook in the import's layout (excel_layout.py): the blank template with
its instructions and one example matter, and the export of every matter's current text, which
imports back unchanged. Flushes (the export is written to the audit trail), never commits."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from minsheng.audit import service as audit
from minsheng.guides import excel_layout as layout
from minsheng.guides.excel_import import latest, stored
from minsheng.guides.models import STATUS_LABELS, Matter
from minsheng.guides.schemas import KINDS

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
WRAP = Alignment(wrap_text=True, vertical="top")
STATUS_COLUMNS = (layout.Column("状态", "status", 10), layout.Column("当前版本", "number", 8))
EXAMPLE_UNIT = "昆山市市场监督管理局"
EXAMPLE_CODE = f"{layout.EXAMPLE}-0001"
EXAMPLE: dict[str, Any] = {
    "title": "个体工商户设立登记",
    "kind": "行政许可",
    "unit": EXAMPLE_UNIT,
    "window": "市场主体登记窗口",
    "basis": "《促进个体工商户发展条例》《市场主体登记管理条例》",
    "conditions": "有经营能力的自然人，经营场所符合规定。",
    "legal_days": 15,
    "promised_days": 0,
    "fee": "不收费",
    "place": "昆山市前进西路1801号 政务服务中心一楼",
    "hours": "工作日 9:00-12:00，13:30-17:00",
    "visits": 1,
    "online_url": "https://www.jszwfw.gov.cn/",
    "phones": [
        {"kind": "consult", "label": "登记咨询", "number": "0512-57512345"},
        {"kind": "complaint", "label": "", "number": "12345"},
    ],
    "summary": "开店先办营业执照，材料齐全当场办结。",
    "keywords": "开业 开店 营业执照 个体户",
    "related": [],
    "online_note": "",
    "latitude": 31.385,
    "longitude": 120.953,
    "materials": [
        {"name": "经营者身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
        {
            "name": "经营场所使用证明",
            "originals": 1,
            "copies": 0,
            "required": True,
            "note": "租房合同或房产证",
        },
    ],
    "steps": [
        {"title": "申请", "text": "到窗口或网上提交材料"},
        {"title": "审核", "text": "材料齐全当场审核"},
        {"title": "领照", "text": ""},
    ],
    "questions": [{"question": "可以网上办理吗？", "answer": "可以，在江苏政务服务网申请。"}],
    "forms": [{"name": "个体工商户登记申请书", "url": ""}],
}


def _value(value: Any) -> Any:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _sheet(book: Workbook, name: str, columns: Sequence[layout.Column]) -> Worksheet:
    sheet = book.create_sheet(name)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.name)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else HEAD_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2" if name == layout.MAIN else "A2"
    return sheet


def _append(sheet: Worksheet, row: int, values: Iterable[Any]) -> None:
    for index, value in enumerate(values, start=1):
        if value is None or value == "":
            continue
        cell = sheet.cell(row=row, column=index, value=_value(value))
        if isinstance(value, str):
            # Text stays text: a code is never a number and "=..." never runs as a formula.
            cell.data_type = "s"
            cell.number_format = "@"
            if "\n" in value:
                cell.alignment = WRAP


def _main_values(code: str, unit: str, fields: dict[str, Any]) -> list[Any]:
    values: list[Any] = []
    for column in layout.MAIN_COLUMNS:
        match column.field:
            case "code":
                values.append(code)
            case "unit":
                values.append(unit)
            case "consult" | "complaint":
                values.append(layout.phone_cell(fields["phones"], column.field))
            case "related":
                values.append("、".join(fields["related"]))
            case "change_note":
                values.append("")  # a new version's note is written when it is imported
            case name:
                values.append(fields[name])
    return values


def _items(book: Workbook, rows: list[tuple[str, dict[str, Any]]]) -> None:
    for name, (key, columns) in layout.ITEM_SHEETS.items():
        sheet = _sheet(book, name, columns)
        row = 1
        for code, fields in rows:
            for position, entry in enumerate(fields[key], start=1):
                entry = {**entry, "code": code, "position": position}
                if "required" in entry:
                    entry["required"] = "是" if entry["required"] else "否"
                row += 1
                _append(sheet, row, [entry.get(c.field) for c in columns])


def _guide(book: Workbook, extra: Sequence[str]) -> None:
    sheet = book.create_sheet(layout.GUIDE, 0)
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 8
    sheet.column_dimensions["D"].width = 70
    sheet.cell(row=1, column=1, value=layout.GUIDE).font = Font(bold=True, size=14)
    row = 2
    for line in (*extra, *layout.GUIDE_LINES):
        sheet.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    for index, title in enumerate(("工作表", "列", "必填", "怎样填写"), start=1):
        cell = sheet.cell(row=row, column=index, value=title)
        cell.font, cell.fill = BOLD, HEAD_FILL
    for name, columns in layout.SHEETS.items():
        for column in columns:
            row += 1
            sheet.cell(row=row, column=1, value=name)
            sheet.cell(row=row, column=2, value=column.name)
            sheet.cell(row=row, column=3, value="*" if column.required else "")
            sheet.cell(row=row, column=4, value=column.how)


def _choices(book: Workbook, rows: int) -> None:
    """Drop-down lists where a value must come from a list."""
    main = book[layout.MAIN]
    kind = DataValidation(
        type="list",
        formula1='"' + ",".join(KINDS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="事项类型",
        error="请从列表中选择事项类型",
    )
    main.add_data_validation(kind)
    index = next(i for i, c in enumerate(layout.MAIN_COLUMNS, 1) if c.field == "kind")
    letter = get_column_letter(index)
    kind.add(f"{letter}2:{letter}{rows + 1}")
    materials = book[layout.MATERIALS]
    required = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    materials.add_data_validation(required)
    index = next(i for i, c in enumerate(layout.MATERIAL_COLUMNS, 1) if c.field == "required")
    letter = get_column_letter(index)
    required.add(f"{letter}2:{letter}{max(rows * 10, 200) + 1}")


def _book(
    rows: list[tuple[str, str, dict[str, Any]]], status: list[tuple[str, int]] | None,
    extra: Sequence[str],
) -> bytes:  # fmt: skip
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    columns = list(layout.MAIN_COLUMNS) + (list(STATUS_COLUMNS) if status is not None else [])
    main = _sheet(book, layout.MAIN, columns)
    for index, (code, unit, fields) in enumerate(rows):
        values = _main_values(code, unit, fields)
        if status is not None:
            values += list(status[index])
        _append(main, index + 2, values)
    _items(book, [(code, fields) for code, _, fields in rows])
    _guide(book, extra)
    _choices(book, max(len(rows), 200))
    book.active = 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    """The blank workbook with the instructions and one example matter."""
    example = {k: v for k, v in EXAMPLE.items() if k != "unit"}
    return _book([(EXAMPLE_CODE, EXAMPLE_UNIT, example)], None, ())


def export(db: Session, *, now: dt.datetime, local_time: str) -> tuple[bytes, int]:
    """Every matter's current text (a draft's last one) with its status; and how many."""
    query = (
        select(Matter)
        .options(selectinload(Matter.versions), joinedload(Matter.unit))
        .order_by(Matter.code)
    )
    rows: list[tuple[str, str, dict[str, Any]]] = []
    status: list[tuple[str, int]] = []
    for matter in db.scalars(query).unique():
        version = latest(matter)
        if version is None:
            continue
        rows.append((matter.code, matter.unit.name, stored(version)))
        status.append((STATUS_LABELS[matter.status], version.number))
    extra = (f"导出时间：{local_time}，共 {len(rows)} 个事项。",)
    content = _book(rows, status, extra)
    audit.record(
        db,
        action="export",
        object_type="guide_matter",
        object_id="excel",
        summary={"rows": len(rows), "at": now.isoformat()},
    )
    return content, len(rows)
