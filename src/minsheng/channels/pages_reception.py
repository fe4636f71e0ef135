"""人大代表接待日: staff record each day, then enter every issue raised there as a request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.channels import entry, forms, service
from minsheng.channels.models import ReceptionDay
from minsheng.channels.permissions import MANAGE_CHANNELS, VIEW_CHANNELS
from minsheng.channels.schemas import ReceptionDayCreate
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.requests import service as requests
from minsheng.requests.models import Channel
from minsheng.requests.permissions import ENTER_REQUESTS
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_CHANNELS))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_CHANNELS))]
Enterer = Annotated[StaffPrincipal, Depends(require(ENTER_REQUESTS))]
TYPED = {"place": "接待地点", "deputies": "接待代表"}


@router.get("/staff/reception-days")
def reception_days(request: Request, db: DbSession, staff: Viewer) -> Response:
    context = {
        "days": service.list_reception_days(db),
        "counts": service.reception_day_counts(db),
        "can_create": staff.can(MANAGE_CHANNELS),
    }
    return render(request, "channels/reception_days.html", context)


def _day_form(
    request: Request, db: Session, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    towns, _ = forms.places(db, key=forms.region_id)
    context = {"values": values, "errors": errors, "towns": towns}
    return render(request, "channels/reception_day_form.html", context, status=status)


@router.get("/staff/reception-days/new")
def new_day(request: Request, db: DbSession, _: Manager) -> Response:
    return _day_form(request, db, {}, {})


@router.post("/staff/reception-days/new")
def create_day(request: Request, form: FormFields, db: DbSession, _: Manager) -> Response:
    values: dict[str, Any] = {
        k: str(form.get(k, "")).strip() for k in ("held_on", "place", "deputies", "notes")
    }
    values["town_id"] = optional_int(form.get("town_id"))
    try:
        day = service.create_reception_day(db, data=parse(ReceptionDayCreate, values))
    except MinshengError as exc:
        db.rollback()
        return _day_form(
            request, db, values, forms.asked_by_name(errors_of(exc), values, TYPED), 422
        )
    return RedirectResponse(f"/staff/reception-days/{day.id}?saved=1", status_code=303)


def _day_page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    day: ReceptionDay,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    rows, total = service.requests_from(db, day=day)
    context = {
        "day": day,
        "deputies": service.reception_day_read(day).deputies,
        "rows": [r for r in rows if requests.can_view(staff, r)],
        "total": total,
        "can_enter": staff.can(ENTER_REQUESTS),
        "values": values,
        "errors": errors,
        **entry.choices(db),
        "entry_channels": None,  # the channel is the reception day itself
    }
    return render(request, "channels/reception_day.html", context, status=status)


def _fresh(day: ReceptionDay) -> dict[str, Any]:
    town = day.town
    return entry.blank(town=forms.region_key(town) if town else "")


@router.get("/staff/reception-days/{day_id}")
def day_page(day_id: int, request: Request, db: DbSession, staff: Viewer) -> Response:
    day = service.get_reception_day(db, day_id=day_id)
    return _day_page(request, db, staff, day, _fresh(day), {})


@router.post("/staff/reception-days/{day_id}/requests")
def enter_issue(
    day_id: int, request: Request, form: FormFields, db: DbSession, staff: Enterer
) -> Response:
    """An issue raised at the day, entered as a request linked to it."""
    day = service.get_reception_day(db, day_id=day_id)
    values = entry.values_of(form)
    try:
        data = entry.read(values, channel=Channel.reception_day, reception_day=day.id)
        created, token = requests.submit(
            db, data=data, staff=staff, idempotency_key=values["idempotency_key"]
        )
    except MinshengError as exc:
        db.rollback()
        return _day_page(request, db, staff, day, values, entry.messages(exc), exc.status)
    if token is None and not entry.resent(created, data):
        values["idempotency_key"] = forms.new_key()
        return _day_page(request, db, staff, day, values, entry.reused_message(created), 409)
    return RedirectResponse(
        f"/staff/reception-days/{day.id}?added={created.tracking_number}", status_code=303
    )
