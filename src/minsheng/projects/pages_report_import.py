"""月报导入: the template to download, the upload, and the row-by-row table of what to fix.

Mounted by pages_reports.py before its /staff/projects/reports/{code} routes.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from minsheng.accounts.deps import CurrentStaff
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import report_import, report_template, reports, service
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS
from minsheng.projects.schemas_reports import MONTH
from minsheng.web.forms import FormFields
from minsheng.web.templating import render

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reporter(staff: CurrentStaff) -> StaffPrincipal:
    if not (staff.can(REPORT_PROGRESS) or staff.can(MANAGE_PROJECTS)):
        raise Forbidden()
    return staff


Reporter = Annotated[StaffPrincipal, Depends(_reporter)]


def _page(
    request: Request,
    *,
    month: str,
    problems: list[report_import.Problem] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    context = {
        "month": month,
        "problems": problems or [],
        "message": message,
        "reports_sheet": report_import.REPORTS,
        "results_sheet": report_import.RESULTS,
        "report_columns": report_import.REPORT_COLUMNS,
        "result_columns": report_import.RESULT_COLUMNS,
        "max_rows": report_import.MAX_ROWS,
    }
    return render(request, "projects/reports/import.html", context, status=status)


def _month(asked: str) -> str:
    return asked if MONTH.match(asked) else service.previous_month(reports.local_today())


@router.get("/staff/projects/reports/import")
def import_page(request: Request, _: Reporter) -> Response:
    return _page(request, month=_month(request.query_params.get("month", "")))


@router.get("/staff/projects/reports/template.xlsx")
def template(request: Request, db: DbSession, staff: Reporter) -> Response:
    month = _month(request.query_params.get("month", ""))
    content = report_template.template(db, staff=staff, month=month, today=reports.local_today())
    name = quote(f"实事项目月报导入模板-{month}.xlsx")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    return Response(content, media_type=XLSX, headers=headers)


@router.post("/staff/projects/reports/import")
def import_workbook(request: Request, form: FormFields, db: DbSession, staff: Reporter) -> Response:
    month = _month(str(form.get("month", "")))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
        problem = report_import.Problem("", None, "请选择要导入的 Excel 文件")
        return _page(request, month=month, problems=[problem], status=422)
    content = upload.file.read(report_import.MAX_BYTES + 1)
    try:
        filed = report_import.import_reports(db, content, staff=staff)
    except report_import.ImportRefused as exc:
        db.rollback()
        return _page(request, month=month, problems=exc.problems, message=exc.message, status=422)
    months = sorted({r.month for r in filed})
    shown = months[0] if len(months) == 1 else month
    return RedirectResponse(
        f"/staff/projects/reports?month={shown}&imported={len(filed)}", status_code=303
    )
