"""The staff workbench of practical projects: the list (a handler's own unit's projects first),
a project's staff page with the responsible phone, and the stage actions (start, complete, stop).

Batch pages are in pages_staff_batches.py, the project forms in pages_staff_forms.py; both are
included here before /staff/projects/{code}.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import (
    catalogue,
    charts,
    follow,
    links,
    listing,
    pages_staff_batches,
    pages_staff_forms,
    stages,
)
from minsheng.projects.models import AREAS, STAGE_LABELS, WARNING_LABELS, Project, Stage
from minsheng.projects.models import WarningColour as Colour
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_catalogue import day
from minsheng.projects.service import get_project, planned_percent
from minsheng.web.forms import FormFields, errors_of, optional_int
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_staff_batches.router)
router.include_router(pages_staff_forms.router)
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]
PER_PAGE = 50
STAGES = [(s.value, label) for s, label in STAGE_LABELS.items()]
WARNINGS = [(c.value, WARNING_LABELS[c]) for c in Colour]


def _own_paths(staff: StaffPrincipal) -> list[str]:
    """Where a handler reports for: their projects come first. City-wide roles have none."""
    if staff.can_everywhere(MANAGE_PROJECTS) or staff.can_everywhere(REPORT_PROGRESS):
        return []
    return staff.units_for(REPORT_PROGRESS)


def _pick(value: str | None, allowed: list[tuple[str, str]]) -> str | None:
    return value if value in dict(allowed) else None


@router.get("/staff/projects")
def workbench(request: Request, db: DbSession, staff: Viewer) -> Response:
    query = request.query_params
    batches = [(b.code, b.name) for b in catalogue.list_batches(db)]
    units = [(str(u.id), u.name) for u in listing.lead_units(db, public_only=False)]
    values: dict[str, Any] = {
        "batch": _pick(query.get("batch"), batches),
        "area": _pick(query.get("area"), list(AREAS.items())),
        "unit": _pick(query.get("unit"), units),
        "stage": _pick(query.get("stage"), STAGES),
        "warning": _pick(query.get("warning"), WARNINGS),
        "q": (query.get("q") or "").strip()[:100],
    }
    filters = listing.ProjectFilters(
        batch=values["batch"],
        area=values["area"],
        unit_id=int(values["unit"]) if values["unit"] else None,
        stage=Stage(values["stage"]) if values["stage"] else None,
        warning=Colour(values["warning"]) if values["warning"] else None,
        q=values["q"] or None,
    )
    try:
        page = min(max(int(query.get("page") or 1), 1), 10_000)
    except ValueError:
        page = 1
    own = _own_paths(staff)
    rows, total = listing.search(
        db,
        filters=filters,
        public_only=False,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
        first_paths=own,
    )
    pages = listing.pages(total, PER_PAGE)
    kept = {k: v for k, v in values.items() if v}
    today = catalogue.local_today()
    context = {
        "rows": [
            (p, charts.meter(p.progress, planned_percent(p, today)), _is_own(p, own)) for p in rows
        ],
        "values": values,
        "batches": batches,
        "areas": list(AREAS.items()),
        "units": units,
        "stages": STAGES,
        "warnings": WARNINGS,
        "total": total,
        "page": page,
        "pages": pages,
        "previous": "?" + urlencode(kept | {"page": page - 1}) if page > 1 else None,
        "next": "?" + urlencode(kept | {"page": page + 1}) if page < pages else None,
        "can_manage": staff.can(MANAGE_PROJECTS),
        "percent": charts.percent,
    }
    return render(request, "projects/staff/workbench.html", context)


def _is_own(project: Project, paths: list[str]) -> bool:
    return any(project.lead_unit.path.startswith(p) for p in paths)


def render_project(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    project: Project,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    today = catalogue.local_today()
    planned = planned_percent(project, today)
    context = {
        "project": project,
        "meter": charts.meter(project.progress, planned),
        "today": today,
        "can_plan": catalogue.can_edit_plan(staff, project),
        "can_details": catalogue.can_edit_details(staff, project),
        "request_numbers": links.request_numbers(db, project),
        "proposal_numbers": links.proposal_numbers(db, project),
        "followers": follow.count(db, project),
        "errors": errors or {},
        "values": values or {},
        "percent": charts.percent,
    }
    return render(request, "projects/staff/project.html", context, status=status)


@router.get("/staff/projects/{code}")
def project_page(code: str, request: Request, db: DbSession, staff: Viewer) -> Response:
    return render_project(request, db, staff, get_project(db, code=code[:20]))


def _act(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    code: str,
    form: dict[str, Any],
    action: str,
) -> Response:
    project = get_project(db, code=code[:20])
    version = optional_int(form.get("version"))
    try:
        if version is None:
            raise InvalidInput({"__all__": "表单缺少版本号，请刷新页面后再操作"})
        if action == "start":
            stages.start(
                db, project=project, actor_label=staff.display_name, staff=staff, version=version
            )
        elif action == "complete":
            completed_on = _completed_on(str(form.get("completed_on", "")))
            stages.complete(
                db, staff=staff, project=project, completed_on=completed_on, version=version
            )
        else:
            reason = str(form.get("reason", ""))
            stages.stop(db, staff=staff, project=project, reason=reason, version=version)
    except MinshengError as exc:
        db.rollback()
        values = {k: str(v) for k, v in form.items()}
        return render_project(
            request, db, staff, project, errors=errors_of(exc), values=values, status=exc.status
        )
    return RedirectResponse(f"/staff/projects/{project.code}?done={action}", status_code=303)


def _completed_on(text: str) -> Any:
    try:
        return day(text)
    except ValueError as exc:
        raise InvalidInput({"completed_on": str(exc)}) from None


@router.post("/staff/projects/{code}/start")
def start(code: str, request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    return _act(request, db, staff, code, form, "start")


@router.post("/staff/projects/{code}/complete")
def complete(
    code: str, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    return _act(request, db, staff, code, form, "complete")


@router.post("/staff/projects/{code}/stop")
def stop(code: str, request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    return _act(request, db, staff, code, form, "stop")
