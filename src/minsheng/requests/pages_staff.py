"""Staff workbench: the queue of requests the signed-in person may see, with filters, counts and
the Excel export. A request's own page and its actions are in pages_staff_request.py."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.db import utcnow
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.workdays import default_calendar
from minsheng.org import service as org
from minsheng.org.models import RegionLevel
from minsheng.requests import export, pages_staff_request, queries, workbench
from minsheng.requests.models import (
    CHANNEL_LABELS,
    DUE_LABELS,
    STATUS_LABELS,
    DueColour,
    Status,
)
from minsheng.requests.permissions import VIEW_ALL_REQUESTS, VIEW_REQUESTS
from minsheng.routing import service as routing
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_staff_request.router)
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_REQUESTS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _options(db: Session, staff: StaffPrincipal) -> dict[str, Any]:
    """The choices of the filter form; units limited to those the person covers."""
    categories = [
        (c.code, "　" * (c.path.count("/") - 2) + c.name) for c in routing.list_categories(db)
    ]
    # The town filter matches division codes; a zone without one cannot be chosen.
    towns = [
        (r.code, r.name)
        for r in org.list_regions(db)
        if r.level in (RegionLevel.town, RegionLevel.zone) and r.code
    ]
    paths = None if staff.can(VIEW_ALL_REQUESTS) else staff.units_for(VIEW_REQUESTS)
    units = [
        (str(u.id), "　" * (u.path.count("/") - 2) + u.name)
        for u in org.list_units(db)
        if paths is None or any(u.path.startswith(p) for p in paths)
    ]
    return {
        "statuses": [(s.value, label) for s, label in STATUS_LABELS.items()],
        "dues": [(d.value, label) for d, label in DUE_LABELS.items()],
        "channels": [(c.value, label) for c, label in CHANNEL_LABELS.items()],
        "categories": categories,
        "towns": towns,
        "units": units,
    }


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


@router.get("/staff/requests")
def queue(request: Request, db: DbSession, staff: Viewer) -> Response:
    filters, values, errors = workbench.filters_from(request.query_params)
    page = _page_number(request.query_params.get("page"))
    size = workbench.PAGE_SIZE
    rows, total = queries.search(
        db, staff=staff, filters=filters, limit=size, offset=(page - 1) * size
    )
    now = utcnow()
    context = {
        "rows": [(r, workbench.due_of(r, now)) for r in rows],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // size)),
        "values": values,
        "errors": errors,
        "status_counts": queries.counts_by_status(db, staff=staff, filters=filters),
        "due_counts": workbench.counts_by_due(db, staff=staff, filters=filters),
        "query": lambda **changes: workbench.query_string(values, **changes),
        "max_export": export.MAX_ROWS,
        "done": pages_staff_request.DONE.get(request.query_params.get("done", ""), ""),
        "Status": Status,
        "DueColour": DueColour,
        **_options(db, staff),
    }
    return render(request, "requests/staff_queue.html", context, status=422 if errors else 200)


def _describe(values: dict[str, str], options: dict[str, Any]) -> str:
    """The filters in words, for the export's notes sheet."""
    names = {
        "q": "关键词",
        "status": "办理状态",
        "due": "超期情况",
        "category": "问题类别",
        "channel": "渠道",
        "town": "区镇",
        "unit": "承办单位",
        "from": "受理日期起",
        "to": "受理日期止",
    }
    lists = {
        "status": "statuses",
        "due": "dues",
        "category": "categories",
        "channel": "channels",
        "town": "towns",
        "unit": "units",
    }
    parts = []
    for key, name in names.items():
        if values.get(key):
            shown = dict(options[lists[key]]).get(values[key], values[key]) if key in lists else ""
            parts.append(f"{name}：{(shown or values[key]).strip()}")
    if values.get("flagged") == "1":
        parts.append("仅看已标记")
    return "；".join(parts)


@router.get("/staff/requests.xlsx")
def export_xlsx(request: Request, db: DbSession, staff: Viewer) -> Response:
    filters, values, errors = workbench.filters_from(request.query_params)
    if errors:
        raise InvalidInput(errors, "筛选条件有误，请回到诉求工作台按提示修改后再导出。")
    now = utcnow()
    note = _describe(values, _options(db, staff))
    content, _, _ = export.workbook(db, staff=staff, filters=filters, now=now, filter_note=note)
    local = now.astimezone(default_calendar().tz)
    filename = f"诉求清单-{local:%Y%m%d-%H%M}.xlsx"
    disposition = f"attachment; filename=\"requests.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
