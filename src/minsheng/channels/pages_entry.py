"""Staff entering requests: the hotline and the service window, and a grid worker's inspection."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.channels import entry, forms
from minsheng.channels.permissions import RECORD_INSPECTIONS
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.requests import service as requests
from minsheng.requests.models import Channel
from minsheng.requests.permissions import ENTER_REQUESTS
from minsheng.web.forms import FormFields
from minsheng.web.templating import render

router = APIRouter()
Enterer = Annotated[StaffPrincipal, Depends(require(ENTER_REQUESTS))]
Inspector = Annotated[StaffPrincipal, Depends(require(RECORD_INSPECTIONS))]


def _page(
    request: Request,
    db: Session,
    template: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {"values": values, "errors": errors, **entry.choices(db)}
    return render(request, template, context, status=status)


def _entered(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    template: str,
    form: dict[str, Any],
    channel: Channel | None,
    with_photos: bool = False,
) -> Response:
    """Reads, submits and answers: the request's page, or the form again with the messages."""
    values = entry.values_of(form)
    errors: dict[str, str] = {}
    data = None
    if channel is None:  # the operator says whether it came by phone or at the window
        picked = values["channel"]
        channel = Channel(picked) if picked in entry.ENTRY_CHANNELS else None
        if channel is None:
            errors["channel"] = "请选择受理方式"
    try:
        data = entry.read(values, channel=channel or Channel.hotline)
    except InvalidInput as exc:
        errors.update(exc.fields)
    photos = []
    if with_photos:
        try:  # judged even when other fields are wrong: one round of corrections
            photos = forms.read_photos(form)
        except InvalidInput as exc:
            errors.update(exc.fields)
    try:
        if errors or data is None:
            raise InvalidInput(entry.ordered(errors))
        created, token = requests.submit(
            db, data=data, staff=staff, idempotency_key=values["idempotency_key"], photos=photos
        )
    except MinshengError as exc:
        db.rollback()
        return _page(request, db, template, values, entry.messages(exc), exc.status)
    if token is None and not entry.resent(created, data):
        values["idempotency_key"] = forms.new_key()
        return _page(request, db, template, values, entry.reused_message(created), 409)
    return RedirectResponse(f"/staff/requests/{created.tracking_number}", status_code=303)


@router.get("/staff/requests/new")
def new_request(request: Request, db: DbSession, _: Enterer) -> Response:
    values = entry.blank(channel=Channel.hotline.value)
    return _page(request, db, "channels/entry.html", values, {})


@router.post("/staff/requests/new")
def enter_request(request: Request, form: FormFields, db: DbSession, staff: Enterer) -> Response:
    return _entered(request, db, staff, "channels/entry.html", form, None)


@router.get("/staff/inspections/new")
def new_inspection(request: Request, db: DbSession, staff: Inspector) -> Response:
    values = entry.blank(**entry.home_places(db, staff, RECORD_INSPECTIONS.roles))
    return _page(request, db, "channels/inspection.html", values, {})


@router.post("/staff/inspections/new")
def record_inspection(
    request: Request, form: FormFields, db: DbSession, staff: Inspector
) -> Response:
    return _entered(
        request, db, staff, "channels/inspection.html", form, Channel.inspection, with_photos=True
    )
