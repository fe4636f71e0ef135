"""Staff pages of 问题通报: supervisors draft from the data, edit, approve, publish and correct
circulars and follow the answers; the named units answer here too. Public pages are in
pages_circulars_public.py, included below."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import batch_report, circulars, pages_circulars_public, rectification
from minsheng.projects.circular_pdf import render_circular
from minsheng.projects.models import Batch, Project
from minsheng.projects.models_review import Circular, CircularItem, CircularStatus
from minsheng.projects.pages_circulars_public import circular_context, download, file_name
from minsheng.projects.permissions import REPORT_PROGRESS, SUPERVISE, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_circulars import (
    CircularDraft,
    CircularItemAdd,
    CircularItemUpdate,
    CircularUpdate,
    RectificationAnswer,
)
from minsheng.projects.service import previous_month, require_unit
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_circulars_public.router)
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]
Supervisor = Annotated[StaffPrincipal, Depends(require(SUPERVISE))]
Reporter = Annotated[StaffPrincipal, Depends(require(REPORT_PROGRESS))]
BASE = "/staff/projects/circulars"
DONE = {
    "saved": "已保存。",
    "added": "已增加项目。",
    "removed": "已去掉项目。",
    "approved": "已审核，可以发布。",
    "returned": "已退回草稿，修改后需重新审核。",
    "published": "已发布，已通知被通报项目的牵头单位。",
    "superseded": "已生成更正稿，修改后审核发布，发布后替代原通报。",
    "deleted": "草稿已删除。",
    "answered": "整改情况已报送。",
}


def _text(form: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: form[n].strip() if isinstance(form.get(n), str) else None for n in names}


def _list(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    today = circulars.today()
    supervising = staff.can(SUPERVISE)
    context = {
        "supervising": supervising,
        "circulars": circulars.list_circulars(db) if supervising else [],
        "batch_options": [
            (b.code, b.name) for b in db.scalars(select(Batch).order_by(Batch.code.desc()))
        ],
        "to_answer": rectification.items_for_unit(db, staff=staff)
        if staff.can(REPORT_PROGRESS)
        else [],
        "tally": rectification.tally,
        "status_of": rectification.answer_status,
        "answer_labels": rectification.ANSWER_LABELS,
        "number_of": circulars.number_label,
        "today": today,
        "values": values or {"month": previous_month(today)},
        "errors": errors or {},
        "done": DONE.get(request.query_params.get("done", ""), ""),
    }
    return render(request, "projects/circulars/staff_list.html", context, status=status)


@router.get(BASE)
def staff_list(request: Request, db: DbSession, staff: Viewer) -> Response:
    return _list(request, db, staff)


@router.post(f"{BASE}/new")
def draft(request: Request, form: FormFields, db: DbSession, staff: Supervisor) -> Response:
    values = _text(form, "batch", "month")
    try:
        circular = circulars.draft(db, data=parse(CircularDraft, values), staff=staff)
    except MinshengError as exc:
        db.rollback()
        return _list(request, db, staff, values, errors_of(exc), exc.status)
    return RedirectResponse(f"{BASE}/{circular.id}?done=saved", status_code=303)


def _page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    circular: Circular,
    *,
    failed: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    errors = errors or {}
    context = circular_context(db, circular) | {
        "editable": circular.status == CircularStatus.draft,
        "item_errors": _item_errors(circular, failed, errors),
        "named": {item.project_id for item in circular.items},
        "own_draft": circular.drafted_by_id == staff.user_id,
        "batch_projects": list(
            db.scalars(
                select(Project).where(Project.batch_id == circular.batch_id).order_by(Project.code)
            )
        ),
        "tally": rectification.tally(circular, circulars.today()),
        "failed": failed,
        "values": values or {},
        "errors": errors,
        "done": DONE.get(request.query_params.get("done", ""), "") if not errors else "",
    }
    return render(request, "projects/circulars/staff_circular.html", context, status=status)


def _item_errors(
    circular: Circular, failed: str, errors: dict[str, str]
) -> dict[int, dict[str, str]]:
    """Messages beside each item's fields: from its own form, or from approving or publishing
    (keyed "item-7-cause")."""
    found: dict[int, dict[str, str]] = {}
    for item in circular.items:
        prefix = f"item-{item.id}"
        own = dict(errors) if failed == prefix else {}
        if failed == "steps":
            own = {k[len(prefix) + 1 :]: v for k, v in errors.items() if k.startswith(prefix + "-")}
        found[item.id] = own
    return found


@router.get(f"{BASE}/{{circular_id:int}}")
def staff_circular(circular_id: int, request: Request, db: DbSession, staff: Supervisor):
    return _page(request, db, staff, circulars.get_circular(db, circular_id=circular_id))


def _act(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    circular_id: int,
    failed: str,
    values: dict[str, Any],
    action: Any,
    done: str,
) -> Response:
    """Runs one change; on refusal, the page again with the message beside the form."""
    circular = circulars.get_circular(db, circular_id=circular_id)
    try:
        target = action(circular)
    except MinshengError as exc:
        db.rollback()
        circular = circulars.get_circular(db, circular_id=circular_id)
        return _page(
            request,
            db,
            staff,
            circular,
            failed=failed,
            values=values,
            errors=errors_of(exc),
            status=exc.status,
        )
    where = target.id if isinstance(target, Circular) else circular_id
    return RedirectResponse(f"{BASE}/{where}?done={done}", status_code=303)


@router.post(f"{BASE}/{{circular_id:int}}/edit")
def edit(circular_id: int, request: Request, form: FormFields, db: DbSession, staff: Supervisor):
    values = _text(form, "title", "body", "rectify_by")
    values["rectify_by"] = values["rectify_by"] or None

    def action(circular: Circular) -> None:
        data = parse(CircularUpdate, values)
        circulars.update(db, circular=circular, data=data, staff=staff)

    return _act(request, db, staff, circular_id, "head", values, action, "saved")


@router.post(f"{BASE}/{{circular_id:int}}/items")
def add_item(
    circular_id: int, request: Request, form: FormFields, db: DbSession, staff: Supervisor
):
    values = _text(form, "project")

    def action(circular: Circular) -> None:
        circulars.add_item(db, circular=circular, data=parse(CircularItemAdd, values), staff=staff)

    return _act(request, db, staff, circular_id, "add", values, action, "added")


@router.post(f"{BASE}/{{circular_id:int}}/items/{{item_id:int}}")
def edit_item(
    circular_id: int,
    item_id: int,
    request: Request,
    form: FormFields,
    db: DbSession,
    staff: Supervisor,
) -> Response:
    values = _text(form, "situation", "cause", "required_action", "leader", "deadline")
    values["deadline"] = values["deadline"] or None

    def action(circular: Circular) -> None:
        item = _own_item(db, circular, item_id)
        data = parse(CircularItemUpdate, values)
        circulars.update_item(db, item=item, data=data, staff=staff)

    return _act(request, db, staff, circular_id, f"item-{item_id}", values, action, "saved")


@router.post(f"{BASE}/{{circular_id:int}}/items/{{item_id:int}}/remove")
def remove_item(circular_id: int, item_id: int, request: Request, db: DbSession, staff: Supervisor):
    def action(circular: Circular) -> None:
        circulars.remove_item(db, item=_own_item(db, circular, item_id), staff=staff)

    return _act(request, db, staff, circular_id, f"item-{item_id}", {}, action, "removed")


def _own_item(db: Session, circular: Circular, item_id: int) -> CircularItem:
    item = circulars.get_item(db, item_id=item_id)
    if item.circular_id != circular.id:
        raise NotFound("这个项目不在这份通报里。")
    return item


STEPS = {
    "approve": (circulars.approve, "approved"),
    "return": (circulars.return_to_draft, "returned"),
    "publish": (circulars.publish, "published"),
    "supersede": (circulars.supersede, "superseded"),
}


@router.post(f"{BASE}/{{circular_id:int}}/{{step}}")
def step(circular_id: int, step: str, request: Request, db: DbSession, staff: Supervisor):
    """Approve, return to draft, publish, or start a correction."""
    if step == "delete":
        circular = circulars.get_circular(db, circular_id=circular_id)
        try:
            circulars.delete_draft(db, circular=circular, staff=staff)
        except MinshengError as exc:
            db.rollback()
            circular = circulars.get_circular(db, circular_id=circular_id)
            return _page(request, db, staff, circular, failed="steps", errors=errors_of(exc))
        return RedirectResponse(f"{BASE}?done=deleted", status_code=303)
    if step not in STEPS:
        raise NotFound("没有这个操作。")
    run, done = STEPS[step]
    return _act(
        request,
        db,
        staff,
        circular_id,
        "steps",
        {},
        lambda c: run(db, circular=c, staff=staff),
        done,
    )


@router.get(f"{BASE}/{{circular_id:int}}.pdf")
def staff_pdf(circular_id: int, db: DbSession, _: Supervisor) -> Response:
    """Drafts too, marked as such, so the office can proofread the printed form."""
    circular = circulars.get_circular(db, circular_id=circular_id)
    content = render_circular(db, circular)
    name = f"{file_name(circular)}.pdf"
    return download(content, name=name, ascii_name=f"circular-{circular.id}.pdf", inline=True)


@router.get(f"{BASE}/{{circular_id:int}}.xlsx")
def staff_xlsx(circular_id: int, db: DbSession, _: Supervisor) -> Response:
    circular = circulars.get_circular(db, circular_id=circular_id)
    content = batch_report.circular_xlsx(db, circular)
    name = f"{file_name(circular)}.xlsx"
    return download(content, name=name, ascii_name=f"circular-{circular.id}.xlsx")


def _answer_page(
    request: Request,
    db: Session,
    item_id: int,
    staff: StaffPrincipal,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    item = circulars.get_item(db, item_id=item_id)
    if item.circular.status not in circulars.PUBLIC:
        raise NotFound("这份通报还没有发布。")
    require_unit(staff, REPORT_PROGRESS, item.project)
    today = circulars.today()
    context = {
        "item": item,
        "circular": item.circular,
        "status": rectification.answer_status(item, today),
        "answer_labels": rectification.ANSWER_LABELS,
        "chinese_date": circulars.chinese_date,
        "values": values or {},
        "errors": errors or {},
    }
    return render(request, "projects/circulars/answer.html", context, status=status)


@router.get(f"{BASE}/items/{{item_id:int}}/answer")
def answer_form(item_id: int, request: Request, db: DbSession, staff: Reporter) -> Response:
    return _answer_page(request, db, item_id, staff)


@router.post(f"{BASE}/items/{{item_id:int}}/answer")
def answer(
    item_id: int, request: Request, form: FormFields, db: DbSession, staff: Reporter
) -> Response:
    values = _text(form, "answer")
    item = circulars.get_item(db, item_id=item_id)
    try:
        data = parse(RectificationAnswer, values)
        rectification.answer(db, item=item, data=data, staff=staff)
    except MinshengError as exc:
        if exc.status == 403:
            raise
        db.rollback()
        return _answer_page(request, db, item_id, staff, values, errors_of(exc), exc.status)
    return RedirectResponse(f"{BASE}?done=answered", status_code=303)
