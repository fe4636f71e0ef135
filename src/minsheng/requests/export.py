"""The workbench's list as an Excel file: the same filters and the same masking as the page.

Flushes (the export is written to the audit trail), never commits.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from minsheng.audit import service as audit
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.workdays import default_calendar
from minsheng.requests import queries, service
from minsheng.requests.models import CHANNEL_LABELS, DUE_LABELS, CitizenRequest
from minsheng.requests.queries import RequestFilters
from minsheng.requests.workbench import due_of

# One file a person can open; beyond this they should narrow the filters.
MAX_ROWS = 10_000
HEADERS = (
    ("受理编号", 18),
    ("标题", 30),
    ("问题类别", 16),
    ("紧急程度", 8),
    ("渠道", 10),
    ("所在区镇", 12),
    ("社区或村", 12),
    ("详细地址", 24),
    ("承办单位", 24),
    ("办理状态", 8),
    ("超期情况", 8),
    ("受理时间", 17),
    ("签收时限", 17),
    ("办结时限", 17),
    ("办结时间", 17),
    ("办理结果", 12),
    ("重办次数", 8),
    ("联系人", 10),
    ("联系电话", 14),
    ("详细描述", 60),
)


def _cell(sheet: Worksheet, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the wall-clock time the office works in.
        return value.astimezone(default_calendar().tz).replace(tzinfo=None)
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    # Text a resident typed, such as "=HYPERLINK(...)", stays text and never runs as a formula.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _row(request: CitizenRequest, staff: StaffPrincipal, now: dt.datetime) -> list[Any]:
    view = service.staff_view(request, staff=staff)  # decides what of the contact is shown
    due = due_of(request, now)
    return [
        view.tracking_number,
        view.title,
        view.category,
        request.priority_label,
        CHANNEL_LABELS[view.channel],
        view.town or "",
        view.community or "",
        view.address,
        view.unit or "",
        view.status_label,
        DUE_LABELS[due] if due is not None else "",
        view.received_at,
        None if view.closed_at else view.response_due_at,
        None if view.closed_at else view.resolve_due_at,
        view.closed_at,
        request.outcome_label,
        view.reopen_count,
        view.contact_name,
        view.contact_phone,
        view.description,
    ]


def workbook(
    db: Session,
    *,
    staff: StaffPrincipal,
    filters: RequestFilters,
    now: dt.datetime,
    filter_note: str = "",
) -> tuple[bytes, int, int]:
    """The .xlsx file of what `staff` may see under `filters`; with how many rows it holds
    and how many matched."""
    requests, total = queries.search(db, staff=staff, filters=filters, limit=MAX_ROWS, offset=0)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("诉求")
    sheet.freeze_panes = "B2"
    for index, (_, width) in enumerate(HEADERS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    bold = Font(bold=True)
    header = []
    for title, _ in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for request in requests:
        sheet.append([_cell(sheet, v) for v in _row(request, staff, now)])

    about = book.create_sheet("说明")
    local_now = now.astimezone(default_calendar().tz)
    notes = [
        f"导出时间：{local_now:%Y-%m-%d %H:%M}",
        f"导出人：{staff.display_name}",
        f"筛选条件：{filter_note or '全部'}",
        f"符合条件的诉求共 {total} 件，本文件含 {len(requests)} 件。",
        "联系人和联系电话按导出人的权限显示，无权查看的已打码。",
    ]
    if total > len(requests):
        notes.append(f"一次最多导出 {MAX_ROWS} 件，请缩小筛选范围后分批导出。")
    for line in notes:
        about.append([_cell(about, line)])
    audit.record(
        db,
        action="export",
        object_type="citizen_request",
        object_id="workbench",
        summary={"rows": len(requests), "matched": total, "filters": filter_note},
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(requests), total
