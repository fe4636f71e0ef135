"""Managed estates: staff keep each estate's buildings and property company."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.channels import forms, service
from minsheng.channels.models import Estate
from minsheng.channels.permissions import MANAGE_ALL_CHANNELS, VIEW_CHANNELS
from minsheng.channels.schemas import EstateUpdate
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service as org
from minsheng.org.models import UnitKind
from minsheng.requests import service as requests
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_CHANNELS))]
# Property companies serve estates across towns: estates are kept city-wide.
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_ALL_CHANNELS))]
CHOOSE = {"town_id": "请选择所在的区镇", "unit_id": "请选择物业服务企业"}
TYPED = {"name": "小区名称"}


@router.get("/staff/estates")
def estates(request: Request, db: DbSession, staff: Viewer) -> Response:
    context = {"estates": service.list_estates(db), "can_manage": staff.can(MANAGE_ALL_CHANNELS)}
    return render(request, "channels/estates.html", context)


def _estate_form(
    request: Request,
    db: Session,
    estate: Estate | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    towns, communities = forms.places(db, key=forms.region_id)
    units = org.list_units(db, active_only=True)
    # Property companies first: they are what an estate almost always names.
    companies = [(str(u.id), u.name) for u in units if u.kind == UnitKind.company]
    others = [(str(u.id), u.name) for u in units if u.kind != UnitKind.company]
    context = {
        "estate": estate,
        "values": values,
        "errors": errors,
        "towns": towns,
        "communities": communities,
        "units": [("企业", companies), ("其他单位", others)],
    }
    return render(request, "channels/estate_form.html", context, status=status)


def _estate_values(form: dict[str, Any], *, active: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"name": str(form.get("name", "")).strip()}
    values["buildings"] = str(form.get("buildings", ""))
    for key in ("town_id", "community_id", "unit_id"):
        values[key] = optional_int(form.get(key))
    values["active"] = active
    return values


@router.get("/staff/estates/new")
def new_estate(request: Request, db: DbSession, _: Manager) -> Response:
    return _estate_form(request, db, None, {}, {})


@router.post("/staff/estates/new")
def create_estate(request: Request, form: FormFields, db: DbSession, _: Manager) -> Response:
    values = _estate_values(form, active=True)
    try:
        estate = service.create_estate(db, data=parse(EstateUpdate, values, choose=CHOOSE))
    except MinshengError as exc:
        db.rollback()
        errors = forms.asked_by_name(errors_of(exc), values, TYPED)
        return _estate_form(request, db, None, values, errors, 422)
    return RedirectResponse(f"/staff/estates/{estate.id}?saved=1", status_code=303)


@router.get("/staff/estates/{estate_id}")
def estate_page(estate_id: int, request: Request, db: DbSession, staff: Viewer) -> Response:
    estate = service.get_estate(db, estate_id=estate_id)
    rows, total = service.requests_from(db, estate=estate)
    context = {
        "estate": estate,
        "can_manage": staff.can(MANAGE_ALL_CHANNELS),
        "rows": [r for r in rows if requests.can_view(staff, r)],
        "total": total,
    }
    return render(request, "channels/estate.html", context)


@router.get("/staff/estates/{estate_id}/edit")
def edit_estate(estate_id: int, request: Request, db: DbSession, _: Manager) -> Response:
    estate = service.get_estate(db, estate_id=estate_id)
    values = {k: getattr(estate, k) for k in ("name", "town_id", "community_id", "unit_id")}
    values |= {"buildings": "\n".join(estate.building_list), "active": estate.active}
    return _estate_form(request, db, estate, values, {})


@router.post("/staff/estates/{estate_id}/edit")
def update_estate(
    estate_id: int, request: Request, form: FormFields, db: DbSession, _: Manager
) -> Response:
    estate = service.get_estate(db, estate_id=estate_id)
    values = _estate_values(form, active=form.get("active_flag") == "on")
    try:
        service.update_estate(db, estate=estate, data=parse(EstateUpdate, values, choose=CHOOSE))
    except MinshengError as exc:
        db.rollback()
        errors = forms.asked_by_name(errors_of(exc), values, TYPED)
        return _estate_form(request, db, estate, values, errors, 422)
    return RedirectResponse(f"/staff/estates/{estate.id}?saved=1", status_code=303)
