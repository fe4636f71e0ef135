"""The kiosk (一体机): one question per screen with big touch targets, progress, 演示 on every
screen with the demo backend, a timeout that wipes what was typed, and printing the license.

The application's token lives only in an HttpOnly cookie scoped to the kiosk's path: a public
screen never shows it in an address. A screen left alone refreshes to /timeout (no script
needed); the server also refuses to go on with an application idle longer than the timeout."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from minsheng.core.db import utcnow
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, MinshengError, NotFound, TooManyRequests
from minsheng.core.settings import get_settings
from minsheng.core.text import mask_phone
from minsheng.licensing import flow, service
from minsheng.licensing.models import Application, ApplicationStatus, Office
from minsheng.web.forms import FormFields, errors_of
from minsheng.web.templating import render

router = APIRouter()

COOKIE = "minsheng_kiosk"
GRACE_SECONDS = 15  # the screen's own refresh comes first; the server check is the backstop
MESSAGES = {
    "timeout": "因为较长时间没有操作，刚才填写的信息已经清除，请重新开始。",
    "idle": "这份申请停留太久，已经清除，请重新开始。",
    "restart": "刚才填写的信息已经清除。",
    "done": "办理完毕，您的信息已从本机清除。谢谢！",
}
STEPS = flow.KIOSK_STEPS


def _base(office: Office) -> str:
    return f"/kiosk/{office.code}"


def _current(request: Request, db: DbSession, office: Office) -> Application | None:
    """The application this kiosk's cookie names, if it is one of this office's."""
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    try:
        app = service.by_token(db, token=token[:64])
    except NotFound:
        return None
    return app if app.office_id == office.id else None


def _to_welcome(office: Office, message: str = "") -> Response:
    """Back to the welcome screen with the kiosk's session gone."""
    query = f"?m={message}" if message else ""
    response = RedirectResponse(_base(office) + query, status_code=303)
    response.delete_cookie(COOKIE, path=_base(office))
    return response


def _go(office: Office, step: str) -> Response:
    return RedirectResponse(f"{_base(office)}/{step}", status_code=303)


def _layout(office: Office) -> dict[str, Any]:
    return {
        "office": office,
        "base": _base(office),
        "demo": flow.is_demo(office),
        "timeout": get_settings().licensing_kiosk_timeout_seconds,
    }


@router.get("/kiosk/{office_code}")
def welcome(request: Request, db: DbSession, office_code: str, m: str = "") -> Response:
    office = service.get_office(db, code=office_code)
    context = {**_layout(office), "message": MESSAGES.get(m, ""), "kiosk_home": True}
    return render(request, "licensing/kiosk/welcome.html", context)


@router.post("/kiosk/{office_code}/start")
def start(request: Request, db: DbSession, office_code: str) -> Response:
    office = service.get_office(db, code=office_code)
    left = _current(request, db, office)
    if left is not None:  # the previous person's unfinished answers go first
        service.abandon(db, app=left)
    _app, token = service.start(db, office=office, channel="kiosk")
    response = _go(office, STEPS[0])
    response.set_cookie(
        COOKIE,
        token,
        path=_base(office),
        httponly=True,
        samesite="strict",
        secure=get_settings().secure_cookies,
    )
    return response


def _wipe(request: Request, db: DbSession, office_code: str, message: str) -> Response:
    office = service.get_office(db, code=office_code)
    app = _current(request, db, office)
    if app is not None:
        service.abandon(db, app=app)  # wipes only what is still being filled in
    return _to_welcome(office, message)


@router.get("/kiosk/{office_code}/timeout")
def timeout(request: Request, db: DbSession, office_code: str) -> Response:
    """Where an untouched screen refreshes to: a GET, so that it works without script."""
    return _wipe(request, db, office_code, "timeout")


@router.post("/kiosk/{office_code}/restart")
def restart(request: Request, db: DbSession, office_code: str) -> Response:
    return _wipe(request, db, office_code, "restart")


@router.post("/kiosk/{office_code}/done")
def done(request: Request, db: DbSession, office_code: str) -> Response:
    """完成: the kiosk forgets the person; a submitted application and its license stay."""
    return _wipe(request, db, office_code, "done")


def _issued(request: Request, db: DbSession, office_code: str) -> tuple[Office, Application]:
    office = service.get_office(db, code=office_code)
    app = _current(request, db, office)
    if app is None or app.status != ApplicationStatus.issued or app.license is None:
        raise NotFound("这台机器上没有已办结的执照可以打印。")
    return office, app


@router.get("/kiosk/{office_code}/print")
def print_page(request: Request, db: DbSession, office_code: str, copy: str = "0") -> Response:
    office, app = _issued(request, db, office_code)
    pdf = f"{_base(office)}/license.pdf?copy={'1' if copy == '1' else '0'}"
    context = {**_layout(office), "pdf": pdf, "copy": copy == "1", "license": app.license}
    return render(request, "licensing/kiosk/print.html", context)


@router.get("/kiosk/{office_code}/license.pdf")
def license_pdf(request: Request, db: DbSession, office_code: str, copy: str = "0") -> Response:
    from minsheng.licensing import license_pdf as pdf  # the issuing helper's layout

    _office, app = _issued(request, db, office_code)
    assert app.license is not None
    body = pdf.render(app.license, copy=copy == "1")
    # Framed by the kiosk's own print page, and nowhere else.
    headers = {
        "x-frame-options": "SAMEORIGIN",
        "content-security-policy": "frame-ancestors 'self'",
        "content-disposition": 'inline; filename="license.pdf"',
    }
    return Response(body, media_type="application/pdf", headers=headers)


def _open(
    request: Request, db: DbSession, office_code: str, step: str
) -> tuple[Office, Application | None, Response | None]:
    """The office and application of a screen, or where to send the person instead."""
    office = service.get_office(db, code=office_code)
    if step not in STEPS:
        raise NotFound("没有这一步。")
    app = _current(request, db, office)
    if app is None:
        return office, None, _to_welcome(office)
    editable = app.status in service.EDITABLE
    if editable and flow.idle_for(app) > get_settings().licensing_kiosk_timeout_seconds + (
        GRACE_SECONDS
    ):
        service.abandon(db, app=app)
        return office, None, _to_welcome(office, "idle")
    if not editable and app.status == ApplicationStatus.abandoned:
        return office, None, _to_welcome(office, "idle")
    if not editable and step != "result":
        return office, app, _go(office, "result")
    if editable and step == "result":
        return office, app, _go(office, "confirm")
    return office, app, None


def _screen(
    request: Request,
    db: DbSession,
    office: Office,
    app: Application,
    step: str,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    shown: dict[str, Any] = {
        "operator_name": app.operator_name,
        "id_number": app.id_number,
        "phone": app.phone,
        **flow.business_values(app, office),
    }
    shown.update(values or {})
    index = STEPS.index(step)
    context: dict[str, Any] = {
        **_layout(office),
        "app": app,
        "step": step,
        "progress": flow.progress(STEPS, step, flow.KIOSK_LABELS),
        "back": f"{_base(office)}/{STEPS[index - 1]}" if 0 < index < len(STEPS) - 1 else "",
        "shown_at": flow.stamp(),
        "values": shown,
        "errors": errors or {},
        "masked_phone": mask_phone(app.phone),
    }
    if step == "org_form":
        members = list(shown.get("family_members") or [])[: flow.FAMILY_ROWS]
        context["family"] = members + [{"name": "", "id_number": ""}] * (
            flow.FAMILY_ROWS - len(members)
        )
    elif step == "place":
        town_id = shown.get("town_id")
        context["towns"] = flow.towns(db)
        context["communities"] = flow.communities(db, town_id if isinstance(town_id, int) else None)
    elif step == "scope":
        context["general"], context["permit"] = flow.scope_groups(db)
        context["chosen"] = set(shown.get("scope_codes") or [])
    elif step == "confirm":
        context["summary"] = flow.summary(db, app)
        context["checks"] = flow.checks(db, app)
    elif step == "result":
        context.update(flow.status_view(app))
    return render(request, "licensing/kiosk/screen.html", context, status=status)


@router.get("/kiosk/{office_code}/{step}")
def screen(request: Request, db: DbSession, office_code: str, step: str) -> Response:
    office, app, elsewhere = _open(request, db, office_code, step)
    if elsewhere is not None or app is None:
        return elsewhere or _to_welcome(office)
    if app.status in service.EDITABLE:
        app.last_active_at = utcnow()  # the screen was just shown: its countdown starts now
    return _screen(request, db, office, app, step)


@router.post("/kiosk/{office_code}/{step}")
def answer(
    request: Request,
    db: DbSession,
    office_code: str,
    step: str,
    form: FormFields,
    addr: ClientAddr,
) -> Response:
    office, app, elsewhere = _open(request, db, office_code, step)
    if elsewhere is not None or app is None:
        return elsewhere or _to_welcome(office)
    if step == "result":
        return _go(office, "result")
    flow.record(app, step=step, shown_at=form.get("shown_at"))
    try:
        following = _apply(db, office, app, step, form, addr, request.cookies.get(COOKIE, ""))
    except TooManyRequests as exc:
        field = "code" if step == "code" else "phone"
        return _screen(
            request, db, office, app, step, {field: exc.message}, _typed(form, step), 429
        )
    except MinshengError as exc:
        return _screen(request, db, office, app, step, errors_of(exc), _typed(form, step), 422)
    return _go(office, following)


def _typed(form: dict[str, Any], step: str) -> dict[str, Any]:
    """What the person typed, shown again beside the message (never the code)."""
    if step in flow.KIOSK_BUSINESS_FIELDS:
        return flow.read_business(form, flow.KIOSK_BUSINESS_FIELDS[step])
    keep = ("operator_name", "id_number", "phone")
    return {k: flow.text(form, k, 40) for k in keep if k in form}


def _apply(
    db: DbSession,
    office: Office,
    app: Application,
    step: str,
    form: dict[str, Any],
    addr: str,
    token: str,
) -> str:
    """Takes one screen's answer through the service; returns the next screen."""
    following = STEPS[STEPS.index(step) + 1]
    if step == "operator":
        flow.hold_name(db, app=app, name=flow.text(form, "operator_name", 40))
    elif step == "id_number":
        if not app.operator_name:
            return "operator"
        service.set_identity(
            db, app=app, name=app.operator_name, id_number=flow.text(form, "id_number", 40)
        )
    elif step == "phone":
        flow.send_code(db, app=app, form=form, client_addr=addr)
    elif step == "code":
        if form.get("action") == "resend":
            service.send_code(db, app=app, phone=app.phone, client_addr=addr)
            return "code"
        flow.confirm_code(db, app=app, form=form)
    elif step in flow.KIOSK_BUSINESS_FIELDS:
        flow.set_business_part(db, app=app, office=office, step=step, form=form)
    elif step == "confirm":
        missing = flow.summary(db, app)["missing"]
        if missing:
            raise InvalidInput(missing, "还有几步没有完成。")
        with db.begin_nested():  # a refused submit leaves no half-made decision behind
            flow.submit(db, app=app, token=token)
    return following
