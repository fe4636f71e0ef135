"""The applicant's path on the web: start (what you need, which office), identity, business,
review with every check's reason, submit; then the status page behind the secret link."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from minsheng.core import ratelimit
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, MinshengError, NotFound, TooManyRequests
from minsheng.core.text import mask_phone, normalize_mobile
from minsheng.licensing import flow, service
from minsheng.licensing.models import Application, ApplicationKind
from minsheng.web.forms import FormFields, errors_of, optional_int
from minsheng.web.templating import render

router = APIRouter()

STARTS_PER_HOUR = 30  # from one address: enough for a family, not for filling the table
CHANGED_PHONE = "手机号码改过了，请点“获取验证码”重新获取"
BUSINESS_FIELDS = (
    "org_form",
    "family_members",
    "trade_name",
    "industry_word",
    "form_word",
    "town_id",
    "community_id",
    "address",
    "scope_codes",
)


def _status_path(token: str) -> str:
    return f"/licensing/status/{token}"


def _step_path(token: str, step: str) -> str:
    return f"/licensing/apply/{token}/{step}"


def _next_step(app: Application, step: str) -> str:
    steps = flow.WEB_STEPS[app.kind]
    return steps[min(steps.index(step) + 1, len(steps) - 1)]


def _closed(app: Application, token: str) -> Response | None:
    """A submitted or abandoned application is no longer edited: its status page instead."""
    if app.status in service.EDITABLE:
        return None
    return RedirectResponse(_status_path(token), status_code=303)


def _page(
    request: Request,
    app: Application,
    token: str,
    step: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    steps = flow.WEB_STEPS[app.kind]
    page = {
        "app": app,
        "token": token,
        "step": step,
        "steps": [(s, flow.WEB_LABELS[s], _step_path(token, s)) for s in steps],
        "progress": flow.progress(steps, step, flow.WEB_LABELS),
        "shown_at": flow.stamp(),
        "demo": flow.is_demo(app.office),
        "errors": {},
        "values": {},
        **context,
    }
    return render(request, f"licensing/apply/{step}.html", page, status=status)


@router.get("/licensing")
def start_page(request: Request, db: DbSession) -> Response:
    return _start(request, db, {}, {})


def _start(
    request: Request,
    db: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    offices = service.list_offices(db)
    options = [(o.code, f"{o.town.name}　{o.name}" if o.town else o.name) for o in offices]
    context = {"offices": options, "values": values, "errors": errors}
    return render(request, "licensing/apply/start.html", context, status=status)


@router.post("/licensing/start")
def start(request: Request, db: DbSession, form: FormFields, addr: ClientAddr) -> Response:
    code = flow.text(form, "office", 20)
    try:
        office = service.get_office(db, code=code) if code else None
    except NotFound:
        office = None
    if office is None:
        return _start(request, db, {}, {"office": "请选择办理的区镇和服务点"}, 422)
    if not ratelimit.allow(
        db, key=f"licensing.start:{addr}", limit=STARTS_PER_HOUR, window_seconds=3600
    ):
        raise TooManyRequests("开始申请太频繁，请稍后再试。", retry_after=3600)
    _app, token = service.start(db, office=office, channel="web")
    return RedirectResponse(_step_path(token, "identity"), status_code=303)


def _identity(
    request: Request,
    app: Application,
    token: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    sent_to: str = "",
    status: int = 200,
) -> Response:
    shown = {"operator_name": app.operator_name, "id_number": app.id_number, "phone": app.phone}
    context = {
        "values": {**shown, **(values or {})},
        "errors": errors or {},
        "sent_to": sent_to,
        "code_sent": bool(app.phone) and app.phone_verified_at is None,
        "phone_verified": app.phone_verified_at is not None,
        "masked_phone": mask_phone(app.phone),
    }
    return _page(request, app, token, "identity", context, status)


@router.get("/licensing/apply/{token}/identity")
def identity_page(request: Request, db: DbSession, token: str) -> Response:
    app = service.by_token(db, token=token)
    return _closed(app, token) or _identity(request, app, token)


@router.post("/licensing/apply/{token}/identity")
def identity(
    request: Request, db: DbSession, token: str, form: FormFields, addr: ClientAddr
) -> Response:
    app = service.by_token(db, token=token)
    if closed := _closed(app, token):
        return closed
    flow.record(app, step="identity", shown_at=form.get("shown_at"))
    typed = {k: flow.text(form, k, 40) for k in ("operator_name", "id_number", "phone")}
    errors: dict[str, str] = {}
    if form.get("action") == "send_code":
        try:
            phone = flow.send_code(db, app=app, form=form, client_addr=addr)
        except InvalidInput as exc:
            return _identity(request, app, token, typed, exc.fields, status=422)
        except TooManyRequests as exc:
            return _identity(request, app, token, typed, {"phone": exc.message}, status=429)
        return _identity(request, app, token, typed, sent_to=mask_phone(phone))
    try:
        flow.set_identity(db, app=app, form=form)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if app.phone_verified_at is None or (
        typed["phone"] and normalize_mobile(typed["phone"]) != app.phone
    ):
        errors.update(_confirm(db, app, form, typed["phone"]))
    if errors:
        return _identity(request, app, token, typed, errors, status=422)
    return RedirectResponse(_step_path(token, _next_step(app, "identity")), status_code=303)


def _confirm(db: DbSession, app: Application, form: dict[str, Any], phone: str) -> dict[str, str]:
    """The code from the SMS, for the number it was sent to."""
    if not app.phone:
        return {"phone": "请填写手机号码，再点“获取验证码”"}
    if phone and normalize_mobile(phone) != app.phone:
        return {"phone": CHANGED_PHONE}
    try:
        flow.confirm_code(db, app=app, form=form)
    except InvalidInput as exc:
        return exc.fields
    return {}


def _business(
    request: Request,
    db: DbSession,
    app: Application,
    token: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    general, permit = flow.scope_groups(db)
    town_id = values.get("town_id")
    context = {
        "values": values,
        "errors": errors or {},
        "family": _family_rows(values.get("family_members") or []),
        "towns": flow.towns(db),
        "communities": flow.communities(db, town_id if isinstance(town_id, int) else None),
        "general": general,
        "permit": permit,
        "chosen": set(values.get("scope_codes") or []),
    }
    return _page(request, app, token, "business", context, status)


def _family_rows(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [dict(m) for m in members][: flow.FAMILY_ROWS]
    return rows + [{"name": "", "id_number": ""}] * (flow.FAMILY_ROWS - len(rows))


@router.get("/licensing/apply/{token}/business")
def business_page(request: Request, db: DbSession, token: str) -> Response:
    app = service.by_token(db, token=token)
    if closed := _closed(app, token):
        return closed
    return _business(request, db, app, token, flow.business_values(app, app.office))


@router.post("/licensing/apply/{token}/business")
def business(request: Request, db: DbSession, token: str, form: FormFields) -> Response:
    app = service.by_token(db, token=token)
    if closed := _closed(app, token):
        return closed
    flow.record(app, step="business", shown_at=form.get("shown_at"))
    values = flow.read_business(form, BUSINESS_FIELDS)
    try:
        flow.set_business(db, app=app, values=values)
    except InvalidInput as exc:
        return _business(request, db, app, token, values, exc.fields, 422)
    return RedirectResponse(_step_path(token, "review"), status_code=303)


@router.get("/licensing/apply/{token}/communities")
def communities(request: Request, db: DbSession, token: str, town_id: str = "") -> Response:
    """The community select of the chosen town (htmx swaps it in when the town changes)."""
    options = flow.communities(db, optional_int(town_id[:20]))
    context = {"communities": options, "values": {}, "errors": {}}
    return render(request, "licensing/apply/_communities.html", context)


def _review(
    request: Request,
    db: DbSession,
    app: Application,
    token: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "summary": flow.summary(db, app),
        "checks": flow.checks(db, app),
        "errors": errors or {},
    }
    return _page(request, app, token, "review", context, status)


@router.get("/licensing/apply/{token}/review")
def review_page(request: Request, db: DbSession, token: str) -> Response:
    app = service.by_token(db, token=token)
    return _closed(app, token) or _review(request, db, app, token)


@router.post("/licensing/apply/{token}/review")
def submit(request: Request, db: DbSession, token: str, form: FormFields) -> Response:
    app = service.by_token(db, token=token)
    if closed := _closed(app, token):
        return closed
    flow.record(app, step="review", shown_at=form.get("shown_at"))
    try:
        with db.begin_nested():  # a refused submit leaves no half-made decision behind
            flow.submit(db, app=app, token=token)
    except MinshengError as exc:
        return _review(request, db, app, token, errors_of(exc), 422)
    return RedirectResponse(_status_path(token), status_code=303)


@router.get("/licensing/status/{token}")
def status(request: Request, db: DbSession, token: str) -> Response:
    app = service.by_token(db, token=token)
    # A returned change of an existing license is corrected in the changes flow.
    edit_path = (
        _step_path(token, "business")
        if app.kind == ApplicationKind.register
        else f"/licensing/changes/{token}"
    )
    context = {**flow.status_view(app), "token": token, "edit_path": edit_path}
    return render(request, "licensing/apply/status.html", context)
