"""Who is asking: staff by session cookie (pages) or bearer token (API), residents by cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from minsheng.accounts import service, sessions
from minsheng.accounts.models import Resident, StaffUser
from minsheng.core.db import Actor, set_actor
from minsheng.core.deps import DbSession, client_addr
from minsheng.core.errors import Forbidden, NotAuthenticated
from minsheng.core.permissions import Permission, ResidentPrincipal, StaffPrincipal
from minsheng.web.errors import is_machine


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _session_user(request: Request, db: DbSession) -> tuple[StaffUser | None, Resident | None]:
    """Who the session cookie belongs to. A dependency, so FastAPI looks it up once per request
    even when a page asks for both the staff member and the resident."""
    plain = request.cookies.get(sessions.COOKIE)
    if not plain or is_machine(request.url.path):
        return None, None
    found, expired = sessions.find(db, plain=plain)
    if expired:
        request.state.session_expired = True
    if found is None:
        return None, None
    staff = db.get(StaffUser, found.staff_user_id) if found.staff_user_id else None
    resident = db.get(Resident, found.resident_id) if found.resident_id else None
    if staff is not None and not staff.active:
        return None, None
    return staff, resident


# Declared so the OpenAPI document offers "Authorize" with a bearer token; we read it ourselves.
BEARER = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token 换取的令牌")


SessionUser = Annotated[tuple[StaffUser | None, Resident | None], Depends(_session_user)]


def optional_staff(
    request: Request,
    db: DbSession,
    session_user: SessionUser,
    _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> StaffPrincipal | None:
    """The signed-in staff member, if any. The API only accepts tokens, never cookies."""
    if is_machine(request.url.path):
        plain = _bearer(request)
        user = service.user_for_token(db, plain=plain) if plain else None
        via_token = True
    else:
        user, _ = session_user
        via_token = False
    if user is None:
        return None
    principal = service.principal(db, user=user, via_token=via_token)
    request.state.staff = principal
    set_actor(
        db, Actor("staff", user.id, f"{user.display_name}（{user.username}）", client_addr(request))
    )
    return principal


def current_staff(
    request: Request, principal: Annotated[StaffPrincipal | None, Depends(optional_staff)]
) -> StaffPrincipal:
    if principal is None:
        if getattr(request.state, "session_expired", False):
            raise NotAuthenticated("登录已过期，请重新登录。")
        if _bearer(request):
            raise NotAuthenticated("令牌无效、已过期或已被吊销。", code="invalid_token")
        raise NotAuthenticated()
    return principal


def optional_resident(
    request: Request, db: DbSession, session_user: SessionUser
) -> ResidentPrincipal | None:
    _, resident = session_user
    if resident is None:
        return None
    principal = ResidentPrincipal(resident.id, resident.phone)
    request.state.resident = principal
    set_actor(db, Actor("resident", resident.id, "居民", client_addr(request)))
    return principal


def current_resident(
    principal: Annotated[ResidentPrincipal | None, Depends(optional_resident)],
) -> ResidentPrincipal:
    if principal is None:
        raise NotAuthenticated("请先用手机号码登录。")
    return principal


def require(perm: Permission, *, everywhere: bool = False) -> Callable[..., StaffPrincipal]:
    """A dependency that lets through only staff holding `perm` in some unit, or with
    `everywhere` at a root unit (for city-wide settings such as regions and categories).
    Handlers of records in one unit still check that unit with `principal.can(perm, path)`."""

    def check(principal: Annotated[StaffPrincipal, Depends(current_staff)]) -> StaffPrincipal:
        allowed = principal.can_everywhere(perm) if everywhere else principal.can(perm)
        if not allowed:
            raise Forbidden()
        return principal

    return check


OptionalStaff = Annotated[StaffPrincipal | None, Depends(optional_staff)]
CurrentStaff = Annotated[StaffPrincipal, Depends(current_staff)]
OptionalResident = Annotated[ResidentPrincipal | None, Depends(optional_resident)]
CurrentResident = Annotated[ResidentPrincipal, Depends(current_resident)]
