"""Staff pages for synonym groups (MANAGE_GUIDES): list, add, edit, delete. Search reads the
groups at its next query, in every process."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides import synonyms
from minsheng.guides.models import SynonymGroup
from minsheng.guides.permissions import MANAGE_GUIDES
from minsheng.web.forms import FormFields, errors_of
from minsheng.web.templating import render

router = APIRouter()
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_GUIDES))]
BASE = "/staff/guides/synonyms"


def _list(
    request: Request, db: Session, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    context = {"groups": synonyms.list_groups(db), "values": values, "errors": errors}
    return render(request, "guides/search/synonyms.html", context, status=status)


def _edit(
    request: Request,
    group: SynonymGroup,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {"group": group, "values": values, "errors": errors}
    return render(request, "guides/search/synonym_edit.html", context, status=status)


@router.get(BASE)
def synonym_list(request: Request, db: DbSession, staff: Manager) -> Response:
    return _list(request, db, {}, {})


@router.post(BASE)
def synonym_create(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values = {"words": str(form.get("words", ""))[:400]}
    try:
        synonyms.create_group(db, words=values["words"])
    except MinshengError as exc:
        db.rollback()
        return _list(request, db, values, errors_of(exc), exc.status)
    return RedirectResponse(f"{BASE}?saved=1", 303)


@router.get(BASE + "/{group_id}")
def synonym_edit(request: Request, group_id: int, db: DbSession, staff: Manager) -> Response:
    group = synonyms.get_group(db, group_id=group_id)
    return _edit(request, group, {"words": group.words}, {})


@router.post(BASE + "/{group_id}")
def synonym_update(
    request: Request, group_id: int, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    values = {"words": str(form.get("words", ""))[:400]}
    try:
        synonyms.update_group(db, group_id=group_id, words=values["words"])
    except MinshengError as exc:
        db.rollback()
        group = synonyms.get_group(db, group_id=group_id)
        return _edit(request, group, values, errors_of(exc), exc.status)
    return RedirectResponse(f"{BASE}?saved=1", 303)


@router.post(BASE + "/{group_id}/delete")
def synonym_delete(group_id: int, db: DbSession, staff: Manager) -> Response:
    synonyms.delete_group(db, group_id=group_id)
    return RedirectResponse(f"{BASE}?deleted=1", 303)
