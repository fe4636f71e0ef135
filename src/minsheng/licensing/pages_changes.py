"""Amendments and simple deregistration on the web: identify the license (credit code, the
operator's ID number, a phone code), change place or scope or promise no debts, submit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.core import ratelimit
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import Conflict, InvalidInput, TooManyRequests
from minsheng.core.text import mask_phone
from minsheng.licensing import changes, flow, identity_numbers, scope, service
from minsheng.licensing.models import KIND_LABELS, Application, ApplicationKind
from minsheng.web.forms import FormFields, optional_int
from minsheng.web.templating import render

router = APIRouter()
TRIES_PER_HOUR = 20  # credit code and ID number pairs tried from one address
KIND_CHOICES = [
    (ApplicationKind.amend.value, "变更登记（经营场所或经营范围）"),
    (ApplicationKind.deregister.value, "简易注销"),
]


def _path(token: str, step: str = "") -> str:
    return f"/licensing/changes/{token}" + (f"/{step}" if step else "")


def _status(token: str) -> str:
    return f"/licensing/status/{token}"


def _start_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    context = {"values": values, "errors": errors, "kinds": KIND_CHOICES}
    return render(request, "licensing/changes/start.html", context, status=status)


@router.get("/licensing/changes")
def start_page(request: Request, kind: str = "") -> Response:
    chosen = kind if kind in {k for k, _ in KIND_CHOICES} else ""
    return _start_page(request, {"kind": chosen}, {})


@router.post("/licensing/changes")
def begin(request: Request, db: DbSession, form: FormFields, addr: ClientAddr) -> Response:
    values = {k: flow.text(form, k, 40) for k in ("uscc", "id_number", "phone", "kind")}
    if not ratelimit.allow(
        db, key=f"licensing.changes:{addr}", limit=TRIES_PER_HOUR, window_seconds=3600
    ):
        raise TooManyRequests("尝试次数太多，请一小时后再试。", retry_after=3600)
    try:
        _app, token = changes.begin(
            db,
            code=values["uscc"],
            id_number=values["id_number"],
            phone=values["phone"],
            kind=values["kind"],
            client_addr=addr,
        )
    except InvalidInput as exc:  # nothing was written but the attempt's count
        return _start_page(request, values, exc.fields, 422)
    except Conflict as exc:
        return _start_page(request, values, {"__all__": exc.message}, 409)
    return RedirectResponse(_path(token, "code"), status_code=303)


def _next(app: Application, token: str) -> str:
    """Where the applicant continues: the code, the change itself, or the status page."""
    if app.status not in service.EDITABLE:
        return _status(token)
    if app.phone_verified_at is None:
        return _path(token, "code")
    return _path(token, "place" if app.kind == ApplicationKind.amend else "confirm")


def _open(db: Session, token: str) -> Application:
    app = service.by_token(db, token=token)
    if app.kind not in changes.KINDS:
        raise Conflict("这份申请不是变更或注销申请。", code="wrong_kind")
    return app


@router.get("/licensing/changes/{token}")
def resume(db: DbSession, token: str) -> Response:
    """The link on the status page: continues where the applicant is."""
    return RedirectResponse(_next(_open(db, token), token), status_code=303)


def _page(
    request: Request,
    app: Application,
    token: str,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    page = {
        "app": app,
        "token": token,
        "kind": KIND_LABELS[app.kind],
        "license": app.license,
        "demo": flow.is_demo(app.office),
        "errors": {},
        "values": {},
        **context,
    }
    return render(request, f"licensing/changes/{template}.html", page, status=status)


def _code_page(
    request: Request, app: Application, token: str, errors: dict[str, str], status: int = 200
) -> Response:
    context = {"phone": mask_phone(app.phone), "errors": errors}
    return _page(request, app, token, "code", context, status)


@router.get("/licensing/changes/{token}/code")
def code_page(request: Request, db: DbSession, token: str) -> Response:
    app = _open(db, token)
    if app.status not in service.EDITABLE or app.phone_verified_at is not None:
        return RedirectResponse(_next(app, token), status_code=303)
    return _code_page(request, app, token, {})


@router.post("/licensing/changes/{token}/code")
def confirm_code(
    request: Request, db: DbSession, token: str, form: FormFields, addr: ClientAddr
) -> Response:
    app = _open(db, token)
    if app.status not in service.EDITABLE:
        return RedirectResponse(_status(token), status_code=303)
    try:
        if form.get("resend"):
            service.send_code(db, app=app, phone=app.phone, client_addr=addr)
            return _code_page(request, app, token, {})
        changes.confirm_phone(db, app=app, code=flow.text(form, "code", 20))
    except InvalidInput as exc:
        return _code_page(request, app, token, exc.fields, 422)
    return RedirectResponse(_next(app, token), status_code=303)


def _place_page(
    request: Request,
    db: Session,
    app: Application,
    token: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    general, permit = flow.scope_groups(db)
    context = {
        "values": values,
        "errors": errors,
        "towns": flow.towns(db),
        "communities": flow.communities(db, optional_int(values.get("town_id"))),
        "general": general,
        "permit": permit,
        "chosen": set(values.get("scope_codes") or []),
    }
    return _page(request, app, token, "place", context, status)


def _editing(app: Application, token: str, kind: ApplicationKind) -> Response | None:
    """A redirect when this page is not the applicant's to fill now."""
    if app.status not in service.EDITABLE or app.phone_verified_at is None or app.kind != kind:
        return RedirectResponse(_next(app, token), status_code=303)
    return None


@router.get("/licensing/changes/{token}/place")
def place_page(request: Request, db: DbSession, token: str) -> Response:
    """The new place and scope, starting from what the license says."""
    app = _open(db, token)
    away = _editing(app, token, ApplicationKind.amend)
    if away is not None:
        return away
    values = {
        "town_id": str(app.town_id or ""),
        "community_id": str(app.community_id or ""),
        "address": app.address,
        "scope_codes": list(app.scope_codes or []),
    }
    return _place_page(request, db, app, token, values, {})


@router.post("/licensing/changes/{token}/place")
def set_place(request: Request, db: DbSession, token: str, form: FormFields) -> Response:
    app = _open(db, token)
    away = _editing(app, token, ApplicationKind.amend)
    if away is not None:
        return away
    town_id, community_id = flow.text(form, "town_id", 20), flow.text(form, "community_id", 20)
    address, codes = flow.text(form, "address", 200), flow.as_list(form.get("scope_codes"))
    values = {
        "town_id": town_id,
        "community_id": community_id,
        "address": address,
        "scope_codes": codes,
    }
    try:
        changes.set_amendment(
            db,
            app=app,
            town_id=optional_int(town_id),
            community_id=optional_int(community_id),
            address=address,
            scope_codes=codes,
        )
    except InvalidInput as exc:
        db.rollback()
        app = _open(db, token)
        return _place_page(request, db, app, token, values, exc.fields, 422)
    return RedirectResponse(_path(token, "confirm"), status_code=303)


def _confirm_page(
    request: Request,
    db: Session,
    app: Application,
    token: str,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "place": flow.place_text(app),
        "scope": scope.items(db, list(app.scope_codes or [])),
        "old_scope": scope.items(db, list(app.license.scope_codes)) if app.license else [],
        "checks": flow.checks(db, app),
        "promise": changes.PROMISE,
        "id_number": identity_numbers.mask(app.id_number),
        "errors": errors,
    }
    return _page(request, app, token, "confirm", context, status)


@router.get("/licensing/changes/{token}/confirm")
def confirm_page(request: Request, db: DbSession, token: str) -> Response:
    app = _open(db, token)
    away = _editing(app, token, app.kind)
    if away is not None:
        return away
    return _confirm_page(request, db, app, token, {})


@router.post("/licensing/changes/{token}/confirm")
def submit(request: Request, db: DbSession, token: str, form: FormFields) -> Response:
    app = _open(db, token)
    away = _editing(app, token, app.kind)
    if away is not None:
        return away
    try:
        changes.submit(db, app=app, token=token, promise=form.get("promise") == "yes")
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        app = _open(db, token)
        errors = exc.fields if isinstance(exc, InvalidInput) else {"__all__": exc.message}
        return _confirm_page(request, db, app, token, errors, exc.status)
    return RedirectResponse(_status(token), status_code=303)
