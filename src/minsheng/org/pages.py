"""Staff pages for the region tree and the units: thin, check then call the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.tree import depth
from minsheng.org import service
from minsheng.org.models import REGION_LEVEL_LABELS, UNIT_KIND_LABELS
from minsheng.org.permissions import MANAGE_ORG, VIEW_ORG
from minsheng.org.schemas import RegionUpdate, UnitUpdate
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_ORG))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_ORG))]
# Regions are the city's map: changed only by those who manage the whole organisation.
RegionManager = Annotated[StaffPrincipal, Depends(require(MANAGE_ORG, everywhere=True))]


@router.get("/staff/regions")
def regions(request: Request, db: DbSession, staff: Viewer) -> Response:
    rows = [(r, depth(r.path)) for r in service.list_regions(db)]
    return render(request, "org/regions.html", {"rows": rows, "can_manage": staff.can(MANAGE_ORG)})


def _region_form(
    request: Request,
    db: DbSession,
    region: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "region": region,
        "values": values,
        "errors": errors,
        "levels": REGION_LEVEL_LABELS,
        "parents": service.list_regions(db),
    }
    return render(request, "org/region_form.html", context, status=status)


@router.get("/staff/regions/new")
def new_region(request: Request, db: DbSession, _: RegionManager) -> Response:
    parent = request.query_params.get("parent_id", "")
    return _region_form(request, db, None, {"parent_id": parent, "active": True}, {})


@router.get("/staff/regions/{region_id}")
def edit_region(region_id: int, request: Request, db: DbSession, _: RegionManager) -> Response:
    region = service.get_region(db, region_id=region_id)
    values = {k: getattr(region, k) for k in ("name", "code", "level", "parent_id", "active")}
    return _region_form(request, db, region, values, {})


def _region_values(form: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    form["parent_id"] = optional_int(form.get("parent_id"))
    form["active"] = True if creating else form.get("active_flag") == "on"
    return form


@router.post("/staff/regions/new")
def create_region(request: Request, form: FormFields, db: DbSession, _: RegionManager) -> Response:
    values = _region_values(form, creating=True)
    try:
        region = service.create_region(db, data=parse(RegionUpdate, values))
    except MinshengError as exc:
        db.rollback()
        return _region_form(request, db, None, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/regions?saved={region.id}", status_code=303)


@router.post("/staff/regions/{region_id}")
def update_region(
    region_id: int, request: Request, form: FormFields, db: DbSession, _: RegionManager
) -> Response:
    region = service.get_region(db, region_id=region_id)
    values = _region_values(form, creating=False)
    try:
        service.update_region(db, region=region, data=parse(RegionUpdate, values))
    except MinshengError as exc:
        db.rollback()
        return _region_form(request, db, region, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/regions?saved={region.id}", status_code=303)


@router.get("/staff/units")
def units(request: Request, db: DbSession, staff: Viewer) -> Response:
    rows = [(u, depth(u.path)) for u in service.list_units(db)]
    return render(request, "org/units.html", {"rows": rows, "can_manage": staff.can(MANAGE_ORG)})


def _unit_form(
    request: Request,
    db: DbSession,
    unit: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "unit": unit,
        "values": values,
        "errors": errors,
        "kinds": UNIT_KIND_LABELS,
        "parents": service.list_units(db),
        "regions": service.list_regions(db),
    }
    return render(request, "org/unit_form.html", context, status=status)


@router.get("/staff/units/new")
def new_unit(request: Request, db: DbSession, _: Manager) -> Response:
    parent = request.query_params.get("parent_id", "")
    return _unit_form(request, db, None, {"parent_id": parent, "active": True}, {})


@router.get("/staff/units/{unit_id}")
def edit_unit(unit_id: int, request: Request, db: DbSession, _: Manager) -> Response:
    unit = service.get_unit(db, unit_id=unit_id)
    keys = ("name", "kind", "parent_id", "region_id", "contact_phone", "active")
    return _unit_form(request, db, unit, {k: getattr(unit, k) for k in keys}, {})


def _unit_values(form: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    form["parent_id"] = optional_int(form.get("parent_id"))
    form["region_id"] = optional_int(form.get("region_id"))
    form["active"] = True if creating else form.get("active_flag") == "on"
    return form


@router.post("/staff/units/new")
def create_unit(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values = _unit_values(form, creating=True)
    try:
        unit = service.create_unit(db, data=parse(UnitUpdate, values), by=staff)
    except MinshengError as exc:
        db.rollback()
        return _unit_form(request, db, None, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/units?saved={unit.id}", status_code=303)


@router.post("/staff/units/{unit_id}")
def update_unit(
    unit_id: int, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    unit = service.get_unit(db, unit_id=unit_id)
    values = _unit_values(form, creating=False)
    try:
        service.update_unit(db, unit=unit, data=parse(UnitUpdate, values), by=staff)
    except MinshengError as exc:
        db.rollback()
        return _unit_form(request, db, unit, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/units?saved={unit.id}", status_code=303)
