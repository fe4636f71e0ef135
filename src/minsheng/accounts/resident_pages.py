"""Residents sign in with a mobile number and a one-time code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from minsheng.accounts import residents
from minsheng.accounts.deps import CurrentResident, OptionalResident
from minsheng.accounts.pages import safe_next, signed_in, signed_out
from minsheng.accounts.schemas import OtpRequest, OtpVerify
from minsheng.core import modules
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.settings import get_settings
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()


@router.get("/resident/login")
def login_form(request: Request, resident: OptionalResident) -> Response:
    if resident is not None:
        return RedirectResponse("/me", status_code=303)
    context = {
        "step": "phone",
        "values": {},
        "errors": {},
        "next": request.query_params.get("next", ""),
    }
    return render(request, "accounts/resident_login.html", context)


@router.post("/resident/login")
def send_code(request: Request, form: FormFields, db: DbSession, addr: ClientAddr) -> Response:
    values = {"phone": str(form.get("phone", ""))}
    next_path = safe_next(str(form.get("next", "")), "/me")
    try:
        data = parse(OtpRequest, values)
        residents.request_code(db, phone=data.phone, client_addr=addr)
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        errors.setdefault("phone", errors.pop("__all__", ""))
        context: dict[str, Any] = {
            "step": "phone",
            "values": values,
            "errors": errors,
            "next": next_path,
        }
        return render(request, "accounts/resident_login.html", context, status=exc.status)
    context = {
        "step": "code",
        "values": {"phone": data.phone},
        "errors": {},
        "next": next_path,
        "ttl_minutes": max(get_settings().otp_ttl_seconds // 60, 1),
    }
    return render(request, "accounts/resident_login.html", context)


@router.post("/resident/verify")
def verify(request: Request, form: FormFields, db: DbSession, addr: ClientAddr) -> Response:
    values = {"phone": str(form.get("phone", "")), "code": str(form.get("code", ""))}
    next_path = safe_next(str(form.get("next", "")), "/me")
    try:
        data = parse(OtpVerify, values)
    except MinshengError as exc:
        db.rollback()
        step = "phone" if "phone" in errors_of(exc) else "code"
        context = {"step": step, "values": values, "errors": errors_of(exc), "next": next_path}
        return render(request, "accounts/resident_login.html", context, status=422)
    result = residents.verify_code(db, phone=data.phone, code=data.code)
    if result.resident is None:
        context = {
            "step": "code",
            "values": values,
            "errors": {"code": result.error},
            "next": next_path,
        }
        return render(request, "accounts/resident_login.html", context, status=400)
    return signed_in(request, db, next_path, resident_id=result.resident.id)


@router.get("/me")
def me(request: Request, resident: CurrentResident) -> Response:
    return render(request, "accounts/me.html", {"links": modules.home_links()})


@router.post("/resident/logout")
def logout(request: Request, db: DbSession) -> Response:
    return signed_out(request, db)
