"""QR suggestion boxes: staff keep them and print their posters; a scan lands on the report form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.channels import forms, service
from minsheng.channels.models import QrBox
from minsheng.channels.permissions import (
    MANAGE_ALL_CHANNELS,
    MANAGE_CHANNELS,
    VIEW_CHANNELS,
    may_manage_box,
)
from minsheng.channels.schemas import BoxUpdate
from minsheng.core.deps import DbSession
from minsheng.core.errors import Conflict, Forbidden, MinshengError, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service as org
from minsheng.requests import service as requests
from minsheng.requests.poster import render_box_poster
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_CHANNELS))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_CHANNELS))]

POSTER_TITLE = "码上反映"
POSTER_STEPS = [
    "扫一扫，说说身边的问题",
    "不用下载APP，可以匿名反映",
    "凭受理编号随时查办理进度",
]
POSTER_FOOTER = "急事请拨打 12345 政务服务便民热线 · 险情请拨打 110、119、120"
CHOOSE = {"town_id": "请选择所在的区镇"}
TYPED = {"name": "意见箱名称"}


@router.get("/b/{code}")
def scanned(code: str, request: Request, db: DbSession) -> Response:
    """Where a poster's QR code leads: the report form with the box's place filled in."""
    try:
        box = service.get_active_box(db, code=code)
    except NotFound:
        return render(request, "channels/box_missing.html", status=404)
    return RedirectResponse(f"/report?box={box.code}", status_code=303)


@router.get("/staff/boxes")
def boxes(request: Request, db: DbSession, staff: Viewer) -> Response:
    rows = service.list_boxes(db)
    context = {
        "boxes": rows,
        "can_create": staff.can(MANAGE_CHANNELS),
        "manageable": {b.id for b in rows if may_manage_box(staff, b.unit)},
    }
    return render(request, "channels/boxes.html", context)


def _box_form(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    box: QrBox | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    towns, communities = forms.places(db, key=forms.region_id)
    units = [u for u in org.list_units(db, active_only=True) if may_manage_box(staff, u)]
    context = {
        "box": box,
        "values": values,
        "errors": errors,
        "towns": towns,
        "communities": communities,
        "units": [(str(u.id), "　" * (u.path.count("/") - 2) + u.name) for u in units],
        # Only city-wide managers may leave a box to the category's routing.
        "unit_optional": staff.can(MANAGE_ALL_CHANNELS),
    }
    return render(request, "channels/box_form.html", context, status=status)


def _box_values(form: dict[str, Any], *, active: bool) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ("name", "address")}
    for key in ("town_id", "community_id", "unit_id"):
        values[key] = optional_int(form.get(key))
    values["active"] = active
    return values


@router.get("/staff/boxes/new")
def new_box(request: Request, db: DbSession, staff: Manager) -> Response:
    return _box_form(request, db, staff, None, {}, {})


@router.post("/staff/boxes/new")
def create_box(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values = _box_values(form, active=True)
    try:
        box = service.create_box(db, data=parse(BoxUpdate, values, choose=CHOOSE), staff=staff)
    except MinshengError as exc:
        db.rollback()
        errors = forms.asked_by_name(errors_of(exc), values, TYPED)
        return _box_form(request, db, staff, None, values, errors, 422)
    return RedirectResponse(f"/staff/boxes/{box.id}?saved=1", status_code=303)


@router.get("/staff/boxes/{box_id}")
def box_page(box_id: int, request: Request, db: DbSession, staff: Viewer) -> Response:
    box = service.get_box(db, box_id=box_id)
    rows, total = service.requests_from(db, box=box)
    context = {
        "box": box,
        "url": service.box_url(box),
        "can_manage": may_manage_box(staff, box.unit),
        "rows": [r for r in rows if requests.can_view(staff, r)],
        "total": total,
    }
    return render(request, "channels/box.html", context)


def _managed_box(db: Session, staff: StaffPrincipal, box_id: int) -> QrBox:
    box = service.get_box(db, box_id=box_id)
    if not may_manage_box(staff, box.unit):
        raise Forbidden("这个意见箱不归您管理。")
    return box


@router.get("/staff/boxes/{box_id}/edit")
def edit_box(box_id: int, request: Request, db: DbSession, staff: Manager) -> Response:
    box = _managed_box(db, staff, box_id)
    keys = BoxUpdate.model_fields.keys()
    return _box_form(request, db, staff, box, {k: getattr(box, k) for k in keys}, {})


@router.post("/staff/boxes/{box_id}/edit")
def update_box(
    box_id: int, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    box = _managed_box(db, staff, box_id)
    values = _box_values(form, active=form.get("active_flag") == "on")
    try:
        data = parse(BoxUpdate, values, choose=CHOOSE)
        service.update_box(db, box=box, data=data, staff=staff)
    except MinshengError as exc:
        db.rollback()
        errors = forms.asked_by_name(errors_of(exc), values, TYPED)
        return _box_form(request, db, staff, box, values, errors, 422)
    return RedirectResponse(f"/staff/boxes/{box.id}?saved=1", status_code=303)


@router.post("/staff/boxes/{box_id}/active")
def set_active(box_id: int, form: FormFields, db: DbSession, staff: Manager) -> Response:
    box = _managed_box(db, staff, box_id)
    service.set_box_active(db, box=box, active=form.get("active") == "1", staff=staff)
    return RedirectResponse(f"/staff/boxes/{box.id}?saved=1", status_code=303)


def poster_lines(box: QrBox) -> list[str]:
    """Where the box is, as the poster says it: its name, its address, its town and community."""
    area = " · ".join(r.name for r in (box.town, box.community) if r is not None)
    return [line for line in (box.name, box.address, area) if line]


@router.get("/staff/boxes/{box_id}/poster.pdf")
def poster(box_id: int, db: DbSession, _: Viewer) -> Response:
    box = service.get_box(db, box_id=box_id)
    if not box.active:
        raise Conflict("这个意见箱已停用，启用后才能打印海报。")
    content = render_box_poster(
        title=POSTER_TITLE,
        instructions=POSTER_STEPS,
        url=service.box_url(box),
        place_lines=poster_lines(box),
        footer=POSTER_FOOTER,
    )
    headers = {"Content-Disposition": f'inline; filename="poster-{box.code}.pdf"'}
    return Response(content, media_type="application/pdf", headers=headers)
