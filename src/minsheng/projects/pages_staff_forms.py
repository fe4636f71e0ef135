"""Staff forms for a project: the whole plan for the programme office, the description and the
responsible person for the lead unit. Targets and milestones are rows of fields (no script):
existing rows plus a few empty ones; a row left empty is not saved, a row emptied is removed.

Included by pages_staff, before its /staff/projects/{code}.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service as org
from minsheng.projects import catalogue
from minsheng.projects.models import AREAS, STAGE_LABELS, Project, Stage
from minsheng.projects.permissions import MANAGE_PROJECTS, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_catalogue import DETAIL_FIELDS, ProjectCreate
from minsheng.projects.service import get_project
from minsheng.web.forms import FormFields, errors_of, optional_int
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]
BLANK_ROWS = 3
ROWS = {
    "targets": ("name", "measure", "planned"),
    "milestones": ("title", "due_on", "planned_percent"),
}
PLAIN = (
    *("title", "description", "area", "responsible_person", "responsible_phone", "budget_wan"),
    *("start_on", "end_on", "weight", "request_numbers", "proposal_numbers"),
)
NEW_STAGES = [(s.value, STAGE_LABELS[s]) for s in (Stage.running, Stage.chosen, Stage.candidate)]


def _rows(form: dict[str, Any], kind: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled rows of `kind` and, for each, its index on the form."""
    indices = sorted(
        {int(m.group(1)) for key in form if (m := re.fullmatch(rf"{kind}\.(\d+)\.\w+", key))}
    )
    rows, places = [], []
    for i in indices[:50]:
        row: dict[str, Any] = {f: str(form.get(f"{kind}.{i}.{f}", "")).strip() for f in ROWS[kind]}
        if not any(row.values()):
            continue  # an empty row: a spare one, or an existing one emptied to remove it
        row["id"] = optional_int(form.get(f"{kind}.{i}.id"))
        rows.append(row)
        places.append(i)
    return rows, places


def _co_units(form: dict[str, Any]) -> list[int]:
    raw = form.get("co_unit_ids", [])
    values = raw if isinstance(raw, list) else [raw]
    return [
        number for v in values if v not in ("", None) and (number := optional_int(v)) is not None
    ]


def read_form(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The form as the service's input, and where each row sits on the form."""
    data: dict[str, Any] = {key: str(form.get(key, "")) for key in PLAIN}
    data["lead_unit_id"] = optional_int(form.get("lead_unit_id"))
    data["co_unit_ids"] = _co_units(form)
    data["public"] = form.get("public") == "on"
    places = {}
    for kind in ROWS:
        data[kind], places[kind] = _rows(form, kind)
    return data, places


def form_errors(exc: MinshengError, places: dict[str, list[int]]) -> dict[str, str]:
    """The service's messages keyed by the form's field names (a row's number on the form)."""
    errors = {}
    for key, message in errors_of(exc).items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] in places and parts[1].isdigit():
            at = int(parts[1])
            if at < len(places[parts[0]]):
                parts[1] = str(places[parts[0]][at])
        errors[".".join(parts[:3])] = message
    return errors


def _shown(value: Any) -> Any:
    """A number as a person writes it: 40000, not 40000.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _form_values(db: Session, project: Project) -> dict[str, Any]:
    values = catalogue.project_values(db, project)
    flat: dict[str, Any] = {k: v for k, v in values.items() if k not in ROWS}
    flat["request_numbers"] = "\n".join(values["request_numbers"])
    flat["proposal_numbers"] = "\n".join(values["proposal_numbers"])
    for kind in ROWS:
        for i, row in enumerate(values[kind]):
            for field, value in row.items():
                flat[f"{kind}.{i}.{field}"] = _shown(value)
    for key in ("budget_wan", "weight"):
        flat[key] = _shown(flat[key])
    flat["version"] = project.version
    return flat


def _row_count(values: dict[str, Any], kind: str) -> int:
    used = [int(m.group(1)) for k in values if (m := re.fullmatch(rf"{kind}\.(\d+)\.\w+", k))]
    return max(used, default=-1) + 1 + BLANK_ROWS


def _render(
    request: Request,
    db: Session,
    project: Project | None,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
    details_only: bool = False,
) -> Response:
    units = org.list_units(db, active_only=True)
    chosen_co = {str(u) for u in values.get("co_unit_ids") or []}
    context = {
        "project": project,
        "values": values,
        "errors": errors,
        "details_only": details_only,
        "batches": [(b.code, b.name) for b in catalogue.list_batches(db)],
        "areas": list(AREAS.items()),
        "units": [(str(u.id), u.name) for u in units],
        "chosen_co": chosen_co,
        "stages": NEW_STAGES,
        "target_rows": range(_row_count(values, "targets")),
        "milestone_rows": range(_row_count(values, "milestones")),
    }
    return render(request, "projects/staff/project_form.html", context, status=status)


def _redisplay(form: dict[str, Any]) -> dict[str, Any]:
    values = dict(form)
    values["co_unit_ids"] = _co_units(form)
    values["public"] = form.get("public") == "on"
    return values


@router.get("/staff/projects/new")
def new_project(request: Request, db: DbSession, _: Manager) -> Response:
    values = {"batch": request.query_params.get("batch", ""), "weight": "1", "public": True}
    return _render(request, db, None, values | {"stage": Stage.running.value}, {})


@router.post("/staff/projects/new")
def create_project(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    data, places = read_form(form)
    data |= {"batch": str(form.get("batch", "")), "code": str(form.get("code", ""))}
    data["stage"] = str(form.get("stage", "")) or Stage.running.value
    try:
        project = catalogue.create_project(
            db, staff=staff, data=catalogue.validated(ProjectCreate, data)
        )
    except MinshengError as exc:
        db.rollback()
        errors = form_errors(exc, places)
        return _render(request, db, None, _redisplay(form), errors, status=exc.status)
    return RedirectResponse(f"/staff/projects/{project.code}?saved=1", status_code=303)


@router.get("/staff/projects/{code}/edit")
def edit_project(code: str, request: Request, db: DbSession, staff: Viewer) -> Response:
    project = get_project(db, code=code[:20])
    if not catalogue.can_edit_details(staff, project):
        raise Forbidden("这个实事项目不由您的单位牵头，您不能修改。")
    details_only = not catalogue.can_edit_plan(staff, project)
    values = _form_values(db, project)
    return _render(request, db, project, values, {}, details_only=details_only)


@router.post("/staff/projects/{code}/edit")
def update_project(
    code: str, request: Request, form: FormFields, db: DbSession, staff: Viewer
) -> Response:
    project = get_project(db, code=code[:20])
    if not catalogue.can_edit_details(staff, project):
        raise Forbidden("这个实事项目不由您的单位牵头，您不能修改。")
    details_only = not catalogue.can_edit_plan(staff, project)
    if details_only:
        changes: dict[str, Any] = {k: str(form.get(k, "")) for k in DETAIL_FIELDS}
        places: dict[str, list[int]] = {}
    else:
        changes, places = read_form(form)
    version = optional_int(form.get("version"))
    try:
        if version is None:
            raise InvalidInput({"__all__": "表单缺少版本号，请刷新页面后再改"})
        catalogue.update_project(db, staff=staff, project=project, changes=changes, version=version)
    except MinshengError as exc:
        db.rollback()
        errors = form_errors(exc, places)
        values = _redisplay(form)
        return _render(
            request, db, project, values, errors, status=exc.status, details_only=details_only
        )
    return RedirectResponse(f"/staff/projects/{project.code}?saved=1", status_code=303)
