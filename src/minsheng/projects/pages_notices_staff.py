"""/staff/projects/notices: draft a notice of the chosen projects, publish it (which starts them),
answer objections, and supersede a published notice with a correction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.text import mask_phone
from minsheng.projects import collection, notices, service
from minsheng.projects.models_collection import Notice, NoticeStatus
from minsheng.projects.permissions import MANAGE_PROJECTS
from minsheng.projects.schemas_collection import AnswerText, NoticeCreate
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]
FIELDS = ("title", "body", "objection_from", "objection_until", "contact")
TYPED = {"title": "公示标题", "contact": "受理异议的部门和电话"}


def _messages(exc: MinshengError, values: dict[str, Any]) -> dict[str, str]:
    """Field messages; a required field left empty says which one."""
    errors = errors_of(exc)
    for name, label in TYPED.items():
        if name in errors and not values.get(name):
            errors[name] = f"请填写{label}"
    return errors


@router.get("/staff/projects/notices")
def notice_list(request: Request, db: DbSession, staff: Manager) -> Response:
    context = {
        "notices": notices.list_notices(db),
        "labels": notices.STATUS_LABELS,
        "batches": collection.list_batches(db, public_only=False),
    }
    return render(request, "projects/collection/staff_notices.html", context)


def _form(
    request: Request,
    db: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    *,
    notice: Notice | None = None,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "notice": notice,
        "batches": [(b.code, b.name) for b in collection.list_batches(db, public_only=False)],
    }
    return render(request, "projects/collection/staff_notice_form.html", context, status=status)


@router.get("/staff/projects/notices/new")
def new_notice(
    request: Request,
    db: DbSession,
    staff: Manager,
    batch: str | None = None,
    supersedes: int | None = None,
) -> Response:
    values: dict[str, Any] = {"batch": batch or "", "supersedes": ""}
    if supersedes is not None:
        old = notices.get_notice(db, notice_id=supersedes)
        values.update(
            batch=old.batch.code,
            supersedes=str(old.id),
            title=f"{old.title}（更正）",
            body=old.body,
            objection_from=old.objection_from.isoformat(),
            objection_until=old.objection_until.isoformat(),
            contact=old.contact,
        )
    return _form(request, db, values, {})


@router.post("/staff/projects/notices/new")
def create_notice(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in FIELDS}
    values["batch"] = str(form.get("batch", "")).strip()[:20]
    values["supersedes"] = str(form.get("supersedes", "")).strip()
    try:
        data = parse(NoticeCreate, values)
        batch = service.get_batch(db, code=values["batch"]) if values["batch"] else None
        if batch is None:
            return _form(request, db, values, {"batch": "请选择批次"}, 422)
        old_id = optional_int(values["supersedes"])
        old = notices.get_notice(db, notice_id=old_id) if old_id is not None else None
        notice = notices.draft(db, staff=staff, batch=batch, data=data, supersedes=old)
    except MinshengError as exc:
        db.rollback()
        return _form(request, db, values, _messages(exc, values), exc.status)
    return RedirectResponse(f"/staff/projects/notices/{notice.id}", status_code=303)


def _detail(
    request: Request,
    db: Session,
    notice: Notice,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    draft = notice.status == NoticeStatus.draft
    if draft and not values:
        values = {
            "title": notice.title,
            "body": notice.body,
            "objection_from": notice.objection_from.isoformat(),
            "objection_until": notice.objection_until.isoformat(),
            "contact": notice.contact,
        }
    context = {
        "notice": notice,
        "draft": draft,
        "status_label": notices.STATUS_LABELS[notice.status],
        "preview": notices.listed_projects(db, notice=notice) if draft else [],
        "rows": notices.snapshot(notice),
        "objections": [
            (notices.project_label(db, o), mask_phone(o.phone), o)
            for o in notices.objections(db, notice=notice)
        ],
        "replaced_by": notices.superseded_by(db, notice=notice),
        "values": values,
        "errors": errors,
        "message": request.query_params.get("done", "")[:20],
    }
    return render(request, "projects/collection/staff_notice.html", context, status=status)


@router.get("/staff/projects/notices/{notice_id}")
def notice_detail(notice_id: int, request: Request, db: DbSession, staff: Manager) -> Response:
    return _detail(request, db, notices.get_notice(db, notice_id=notice_id), {}, {})


@router.post("/staff/projects/notices/{notice_id}/edit")
def edit_notice(
    notice_id: int, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    notice = notices.get_notice(db, notice_id=notice_id)
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in FIELDS}
    try:
        notices.update_draft(db, staff=staff, notice=notice, data=parse(NoticeCreate, values))
    except MinshengError as exc:
        db.rollback()
        notice = notices.get_notice(db, notice_id=notice_id)
        return _detail(request, db, notice, values, _messages(exc, values), exc.status)
    return RedirectResponse(f"/staff/projects/notices/{notice.id}?done=saved", status_code=303)


@router.post("/staff/projects/notices/{notice_id}/publish")
def publish(notice_id: int, request: Request, db: DbSession, staff: Manager) -> Response:
    notice = notices.get_notice(db, notice_id=notice_id)
    try:
        notices.publish(db, staff=staff, notice=notice)
    except MinshengError as exc:
        db.rollback()
        notice = notices.get_notice(db, notice_id=notice_id)
        return _detail(request, db, notice, {}, {"__all__": exc.message}, exc.status)
    return RedirectResponse(f"/staff/projects/notices/{notice.id}?done=published", status_code=303)


@router.post("/staff/projects/notices/objections/{objection_id}/answer")
def answer_objection(
    objection_id: int, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    objection = notices.get_objection(db, objection_id=objection_id)
    notice_id = objection.notice_id
    field = f"answer_{objection.id}"
    try:
        typed = form.get(field, form.get("answer", ""))
        data = parse(AnswerText, {"answer": str(typed)})
        notices.answer_objection(db, staff=staff, objection=objection, text=data.answer)
    except MinshengError as exc:
        db.rollback()
        message = errors_of(exc).get("answer") or exc.message
        if message == "请填写这一项":
            message = "请填写答复"
        notice = notices.get_notice(db, notice_id=notice_id)
        return _detail(request, db, notice, {}, {field: message}, exc.status)
    return RedirectResponse(
        f"/staff/projects/notices/{notice_id}?done=answered#objection-{objection_id}",
        status_code=303,
    )
