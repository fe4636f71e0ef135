"""项目督查: planned against actual for every running project with its colour warning, and per
project the chart, the monthly reports, supervisors' notes, visits and instructions, and the
lead unit's answers."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts.deps import CurrentStaff
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, MinshengError, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.org.models import Unit
from minsheng.projects import progress_chart, reports, service, supervision
from minsheng.projects.models import WARNING_LABELS, Batch, Project, Stage
from minsheng.projects.models_progress import NOTE_LABELS
from minsheng.projects.permissions import REPORT_PROGRESS, SUPERVISE, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_reports import AnswerIn, NoteCreate
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()


def _watcher(staff: CurrentStaff) -> StaffPrincipal:
    if not (staff.can(VIEW_PROJECTS_STAFF) or staff.can(REPORT_PROGRESS)):
        raise Forbidden()
    return staff


Watcher = Annotated[StaffPrincipal, Depends(_watcher)]


def _batches(db: Session) -> list[Batch]:
    return list(db.scalars(select(Batch).order_by(Batch.collect_from.desc(), Batch.code)))


def _lead_units(db: Session) -> list[Unit]:
    query = (
        select(Unit)
        .where(Unit.id.in_(select(Project.lead_unit_id).where(Project.stage == Stage.running)))
        .order_by(Unit.path)
    )
    return list(db.scalars(query))


@router.get("/staff/projects/supervision")
def overview(request: Request, db: DbSession, staff: Watcher) -> Response:
    params = request.query_params
    today = reports.local_today()
    batches = _batches(db)
    batch = next((b for b in batches if b.code == params.get("batch", "")), None)
    unit_id = optional_int(params.get("unit"))
    colour = params.get("colour", "")
    rows = supervision.overview(
        db, staff=staff, today=today, batch=batch, unit_id=unit_id, colour=colour
    )
    context = {
        "rows": rows,
        "today": today,
        "batches": [(b.code, b.name) for b in batches],
        "units": [(str(u.id), u.name) for u in _lead_units(db)],
        "colours": [(c.value, label) for c, label in WARNING_LABELS.items()],
        "values": {
            "batch": params.get("batch", ""),
            "unit": params.get("unit", ""),
            "colour": colour,
        },
        "counts": {
            "red": sum(1 for r in rows if r.project.warning == "red"),
            "yellow": sum(1 for r in rows if r.project.warning == "yellow"),
        },
        "last_month": service.previous_month(today),
    }
    return render(request, "projects/supervision/list.html", context)


def _project_page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    project: Project,
    *,
    failed: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    if not supervision.can_read(staff, project):
        raise Forbidden(supervision.NOT_YOURS)
    today = reports.local_today()
    history = reports.history(db, project)
    path = project.lead_unit.path
    context = {
        "project": project,
        "chart": progress_chart.chart(project, history, today),
        "planned": round(service.planned_percent(project, today), 1),
        "today": today,
        "notes": supervision.notes_for(db, project),
        "is_overdue": supervision.is_overdue,
        "can_supervise": staff.can(SUPERVISE, path),
        "can_answer": staff.can(REPORT_PROGRESS, path),
        "kinds": list(NOTE_LABELS.items()),
        "failed": failed,
        "values": values or {},
        "errors": errors or {},
        "added": request.query_params.get("added", ""),
        "answered": request.query_params.get("answered", ""),
    }
    return render(request, "projects/supervision/project.html", context, status=status)


@router.get("/staff/projects/supervision/{code}")
def project_page(code: str, request: Request, db: DbSession, staff: Watcher) -> Response:
    return _project_page(request, db, staff, service.get_project(db, code=code))


@router.post("/staff/projects/supervision/{code}/notes")
def add_note(
    code: str, request: Request, form: FormFields, db: DbSession, staff: CurrentStaff
) -> Response:
    project = service.get_project(db, code=code)
    supervision.require_supervisor(staff, project)
    values = {k: str(form.get(k, "")).strip() for k in ("kind", "text", "visited_on", "answer_by")}
    try:
        data = parse(NoteCreate, values, choose={"kind": "请选择类型"})
        supervision.add_note(db, project, data, staff=staff)
    except (Forbidden, NotFound):
        raise
    except MinshengError as exc:
        db.rollback()
        return _project_page(
            request,
            db,
            staff,
            project,
            failed="note",
            values=values,
            errors=errors_of(exc),
            status=exc.status,
        )
    return RedirectResponse(
        f"/staff/projects/supervision/{quote(project.code)}?added=1#notes", status_code=303
    )


def _local(path: str, default: str) -> str:
    """Only a path on this site's staff pages: never an address elsewhere."""
    return path if path.startswith("/staff/") and "//" not in path and "\\" not in path else default


@router.post("/staff/projects/supervision/notes/{note_id}/answer")
def answer(
    note_id: int, request: Request, form: FormFields, db: DbSession, staff: CurrentStaff
) -> Response:
    note = supervision.get_note(db, note_id)
    project = note.project
    values = {"answer": str(form.get("answer", "")).strip()}
    try:
        supervision.answer(db, note, parse(AnswerIn, values), staff=staff)
    except (Forbidden, NotFound):
        raise
    except MinshengError as exc:
        db.rollback()
        return _project_page(
            request,
            db,
            staff,
            project,
            failed=f"answer-{note_id}",
            values=values,
            errors=errors_of(exc),
            status=exc.status,
        )
    back = f"/staff/projects/supervision/{quote(project.code)}?answered=1#note-{note_id}"
    target = _local(str(form.get("next", "")), back)
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(
        target if target == back else f"{target}{joiner}answered=1", status_code=303
    )
