"""月报填报: the unit's projects for a month (due, filed, late, missing), the report form, a
project's report history for staff, corrections by the programme office, and report files.

The Excel import lives in pages_report_import.py and is mounted here first, so that its fixed
paths (/staff/projects/reports/import ...) come before /staff/projects/reports/{code}.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts.deps import CurrentStaff, OptionalStaff
from minsheng.accounts.models import StaffUser
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, InvalidInput, MinshengError, NotFound
from minsheng.core.images import MAX_PHOTOS
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import (
    pages_report_import,
    report_files,
    report_status,
    reports,
    service,
    supervision,
)
from minsheng.projects.models import Project
from minsheng.projects.models_progress import MonthlyReport, ReportFile
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS
from minsheng.projects.schemas_reports import MONTH, ReportCorrection, ReportCreate, ResultIn
from minsheng.web.forms import FormFields, errors_of, field_message, parse
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_report_import.router)

TEXT_FIELDS = ("month", "progress", "done", "problems", "next_steps", "regress_reason", "reason")
FILE_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}


def _reporter(staff: CurrentStaff) -> StaffPrincipal:
    if not (staff.can(REPORT_PROGRESS) or staff.can(MANAGE_PROJECTS)):
        raise Forbidden()
    return staff


Reporter = Annotated[StaffPrincipal, Depends(_reporter)]


def recent_months(today_month: str, count: int = 12) -> list[str]:
    year, mon = (int(part) for part in today_month.split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return months


@router.get("/staff/projects/reports")
def report_list(request: Request, db: DbSession, staff: Reporter) -> Response:
    today = reports.local_today()
    asked = request.query_params.get("month", "")
    month = asked if MONTH.match(asked) else service.previous_month(today)
    projects = report_status.reporting_projects(db, staff)
    rows = report_status.statuses(db, projects, month, today)
    groups = [
        ("missing", "逾期未报", [r for r in rows if r.state == "missing"]),
        ("due", "待填报", [r for r in rows if r.state == "due"]),
        ("filed", "已填报", [r for r in rows if r.state in ("filed", "late")]),
    ]
    context = {
        "month": month,
        "months": recent_months(service.month_key(today)),
        "groups": groups,
        "today": today,
        "instructions": supervision.open_instructions(db, projects),
        "is_overdue": supervision.is_overdue,
        "filed": request.query_params.get("filed", ""),
        "answered": request.query_params.get("answered", ""),
        "imported": request.query_params.get("imported", ""),
        "projects": projects,
    }
    return render(request, "projects/reports/list.html", context)


def _report_hints(db: Session, project: Project, month: str) -> dict[str, Any]:
    """What the form shows beside each field: the plan, the last report, the last figures."""
    earlier = [r for r in reports.history(db, project) if r.month < month]
    last: dict[int, float] = {}
    for report in earlier:
        for result in report.results:
            last.setdefault(result.target_id, result.value)
    return {
        "last_report": earlier[0] if earlier else None,
        "last_results": last,
        "planned": round(service.planned_percent(project, reports.local_today()), 1),
    }


def _form(
    request: Request,
    db: Session,
    project: Project,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    correcting: MonthlyReport | None = None,
    status: int = 200,
) -> Response:
    month = values.get("month") or service.previous_month(reports.local_today())
    staff = request.state.staff
    context = {
        "project": project,
        "on_behalf": correcting is None and reports.filer_on_behalf(staff, project),
        "values": values,
        "errors": errors,
        "correcting": correcting,
        "max_photos": MAX_PHOTOS,
        "max_attachments": report_files.MAX_ATTACHMENTS,
        "attachment_accept": report_files.ATTACHMENT_ACCEPT,
        **_report_hints(db, project, month if MONTH.match(month) else "9999-12"),
    }
    return render(request, "projects/reports/form.html", context, status=status)


def _read_form(
    project: Project, form: dict[str, Any], schema: type[ReportCreate]
) -> tuple[ReportCreate, report_files.Uploads]:
    """The report in the form, or InvalidInput with every field's message at once."""
    errors: dict[str, str] = {}
    results = []
    for target in project.targets:
        raw = str(form.get(f"result_{target.id}", "")).strip()
        if not raw:
            continue
        try:
            results.append(ResultIn.model_validate({"target_id": target.id, "value": raw}))
        except ValidationError as exc:
            errors[f"result_{target.id}"] = field_message(exc.errors()[0])
    uploads = report_files.read_uploads(form)
    values = {k: str(form.get(k, "")).strip() for k in TEXT_FIELDS if k in schema.model_fields}
    data = None
    try:
        data = parse(schema, {**values, "results": []})
    except InvalidInput as exc:
        errors = {**exc.fields, **errors}
    errors.update(uploads.errors)
    if errors or data is None:
        raise InvalidInput(errors)
    return data.model_copy(update={"results": results}), uploads


def _values(form: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def form_errors(exc: MinshengError) -> dict[str, str]:
    """Field messages, including a month already reported (a Conflict that names its field)."""
    fields = getattr(exc, "fields", None)
    return dict(fields) if isinstance(fields, dict) else errors_of(exc)


@router.get("/staff/projects/reports/{code}/new")
def new_report(code: str, request: Request, db: DbSession, staff: Reporter) -> Response:
    project = service.get_project(db, code=code)
    reports.filer_on_behalf(staff, project)
    asked = request.query_params.get("month", "")
    month = asked if MONTH.match(asked) else _first_unreported(db, project)
    return _form(request, db, project, {"month": month}, {})


def _first_unreported(db: Session, project: Project) -> str:
    """Last month, unless it is reported already: then this month."""
    today = reports.local_today()
    last = service.previous_month(today)
    return service.month_key(today) if reports.get_report(db, project, last) else last


@router.post("/staff/projects/reports/{code}/new")
def file_report(
    code: str, request: Request, form: FormFields, db: DbSession, staff: Reporter
) -> Response:
    project = service.get_project(db, code=code)
    reports.filer_on_behalf(staff, project)
    try:
        data, uploads = _read_form(project, form, ReportCreate)
        filed = reports.file_report(
            db,
            project,
            data,
            staff=staff,
            photos=uploads.photos,
            attachments=uploads.attachments,
        )
    except (Forbidden, NotFound):
        raise
    except MinshengError as exc:
        db.rollback()
        return _form(request, db, project, _values(form), form_errors(exc), status=exc.status)
    return RedirectResponse(
        f"/staff/projects/reports?month={filed.month}&filed={quote(project.code)}",
        status_code=303,
    )


def _filers(db: Session, history: list[MonthlyReport]) -> dict[int, str]:
    ids = {r.filed_by_id for r in history if r.filed_by_id}
    if not ids:
        return {}
    rows = db.execute(select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids)))
    return {row.id: row.display_name for row in rows}


@router.get("/staff/projects/reports/{code}")
def project_reports(code: str, request: Request, db: DbSession, staff: CurrentStaff) -> Response:
    project = service.get_project(db, code=code)
    if not supervision.can_read(staff, project):
        raise Forbidden("这个实事项目不由您的单位牵头。")
    history = reports.history(db, project)
    path = project.lead_unit.path
    context = {
        "project": project,
        "history": history,
        "filers": _filers(db, history),
        "can_file": staff.can(REPORT_PROGRESS, path) or staff.can(MANAGE_PROJECTS, path),
        "can_correct": staff.can(MANAGE_PROJECTS, path),
        "corrected": request.query_params.get("corrected", ""),
    }
    return render(request, "projects/reports/project.html", context)


def _correcting(db: Session, project: Project, month: str) -> MonthlyReport:
    report = reports.get_report(db, project, month) if MONTH.match(month) else None
    if report is None:
        raise NotFound("这个月还没有月报。")
    return report


@router.get("/staff/projects/reports/{code}/{month}/correct")
def correction_form(
    code: str, month: str, request: Request, db: DbSession, staff: CurrentStaff
) -> Response:
    project = service.get_project(db, code=code)
    service.require_unit(staff, MANAGE_PROJECTS, project)
    report = _correcting(db, project, month)
    values: dict[str, Any] = {
        "month": report.month,
        "progress": f"{report.progress:g}",
        "done": report.done,
        "problems": report.problems,
        "next_steps": report.next_steps,
        "regress_reason": report.regress_reason,
    }
    values |= {f"result_{r.target_id}": f"{r.value:g}" for r in report.results}
    return _form(request, db, project, values, {}, correcting=report)


@router.post("/staff/projects/reports/{code}/{month}/correct")
def correct(
    code: str, month: str, request: Request, form: FormFields, db: DbSession, staff: CurrentStaff
) -> Response:
    project = service.get_project(db, code=code)
    service.require_unit(staff, MANAGE_PROJECTS, project)
    report = _correcting(db, project, month)
    form = {**form, "month": month}
    try:
        data, uploads = _read_form(project, form, ReportCorrection)
        assert isinstance(data, ReportCorrection)
        reports.correct_report(
            db,
            project,
            month,
            data,
            staff=staff,
            photos=uploads.photos,
            attachments=uploads.attachments,
        )
    except (Forbidden, NotFound):
        raise
    except MinshengError as exc:
        db.rollback()
        report = _correcting(db, project, month)
        return _form(
            request,
            db,
            project,
            _values(form),
            form_errors(exc),
            correcting=report,
            status=exc.status,
        )
    return RedirectResponse(
        f"/staff/projects/reports/{quote(project.code)}?corrected={month}", status_code=303
    )


@router.get("/projects/report-files/{key}")
def report_file(key: str, db: DbSession, staff: OptionalStaff) -> Response:
    """A report's photo (public with its project) or attachment (staff who may read it)."""
    found = db.scalar(select(ReportFile).where(ReportFile.key == key[:40]))
    if found is None:
        raise NotFound("没有这个文件。")
    project = found.report.project
    public = found.public and project.public
    if not public and (staff is None or not supervision.can_read(staff, project)):
        raise NotFound("没有这个文件。")  # not 403: whether the key exists is not told either
    headers = dict(FILE_HEADERS)
    if not found.is_photo:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(found.filename)}"
    if public:
        headers["Cache-Control"] = "public, max-age=86400"
    return Response(found.content, media_type=found.content_type, headers=headers)
