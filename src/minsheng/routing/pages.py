"""Staff pages: the category tree with its time limits, and the routing rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service as org
from minsheng.routing import service
from minsheng.routing.models import Category
from minsheng.routing.permissions import MANAGE_ROUTING, VIEW_ROUTING
from minsheng.routing.schemas import CategoryUpdate, RoutingRuleCreate
from minsheng.web.forms import FormFields, errors_of, optional_int, optional_number, parse
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_ROUTING))]
# Categories, limits and rules are city-wide settings.
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_ROUTING, everywhere=True))]


@router.get("/staff/categories")
def categories(request: Request, db: DbSession, staff: Viewer) -> Response:
    rows = service.read_all(service.list_categories(db))
    context = {"rows": rows, "can_manage": staff.can(MANAGE_ROUTING)}
    return render(request, "routing/categories.html", context)


def _category_form(
    request: Request,
    db: DbSession,
    category: Category | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "category": category,
        "values": values,
        "errors": errors,
        # A category cannot move under itself or its subtree, so those are not offered.
        "parents": [
            c
            for c in service.list_categories(db)
            if category is None or not c.path.startswith(category.path)
        ],
        "units": org.list_units(db, active_only=True),
    }
    return render(request, "routing/category_form.html", context, status=status)


def _category_values(form: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    for key in ("parent_id", "default_unit_id"):
        form[key] = optional_int(form.get(key))
    for key in ("response_hours", "resolve_days"):
        form[key] = optional_number(form.get(key))
    form["sort_order"] = optional_number(form.get("sort_order")) or 0
    form["accepts_public"] = form.get("accepts_public") == "on"
    form["active"] = True if creating else form.get("active_flag") == "on"
    return form


@router.get("/staff/categories/new")
def new_category(request: Request, db: DbSession, _: Manager) -> Response:
    values = {"parent_id": request.query_params.get("parent_id", ""), "accepts_public": True}
    return _category_form(request, db, None, values, {})


@router.post("/staff/categories/new")
def create_category(request: Request, form: FormFields, db: DbSession, _: Manager) -> Response:
    values = _category_values(form, creating=True)
    try:
        category = service.create_category(db, data=parse(CategoryUpdate, values))
    except MinshengError as exc:
        db.rollback()
        return _category_form(request, db, None, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/categories?saved={category.id}", status_code=303)


@router.get("/staff/categories/{category_id}")
def edit_category(category_id: int, request: Request, db: DbSession, _: Manager) -> Response:
    category = service.get_category(db, category_id=category_id)
    keys = CategoryUpdate.model_fields.keys()
    return _category_form(request, db, category, {k: getattr(category, k) for k in keys}, {})


@router.post("/staff/categories/{category_id}")
def update_category(
    category_id: int, request: Request, form: FormFields, db: DbSession, _: Manager
) -> Response:
    category = service.get_category(db, category_id=category_id)
    values = _category_values(form, creating=False)
    try:
        service.update_category(db, category=category, data=parse(CategoryUpdate, values))
    except MinshengError as exc:
        db.rollback()
        return _category_form(request, db, category, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/categories?saved={category.id}", status_code=303)


def _rules_page(
    request: Request,
    db: DbSession,
    staff: StaffPrincipal,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "rules": service.list_rules(db),
        "values": values,
        "errors": errors,
        "can_manage": staff.can(MANAGE_ROUTING),
        "categories": service.list_categories(db),
        "regions": org.list_regions(db),
        "units": org.list_units(db, active_only=True),
        "centre": service.dispatch_centre(db),
    }
    return render(request, "routing/rules.html", context, status=status)


@router.get("/staff/routing")
def rules(request: Request, db: DbSession, staff: Viewer) -> Response:
    return _rules_page(request, db, staff, {}, {})


@router.post("/staff/routing")
def create_rule(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values = {k: optional_int(form.get(k)) for k in ("category_id", "region_id", "unit_id")}
    values["note"] = form.get("note", "")
    try:
        choose = {"category_id": "请选择分类", "unit_id": "请选择承办单位"}
        service.create_rule(db, data=parse(RoutingRuleCreate, values, choose=choose))
    except MinshengError as exc:
        db.rollback()
        return _rules_page(request, db, staff, values, errors_of(exc), 422)
    return RedirectResponse("/staff/routing?saved=1", status_code=303)


@router.post("/staff/routing/{rule_id}/delete")
def delete_rule(rule_id: int, db: DbSession, _: Manager) -> Response:
    service.delete_rule(db, rule=service.get_rule(db, rule_id=rule_id))
    return RedirectResponse("/staff/routing?deleted=1", status_code=303)
