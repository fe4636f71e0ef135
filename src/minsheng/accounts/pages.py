"""Staff pages: sign in and out, password, staff accounts and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts import service, sessions
from minsheng.accounts.deps import CurrentStaff, OptionalStaff, require
from minsheng.accounts.models import StaffUser
from minsheng.accounts.permissions import MANAGE_ALL_TOKENS, MANAGE_USERS
from minsheng.accounts.schemas import StaffUserCreate, StaffUserUpdate
from minsheng.core.deps import ClientAddr, DbSession, client_addr
from minsheng.core.errors import Forbidden, InvalidInput, MinshengError
from minsheng.core.permissions import ROLES, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.org import service as org
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_USERS))]
ROLE_ROWS = 3  # empty rows offered for new roles, so the form works without JavaScript


def safe_next(value: str | None, default: str) -> str:
    """Only local paths, so a login link cannot send people to another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def set_session_cookie(response: Response, plain: str, lifetime: dt.timedelta) -> None:
    response.set_cookie(
        sessions.COOKIE,
        plain,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )


def signed_in(
    request: Request,
    db: Session,
    next_path: str,
    *,
    staff_user_id: int | None = None,
    resident_id: int | None = None,
) -> Response:
    """Starts a session for a staff member or a resident and sends them on to `next_path`."""
    settings = get_settings()
    lifetime = (
        dt.timedelta(hours=settings.staff_session_hours)
        if staff_user_id is not None
        else dt.timedelta(days=settings.resident_session_days)
    )
    plain = sessions.start(
        db,
        lifetime=lifetime,
        staff_user_id=staff_user_id,
        resident_id=resident_id,
        client_addr=client_addr(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, plain, lifetime)
    return response


def signed_out(request: Request, db: Session) -> Response:
    """Ends this browser's session, whoever it belonged to, and goes home."""
    plain = request.cookies.get(sessions.COOKIE)
    if plain:
        sessions.end(db, plain=plain)
    response = RedirectResponse("/?signed_out=1", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/login")
def login_form(request: Request, staff: OptionalStaff) -> Response:
    if staff is not None:
        return RedirectResponse("/staff", status_code=303)
    expired = getattr(request.state, "session_expired", False)
    next_path = request.query_params.get("next", "")
    context: dict[str, Any] = {"next": next_path, "expired": expired, "values": {}}
    return render(request, "accounts/login.html", context)


@router.post("/login")
def login(request: Request, form: FormFields, db: DbSession, addr: ClientAddr) -> Response:
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")), "/staff")
    if not username.strip() or not password:
        errors = (
            {"username": "请填写用户名"} if not username.strip() else {"password": "请填写密码"}
        )
        values = {"username": username}
        context: dict[str, Any] = {"errors": errors, "next": next_path, "values": values}
        return render(request, "accounts/login.html", context, status=400)
    result = service.authenticate(db, username=username, password=password, client_addr=addr)
    if result.user is None:
        context = {"error": result.error, "next": next_path, "values": {"username": username}}
        status = 429 if "过多" in (result.error or "") else 401
        return render(request, "accounts/login.html", context, status=status)
    return signed_in(request, db, next_path, staff_user_id=result.user.id)


@router.post("/logout")
def logout(request: Request, db: DbSession) -> Response:
    return signed_out(request, db)


@router.get("/staff")
def workbench(request: Request, staff: CurrentStaff) -> Response:
    return render(request, "accounts/workbench.html", {"roles": ROLES})


@router.get("/staff/password")
def password_form(request: Request, staff: CurrentStaff) -> Response:
    return render(request, "accounts/password.html", {"errors": {}})


@router.post("/staff/password")
def change_password(
    request: Request, form: FormFields, db: DbSession, staff: CurrentStaff
) -> Response:
    user = service.get_user(db, user_id=staff.user_id)
    try:
        service.change_password(
            db,
            user=user,
            current=str(form.get("current_password", "")),
            new=str(form.get("new_password", "")),
        )
        if form.get("new_password") != form.get("confirm_password"):
            raise MinshengError("两次输入的新密码不一致。")
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        if "__all__" in errors:
            errors = {"confirm_password": errors.pop("__all__")}
        return render(request, "accounts/password.html", {"errors": errors}, status=422)
    # The change signed us out everywhere; start a fresh session here.
    return signed_in(request, db, "/staff?password_changed=1", staff_user_id=user.id)


# Staff accounts


@router.get("/staff/users")
def users(request: Request, db: DbSession, staff: Manager) -> Response:
    users = [u for u in service.list_users(db) if service.in_scope(u, staff)]
    return render(request, "accounts/users.html", {"users": users, "roles": ROLES})


def _roles_from(form: dict[str, Any]) -> list[dict[str, Any]]:
    roles = []
    for i in range(40):
        role, unit = form.get(f"role_{i}"), optional_int(form.get(f"unit_{i}"))
        if role:
            roles.append({"role": role, "unit_id": unit})
    return roles


def _check_roles(values: dict[str, Any]) -> None:
    """A role chosen without its unit is a mistake to show, not a row to drop silently."""
    if any(r["unit_id"] is None for r in values["roles"]):
        raise InvalidInput({"roles": "请为每个角色选择所属单位"})


def _user_form(
    request: Request,
    db: DbSession,
    user: StaffUser | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    rows = list(values.get("roles", [])) + [{"role": "", "unit_id": None}] * ROLE_ROWS
    context = {
        "user": user,
        "values": values,
        "errors": errors,
        "role_rows": rows,
        "roles": ROLES,
        "units": org.list_units(db, active_only=True),
    }
    return render(request, "accounts/user_form.html", context, status=status)


@router.get("/staff/users/new")
def new_user(request: Request, db: DbSession, _: Manager) -> Response:
    return _user_form(request, db, None, {"active": True, "roles": []}, {})


@router.post("/staff/users/new")
def create_user(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values = {**form, "roles": _roles_from(form), "active": True}
    try:
        _check_roles(values)
        user = service.create_user(db, data=parse(StaffUserCreate, values), by=staff)
    except MinshengError as exc:
        db.rollback()
        return _user_form(request, db, None, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/users?saved={user.id}", status_code=303)


@router.get("/staff/users/{user_id}")
def edit_user(user_id: int, request: Request, db: DbSession, staff: Manager) -> Response:
    user = service.get_user(db, user_id=user_id)
    if not service.in_scope(user, staff):
        raise Forbidden("这个账号有您管理范围以外的角色，请由上级管理员修改。")
    values = {
        "username": user.username,
        "display_name": user.display_name,
        "phone": user.phone,
        "active": user.active,
        "roles": [{"role": a.role, "unit_id": a.unit_id} for a in user.assignments],
    }
    return _user_form(request, db, user, values, {})


@router.post("/staff/users/{user_id}")
def update_user(
    user_id: int, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    user = service.get_user(db, user_id=user_id)
    values = {**form, "roles": _roles_from(form), "active": form.get("active_flag") == "on"}
    try:
        _check_roles(values)
        service.update_user(db, user=user, data=parse(StaffUserUpdate, values), by=staff)
        if form.get("new_password"):
            service.set_password(db, user=user, new_password=str(form["new_password"]))
    except MinshengError as exc:
        db.rollback()
        values["username"] = user.username
        return _user_form(request, db, user, values, errors_of(exc), 422)
    return RedirectResponse(f"/staff/users?saved={user.id}", status_code=303)


# API tokens


@router.get("/staff/tokens")
def tokens(request: Request, db: DbSession, staff: CurrentStaff) -> Response:
    see_all = staff.can_everywhere(MANAGE_ALL_TOKENS)
    user = None if see_all else service.get_user(db, user_id=staff.user_id)
    context = {"tokens": service.list_tokens(db, user=user), "see_all": see_all, "errors": {}}
    return render(request, "accounts/tokens.html", context)


@router.post("/staff/tokens")
def create_token(
    request: Request, form: FormFields, db: DbSession, staff: CurrentStaff
) -> Response:
    name = str(form.get("name", "")).strip()
    see_all = staff.can_everywhere(MANAGE_ALL_TOKENS)
    user = service.get_user(db, user_id=staff.user_id)
    if not name or len(name) > 60:
        context = {
            "tokens": service.list_tokens(db, user=None if see_all else user),
            "see_all": see_all,
            "errors": {"name": "请写明令牌的用途（最多 60 个字）"},
        }
        return render(request, "accounts/tokens.html", context, status=422)
    plain, _row = service.issue_token(db, user=user, name=name)
    context = {
        "tokens": service.list_tokens(db, user=None if see_all else user),
        "see_all": see_all,
        "errors": {},
        "new_token": plain,
    }
    return render(request, "accounts/tokens.html", context)


@router.post("/staff/tokens/{token_id}/revoke")
def revoke_token(token_id: int, db: DbSession, staff: CurrentStaff) -> Response:
    service.revoke_token(
        db, token_id=token_id, by=staff, any_user=staff.can_everywhere(MANAGE_ALL_TOKENS)
    )
    return RedirectResponse("/staff/tokens?revoked=1", status_code=303)
