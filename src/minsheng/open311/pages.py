"""Staff pages: integrations' API keys, and each category's extra questions (Open311 attributes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.open311 import attributes, keys, service
from minsheng.open311.formats import Open311Error
from minsheng.open311.models import DATATYPE_LABELS, LISTS, CategoryAttribute
from minsheng.open311.permissions import MANAGE_API_KEYS, MANAGE_ATTRIBUTES
from minsheng.open311.schemas import AttributeIn
from minsheng.routing.models import Category
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
# Keys and questions are city-wide settings, as categories are.
KeyManager = Annotated[StaffPrincipal, Depends(require(MANAGE_API_KEYS, everywhere=True))]
QuestionManager = Annotated[StaffPrincipal, Depends(require(MANAGE_ATTRIBUTES, everywhere=True))]


# API keys


def _keys_page(
    request: Request,
    db: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    new_key: str = "",
    status: int = 200,
) -> Response:
    context = {
        "keys": keys.list_keys(db),
        "errors": errors or {},
        "values": values or {},
        "new_key": new_key,
        "endpoint": f"{get_settings().base_url}/open311/v2",
        "jurisdiction": get_settings().jurisdiction_id,
    }
    return render(request, "open311/api_keys.html", context, status=status)


@router.get("/staff/api-keys")
def api_keys(request: Request, db: DbSession, _: KeyManager) -> Response:
    return _keys_page(request, db)


@router.post("/staff/api-keys")
def issue_key(request: Request, form: FormFields, db: DbSession, staff: KeyManager) -> Response:
    try:
        plain, _key = keys.issue(db, name=str(form.get("name", "")), by=staff)
    except MinshengError as exc:
        db.rollback()
        return _keys_page(request, db, errors=errors_of(exc), values=form, status=422)
    return _keys_page(request, db, new_key=plain)


@router.post("/staff/api-keys/{key_id}/revoke")
def revoke_key(key_id: int, db: DbSession, _: KeyManager) -> Response:
    keys.revoke(db, key_id=key_id)
    return RedirectResponse("/staff/api-keys?revoked=1", status_code=303)


# Extra questions


def _category(db: Session, code: str | None) -> Category | None:
    if not code:
        return None
    try:
        return service.service_category(db, code)
    except Open311Error:  # an unknown code shows the list of categories again
        return None


def _questions_page(
    request: Request,
    db: Session,
    category: Category | None,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    asked = attributes.counts(db)
    context = {
        "categories": [(c, asked.get(c.id, 0)) for c in service.offered(db)],
        "category": category,
        "questions": attributes.for_category(db, category=category) if category else [],
        "datatypes": list(DATATYPE_LABELS.items()),
        "lists": [d.value for d in LISTS],
        "errors": errors or {},
        "values": values or {"datatype": "string", "variable": True, "order": 1},
        "unknown": bool(request.query_params.get("category")) and category is None,
    }
    return render(request, "open311/attributes.html", context, status=status)


@router.get("/staff/open311/attributes")
def questions(
    request: Request, db: DbSession, _: QuestionManager, category: str | None = None
) -> Response:
    return _questions_page(request, db, _category(db, category))


def _edit_values(question: CategoryAttribute) -> dict[str, Any]:
    return {
        "code": question.code,
        "description": question.description,
        "datatype": question.datatype.value,
        "required": question.required,
        "variable": question.variable,
        "order": question.order,
        "datatype_description": question.datatype_description,
        "values_text": "\n".join(f"{v['key']}={v['name']}" for v in question.values),
    }


@router.get("/staff/open311/attributes/{code}/edit/{attribute_id}")
def edit_question(
    code: str, attribute_id: int, request: Request, db: DbSession, _: QuestionManager
) -> Response:
    category = _category(db, code)
    asked = attributes.for_category(db, category=category) if category else []
    found = next((q for q in asked if q.id == attribute_id), None)
    if category is None or found is None:
        raise NotFound("没有找到这个补充问题。")
    return _questions_page(request, db, category, values=_edit_values(found))


@router.post("/staff/open311/attributes/{code}")
def save_question(
    code: str, request: Request, form: FormFields, db: DbSession, _: QuestionManager
) -> Response:
    category = _category(db, code)
    if category is None:
        raise NotFound("没有这个分类，或它不接受群众反映。")
    values = {
        **form,
        "required": form.get("required") == "on",
        "variable": form.get("variable") == "on",
        "order": str(form.get("order") or "1").strip(),
    }
    try:
        attributes.save(db, category=category, data=parse(AttributeIn, values))
    except MinshengError as exc:
        db.rollback()
        return _questions_page(
            request, db, category, errors=errors_of(exc), values=values, status=422
        )
    return RedirectResponse(
        f"/staff/open311/attributes?category={category.code}&saved=1", status_code=303
    )


@router.post("/staff/open311/attributes/{code}/delete/{attribute_id}")
def delete_question(code: str, attribute_id: int, db: DbSession, _: QuestionManager) -> Response:
    category = _category(db, code)
    if category is None:
        return RedirectResponse("/staff/open311/attributes", status_code=303)
    attributes.delete(db, category=category, attribute_id=attribute_id)
    return RedirectResponse(
        f"/staff/open311/attributes?category={category.code}&deleted=1", status_code=303
    )
