"""A request's page for staff: every field, the full timeline, and a form for each action the
viewer's role allows in the request's state. Each form posts the version it was shown; when
someone else acted first, nothing is changed and the page says so."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.convertors import Convertor, register_url_convertor

from minsheng.accounts.deps import require
from minsheng.core.db import utcnow
from minsheng.core.deps import DbSession
from minsheng.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.core.images import MAX_PHOTOS, CleanPhoto
from minsheng.core.permissions import StaffPrincipal
from minsheng.feedback import service as feedback
from minsheng.feedback.models import SATISFACTION_LABELS, VIA_LABELS, RatedVia
from minsheng.feedback.permissions import RECORD_RATING
from minsheng.feedback.schemas import RatingCreate
from minsheng.org import service as org
from minsheng.requests import extensions, flows, service, workbench
from minsheng.requests.models import (
    OUTCOME_LABELS,
    CitizenRequest,
    ExtensionStatus,
    Outcome,
    Status,
)
from minsheng.requests.permissions import DISPATCH_REQUESTS, HANDLE_REQUESTS, VIEW_REQUESTS
from minsheng.requests.uploads import read_photos
from minsheng.routing import service as routing
from minsheng.web.forms import FormFields, optional_int, parse
from minsheng.web.templating import render


class TrackingNumber(Convertor[str]):
    """KS20261126-0001, so that /staff/requests/new and the like reach their own pages."""

    regex = r"[A-Za-z]{1,4}\d{8}-\d{4,6}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("tracking", TrackingNumber())
router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_REQUESTS))]
Form = dict[str, Any]

# The message after each action succeeds, by the action's name in the URL.
DONE = {
    "accept": "已签收，请尽快办理。",
    "return": "已退回派单中心。",
    "dispatch": "已派单。",
    "split": "已交多个单位办理。",
    "merge": "已合并到更早的诉求。",
    "action": "已记录办理情况。",
    "reply": "已答复群众。",
    "extension": "延期申请已提交，等待督查人员审批。",
    "close": "已办结，群众会收到评价邀请。",
    "rate": "已记录电话回访结果。",
    "co-done": "已报告协办完成。",
}
STALE = "stale"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CO_UNIT_ROWS = 3  # empty rows for co-units, so that splitting works without JavaScript


def _find(db: Session, staff: StaffPrincipal, tracking_number: str) -> CitizenRequest:
    """The request, if the person may see it: by unit or role, or as one of its co-units."""
    found = service.get_by_tracking(db, tracking_number=tracking_number)
    if not _may_view(staff, found):
        raise Forbidden("这件诉求不在您的单位，您不能查看。")
    return found


def _may_view(staff: StaffPrincipal, found: CitizenRequest) -> bool:
    shared = any(staff.can(VIEW_REQUESTS, c.unit.path) for c in found.co_units)
    return service.can_view(staff, found) or shared


def _allowed(db: Session, staff: StaffPrincipal, found: CitizenRequest) -> dict[str, bool]:
    """The actions this person may take on the request as it stands."""
    held = found.unit is not None and staff.can(HANDLE_REQUESTS, found.unit.path)
    parts = [c for c in found.co_units if staff.can(HANDLE_REQUESTS, c.unit.path)]
    working = found.status == Status.in_progress
    dispatcher = staff.can(DISPATCH_REQUESTS) and found.is_open
    pending = any(e.status == ExtensionStatus.pending for e in workbench.extensions_of(db, found))
    return {
        "accept": held and found.status == Status.dispatched,
        "return": held and found.status in (Status.dispatched, Status.in_progress),
        "dispatch": dispatcher,
        "split": dispatcher,
        "merge": dispatcher,
        "action": working and (held or bool(parts)),
        "reply": working and held,
        "extension": working and held and not pending,
        "close": working and held,
        "rate": staff.can(RECORD_RATING) and feedback.can_rate(db, found),
        "co-done": found.is_open and any(c.done_at is None for c in parts),
    }


def _page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    found: CitizenRequest,
    *,
    failed: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    banner: str = "",
    status: int = 200,
) -> Response:
    centre = routing.dispatch_centre(db)
    units = [
        (str(u.id), "　" * (u.path.count("/") - 2) + u.name)
        for u in org.list_units(db, active_only=True)
        if centre is None or u.id != centre.id
    ]
    done = request.query_params.get("done", "")
    context = {
        "found": found,
        "view": service.staff_view(found, staff=staff),
        "due": workbench.due_of(found, utcnow()),
        "events": found.events,
        "report_photos": [
            p for p in found.photos if p.event is None or p.event.kind == "submitted"
        ],
        "extensions": workbench.extensions_of(db, found),
        "ratings": feedback.ratings_of(db, found),
        "merged_here": workbench.merged_here(db, found),
        "can": _allowed(db, staff, found),
        "my_parts": [
            c
            for c in found.co_units
            if c.done_at is None and staff.can(HANDLE_REQUESTS, c.unit.path)
        ],
        "units": units,
        "outcomes": [(o.value, OUTCOME_LABELS[o]) for o in flows.CLOSING_OUTCOMES],
        "satisfactions": [(s.value, label) for s, label in SATISFACTION_LABELS.items()],
        "via_labels": VIA_LABELS,
        "event_labels": service.EVENT_LABELS,
        "co_rows": range(1, CO_UNIT_ROWS + 1),
        "max_photos": MAX_PHOTOS,
        "failed": failed,
        "values": values or {},
        "errors": errors or {},
        "banner": banner,
        "done": DONE.get(done, "") if not (failed or banner) else "",
    }
    return render(request, "requests/staff_request.html", context, status=status)


@router.get("/staff/requests/{tracking_number:tracking}")
def request_page(tracking_number: str, request: Request, db: DbSession, staff: Viewer) -> Response:
    return _page(request, db, staff, _find(db, staff, tracking_number))


# Reading the forms


def _text(form: Form, name: str, *, limit: int = 4000) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    text = value.strip() if isinstance(value, str) else ""
    if _CONTROL.search(text):
        raise InvalidInput({name: "含有无法识别的控制字符，请删除后再提交"})
    if len(text) > limit:
        raise InvalidInput({name: f"太长了，最多 {limit} 个字"})
    return text


def _photos(form: Form) -> list[CleanPhoto]:
    upload = read_photos(form)
    if upload.problems:
        name, message = upload.problems[0]
        raise InvalidInput({"photos": f"{name}：{message}" if name else message})
    return upload.photos


def _unit_id(form: Form, name: str, message: str) -> int:
    unit_id = optional_int(form.get(name))
    if unit_id is None:
        raise InvalidInput({name: message})
    return unit_id


# The actions, by their name in the URL; each takes the version the person saw.


def _accept(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    flows.accept(db, found, staff=staff, version=v)


def _return(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    flows.return_to_centre(db, found, staff=staff, reason=_text(form, "reason"), version=v)


def _dispatch(
    db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int
) -> None:
    unit_id = _unit_id(form, "unit", "请选择承办单位")
    note = _text(form, "note", limit=500)
    flows.dispatch(db, found, staff=staff, unit_id=unit_id, note=note, version=v)


def _split(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    lead = _unit_id(form, "lead_unit", "请选择主办单位")
    parts: list[tuple[int, str]] = []
    for row in range(1, CO_UNIT_ROWS + 1):
        unit_id = optional_int(form.get(f"co_unit_{row}"))
        task = _text(form, f"co_task_{row}", limit=500)
        if unit_id is not None:
            parts.append((unit_id, task))
        elif task:
            raise InvalidInput({"co_units": "写了任务的每一行都要选择协办单位"})
    for unit_id, _ in parts:
        try:
            unit = org.get_unit(db, unit_id=unit_id)
        except NotFound:
            unit = None
        if unit is None or not unit.active:
            raise InvalidInput({"co_units": "请选择在用的协办单位"})
    try:
        flows.split(db, found, staff=staff, lead_unit_id=lead, co_units=parts, version=v)
    except InvalidInput as exc:  # the flow names the lead unit "unit"
        fields = {("lead_unit" if k == "unit" else k): m for k, m in exc.fields.items()}
        raise InvalidInput(fields) from None


def _merge(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    number = _text(form, "into", limit=30)
    if not number:
        raise InvalidInput({"into": "请填写要并入的诉求编号"})
    try:
        into = service.get_by_tracking(db, tracking_number=number)
    except NotFound:
        raise InvalidInput({"into": "没有找到这个编号的诉求，请核对后再填"}) from None
    flows.merge(db, found, into=into, staff=staff, version=v)


def _action(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    flows.record_action(db, found, staff=staff, text=_text(form, "text"), version=v)


def _reply(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    text = _text(form, "text")
    flows.reply(db, found, staff=staff, text=text, photos=_photos(form), version=v)


def _extension(
    db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int
) -> None:
    days = optional_int(form.get("days"))
    # Empty or not a number: 0 gets the flow's own message about the allowed range.
    days = 0 if days is None or days < 0 else days
    extensions.ask_extension(db, found, staff=staff, days=days, reason=_text(form, "reason"))


def _close(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    chosen = _text(form, "outcome", limit=20)
    # "merged" is never a unit's to choose: the flow answers it (and any other mistake) at once.
    outcome = Outcome(chosen) if chosen in flows.CLOSING_OUTCOMES else Outcome.merged
    flows.close(db, found, staff=staff, outcome=outcome, text=_text(form, "text"), version=v)


def _rate(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    answer = {"yes": True, "no": False}.get(_text(form, "resolved", limit=3))
    data = {
        "resolved": answer,
        "satisfaction": _text(form, "satisfaction", limit=20),
        "reason": _text(form, "reason", limit=500),
    }
    choose = {"resolved": "请选择问题是否解决", "satisfaction": "请选择满意程度"}
    rating = parse(RatingCreate, data, choose=choose)
    feedback.rate(db, found, data=rating, via=RatedVia.phone, staff=staff)


def _co_done(db: Session, found: CitizenRequest, staff: StaffPrincipal, form: Form, v: int) -> None:
    unit_id = _unit_id(form, "unit", "请选择协办单位")
    flows.finish_part(db, found, staff=staff, unit_id=unit_id, text=_text(form, "text"))


ACTIONS: dict[str, Callable[[Session, CitizenRequest, StaffPrincipal, Form, int], None]] = {
    "accept": _accept,
    "return": _return,
    "dispatch": _dispatch,
    "split": _split,
    "merge": _merge,
    "action": _action,
    "reply": _reply,
    "extension": _extension,
    "close": _close,
    "rate": _rate,
    "co-done": _co_done,
}


def _refused(
    request: Request, db: Session, staff: StaffPrincipal, tracking_number: str, banner: str
) -> Response:
    """Nothing of the attempt is kept; the page shows the request as it now stands."""
    db.rollback()
    found = _find(db, staff, tracking_number)
    return _page(request, db, staff, found, banner=banner, status=409)


@router.post("/staff/requests/{tracking_number:tracking}/{action}")
def act(
    tracking_number: str,
    action: str,
    request: Request,
    form: FormFields,
    db: DbSession,
    staff: Viewer,
) -> Response:
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound("没有这项操作。")
    found = _find(db, staff, tracking_number)
    # A form without its version is treated as out of date rather than trusted.
    version = optional_int(form.get("version"))
    try:
        if version is None or version != found.version:
            raise Conflict("这件诉求刚被他人处理过。", code=STALE)
        handler(db, found, staff, form, version)
        if found.version == version:
            # A note or a reply changes no column of the request itself; touching it moves the
            # version all the same, so that the same form sent twice is refused, not doubled.
            found.updated_at = utcnow()
            db.flush()
    except InvalidInput as exc:
        db.rollback()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        found = _find(db, staff, tracking_number)
        return _page(
            request, db, staff, found, failed=action, values=values, errors=exc.fields, status=422
        )
    except Conflict as exc:
        return _refused(
            request, db, staff, tracking_number, STALE if exc.code == STALE else exc.message
        )
    except StaleDataError:  # someone saved between our reading and our writing
        return _refused(request, db, staff, tracking_number, STALE)
    if not _may_view(staff, found):  # returned to the centre: the unit no longer sees it
        return RedirectResponse(f"/staff/requests?done={action}", 303)
    return RedirectResponse(f"/staff/requests/{found.tracking_number}?done={action}", 303)
