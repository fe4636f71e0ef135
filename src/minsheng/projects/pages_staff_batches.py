"""Staff pages for batches: the list with their live figures, and the create and edit forms.

Included by pages_staff, before its /staff/projects/{code}.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.projects import catalogue, rollup
from minsheng.projects.models import Batch
from minsheng.projects.permissions import MANAGE_PROJECTS, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_batches import BatchCreate, BatchUpdate
from minsheng.projects.service import get_batch
from minsheng.web.forms import FormFields, errors_of
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]
FIELDS = ("name", "scope", "collect_from", "collect_until", "report_day")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> shows


@router.get("/staff/projects/batches")
def batches(request: Request, db: DbSession, staff: Viewer) -> Response:
    today = catalogue.local_today()
    rows = [(b, rollup.batch_figures(db, b, today)) for b in catalogue.list_batches(db)]
    context = {
        "rows": rows,
        "can_manage": staff.can(MANAGE_PROJECTS),
        "headline_parts": rollup.headline_parts,
    }
    return render(request, "projects/staff/batches.html", context)


def _form(
    request: Request,
    batch: Batch | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {"batch": batch, "values": values, "errors": errors}
    return render(request, "projects/staff/batch_form.html", context, status=status)


def _local_input(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(get_settings().timezone)).strftime(LOCAL_INPUT)


def _values(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: str(form.get(key, "")) for key in (*FIELDS, "vote_opens_at", "vote_closes_at")
    }
    values["public"] = form.get("public") == "on"
    return values


def _save(
    request: Request, db: Session, staff: StaffPrincipal, batch: Batch | None, form: dict[str, Any]
) -> Response:
    values = _values(form)
    try:
        if batch is None:
            values["code"] = str(form.get("code", ""))
            data = catalogue.validated(BatchCreate, values)
            batch = catalogue.create_batch(db, staff=staff, data=data)
        else:
            changes = catalogue.validated(BatchUpdate, values)
            catalogue.update_batch(db, staff=staff, batch=batch, data=changes)
    except MinshengError as exc:
        db.rollback()
        return _form(request, batch, values, errors_of(exc), 422)
    return RedirectResponse("/staff/projects/batches?saved=1", status_code=303)


@router.get("/staff/projects/batches/new")
def new_batch(request: Request, _: Manager) -> Response:
    return _form(request, None, {"report_day": "5", "public": True}, {})


@router.post("/staff/projects/batches/new")
def create_batch(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    return _save(request, db, staff, None, form)


@router.get("/staff/projects/batches/{code}/edit")
def edit_batch(code: str, request: Request, db: DbSession, _: Manager) -> Response:
    batch = get_batch(db, code=code[:20])
    values = catalogue.batch_values(batch)
    values["vote_opens_at"] = _local_input(batch.vote_opens_at)
    values["vote_closes_at"] = _local_input(batch.vote_closes_at)
    return _form(request, batch, values, {})


@router.post("/staff/projects/batches/{code}/edit")
def update_batch(
    code: str, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    return _save(request, db, staff, get_batch(db, code=code[:20]), form)
