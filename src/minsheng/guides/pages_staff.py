"""The staff catalogue editor: the list of matters one may edit, the form that creates a matter
or publishes its next version, the staff view with every version, and withdrawing a matter."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.accounts.models import StaffUser
from minsheng.core.deps import DbSession
from minsheng.core.errors import Conflict, Forbidden, InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides import editing, feedback, service
from minsheng.guides.models import STATUS_LABELS, Matter, MatterStatus
from minsheng.guides.permissions import EDIT_GUIDES, MANAGE_GUIDES
from minsheng.guides.schemas import KINDS, PHONE_KINDS
from minsheng.web.forms import FormFields, errors_of, optional_int
from minsheng.web.templating import render

router = APIRouter()
Editor = Annotated[StaffPrincipal, Depends(require(EDIT_GUIDES))]
STATUSES = [(s.value, label) for s, label in STATUS_LABELS.items()]
PER_PAGE = 50
NOT_YOURS = "这个事项不归您的单位管理，只有实施主体单位和管理员可以查看和修改。"
STALE = (
    "在您修改期间，{who}已发布了第 {number} 版。您填写的内容还在下面，"
    "请先看一看最新版本，再决定是否用您的内容发布新版本。"
)

WITHDRAWN_MEANWHILE = (
    "在您修改期间，这个事项已被停止办理。您填写的内容还在下面，请先看一看它的工作页面。"
)


def _editable(db: Session, code: str, staff: StaffPrincipal) -> Matter:
    matter = service.get_matter(db, code=code)
    if not service.may_edit(staff, matter):
        raise Forbidden(NOT_YOURS)
    return matter


@router.get("/staff/guides")
def staff_list(
    request: Request,
    db: DbSession,
    staff: Editor,
    unit: str = "",
    status: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    """The matters this person may edit, filtered by unit, status and text."""
    chosen = MatterStatus(status) if status in MatterStatus.__members__ else None
    unit_id = optional_int(unit)
    page = max(1, min(page, 10_000))
    rows, total, counts = editing.listing(
        db, staff=staff, unit_id=unit_id, status=chosen, text=q, page=page, per_page=PER_PAGE
    )
    values = {"unit": str(unit_id) if unit_id else "", "status": status if chosen else "", "q": q}
    pages = max(1, -(-total // PER_PAGE))

    def link(number: int) -> str:
        return "/staff/guides?" + urlencode({**values, "page": number})

    context = {
        "rows": rows,
        "total": total,
        "counts": counts,
        "labels": {s.value: label for s, label in STATUS_LABELS.items()},
        "values": values,
        "errors": {},
        "units": [(str(u.id), u.name) for u in editing.editable_units(db, staff=staff)],
        "statuses": STATUSES,
        "page": page,
        "pages": pages,
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
        "may_import": staff.can(MANAGE_GUIDES),
    }
    return render(request, "guides/staff/list.html", context)


def _form_page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    matter: Matter | None,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
    rows: dict[str, int],
) -> Response:
    context = {
        "matter": matter,
        "values": values,
        "errors": errors,
        "kinds": [(k, k) for k in KINDS],
        "phone_kinds": list(PHONE_KINDS.items()),
        "units": [(str(u.id), u.name) for u in editing.editable_units(db, staff=staff)],
        "rows": rows,
        "row_labels": editing.ROW_LABELS,
    }
    return render(request, "guides/staff/form.html", context, status=status)


def _redisplay(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    matter: Matter | None,
    form: dict[str, Any],
    errors: dict[str, str],
    status: int,
) -> Response:
    """The form again as typed, with the messages; nothing was saved."""
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    more = form.get("action") == "more"
    rows = editing.row_counts(values, blank=False, more=more)
    return _form_page(request, db, staff, matter, values, errors, status=status, rows=rows)


@router.get("/staff/guides/new")
def new_form(request: Request, db: DbSession, staff: Editor) -> Response:
    units = editing.editable_units(db, staff=staff)
    values = {"kind": "行政许可", "fee": "不收费", "visits": "1"}
    if len(units) == 1:
        values["unit_id"] = str(units[0].id)
    return _form_page(request, db, staff, None, values, {}, rows=editing.row_counts({}))


@router.post("/staff/guides/new")
def create(request: Request, form: FormFields, db: DbSession, staff: Editor) -> Response:
    """发布 creates the matter published, 存草稿 as a draft, 多加几行 only adds rows."""
    action = form.get("action")
    if action == "more":
        return _redisplay(request, db, staff, None, form, {}, 200)
    submitted = editing.read_form(form)
    try:
        data = editing.validate(submitted, code=editing.text_of(form, "code"))
        matter = service.create_matter(db, data=data, staff=staff, publish=action != "draft")
    except MinshengError as exc:
        db.rollback()
        return _redisplay(request, db, staff, None, form, errors_of(exc), exc.status)
    saved = "draft" if action == "draft" else "published"
    return RedirectResponse(f"/staff/guides/{matter.code}?saved={saved}", status_code=303)


@router.get("/staff/guides/{code}/edit")
def edit_form(request: Request, code: str, db: DbSession, staff: Editor) -> Response:
    matter = _editable(db, code, staff)
    newest = editing.latest_number(matter)
    shown = service.current_version(matter) or service.version_of(matter, newest)
    values = editing.form_values(matter, shown) | {"based_on": str(newest)}
    values["based_status"] = matter.status.value
    return _form_page(request, db, staff, matter, values, {}, rows=editing.row_counts(values))


def _stale(db: Session, matter: Matter, form: dict[str, Any]) -> Conflict | None:
    """Someone else published (or withdrew) since this form was opened."""
    newest = editing.latest_number(matter)
    if optional_int(form.get("based_on")) is None:
        return Conflict("表单缺少版本号，请重新打开修改页面后再改。")
    if optional_int(form.get("based_on")) == newest and (
        form.get("based_status") in (None, matter.status.value)
    ):
        return None
    latest = service.version_of(matter, newest) if newest else None
    user = db.get(StaffUser, latest.published_by_id) if latest and latest.published_by_id else None
    if matter.status == MatterStatus.withdrawn and form.get("based_status") != "withdrawn":
        return Conflict(WITHDRAWN_MEANWHILE)
    who = user.display_name if user else "别人"
    return Conflict(STALE.format(who=who, number=newest))


def _rebased(matter: Matter, form: dict[str, Any]) -> dict[str, Any]:
    """The typed form now based on the newest version: having looked, one may publish it."""
    newest = str(editing.latest_number(matter))
    return {**form, "based_on": newest, "based_status": matter.status.value}


@router.post("/staff/guides/{code}/edit")
def publish(
    request: Request, code: str, form: FormFields, db: DbSession, staff: Editor
) -> Response:
    """Publishes the form as the matter's next version, unless someone published first."""
    matter = _editable(db, code, staff)
    if form.get("action") == "more":
        return _redisplay(request, db, staff, matter, form, {}, 200)
    submitted = editing.read_form(form)
    try:
        conflict = _stale(db, matter, form)
        if conflict is not None:
            raise conflict
        data = editing.validate(submitted, code=matter.code)
        service.publish_version(
            db, matter=matter, content=data.content, staff=staff, unit_id=data.unit_id
        )
    except IntegrityError:  # two people published the same number at the same moment
        db.rollback()
        matter = service.get_matter(db, code=code)
        error = _stale(db, matter, {**form, "based_on": "-1"}) or Conflict()
        return _redisplay(request, db, staff, matter, _rebased(matter, form), errors_of(error), 409)
    except MinshengError as exc:
        db.rollback()
        matter = service.get_matter(db, code=code)
        if isinstance(exc, Conflict):
            form = _rebased(matter, form)
        return _redisplay(request, db, staff, matter, form, errors_of(exc), exc.status)
    return RedirectResponse(f"/staff/guides/{matter.code}?saved=published", status_code=303)


def _view(
    request: Request,
    db: Session,
    matter: Matter,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    current = service.current_version(matter)
    newest = editing.latest_number(matter)
    shown = current or (service.version_of(matter, newest) if newest else None)
    publishers = {
        v.published_by_id: db.get(StaffUser, v.published_by_id)
        for v in matter.versions
        if v.published_by_id
    }
    context = {
        "matter": matter,
        "version": shown,
        "versions": list(reversed(matter.versions)),
        "publishers": {k: u.display_name for k, u in publishers.items() if u},
        "status_label": STATUS_LABELS[matter.status],
        "stats": feedback.stats_for(db, matter=matter),
        "phone_kinds": PHONE_KINDS,
        "saved": request.query_params.get("saved", ""),
        "values": values,
        "errors": errors,
    }
    return render(request, "guides/staff/matter.html", context, status=status)


@router.get("/staff/guides/{code}")
def view(request: Request, code: str, db: DbSession, staff: Editor) -> Response:
    """The matter as staff see it: its text, status, versions, readers' numbers."""
    return _view(request, db, _editable(db, code, staff), {}, {})


@router.post("/staff/guides/{code}/withdraw")
def withdraw(
    request: Request, code: str, form: FormFields, db: DbSession, staff: Editor
) -> Response:
    """Stops a published matter; its pages stay and say why."""
    matter = _editable(db, code, staff)
    reason = editing.text_of(form, "reason")
    try:
        if matter.status != MatterStatus.published:
            raise InvalidInput({"reason": "只有已发布的事项才能停止办理"})
        service.withdraw(db, matter=matter, reason=reason, staff=staff)
    except MinshengError as exc:
        db.rollback()
        matter = service.get_matter(db, code=code)
        return _view(request, db, matter, {"reason": reason}, errors_of(exc), exc.status)
    return RedirectResponse(f"/staff/guides/{matter.code}?saved=withdrawn", status_code=303)
