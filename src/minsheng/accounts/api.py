"""JSON API for tokens and staff accounts: thin, check then call the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from minsheng.accounts import service
from minsheng.accounts.deps import CurrentStaff, require
from minsheng.accounts.models import StaffUser
from minsheng.accounts.permissions import MANAGE_ALL_TOKENS, MANAGE_USERS
from minsheng.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    RoleGrantRead,
    StaffUserCreate,
    StaffUserRead,
    StaffUserUpdate,
    TokenRequest,
    TokenResponse,
)
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.permissions import ROLES, StaffPrincipal
from minsheng.core.text import mask_phone
from minsheng.web.errors import api_error

router = APIRouter(tags=["accounts"])
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_USERS))]


def user_read(user: StaffUser) -> StaffUserRead:
    roles = [
        RoleGrantRead(
            role=a.role,
            role_label=ROLES.get(a.role, a.role),
            unit_id=a.unit_id,
            unit_name=a.unit.name,
        )
        for a in user.assignments
    ]
    return StaffUserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        phone_masked=mask_phone(user.phone),
        active=user.active,
        roles=roles,
    )


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="用户名和密码换取 API 令牌",
    responses={401: {"description": "用户名或密码不正确"}, 429: {"description": "失败次数过多"}},
)
def token(data: TokenRequest, db: DbSession, addr: ClientAddr) -> TokenResponse | Response:
    result = service.authenticate(
        db, username=data.username, password=data.password, client_addr=addr
    )
    if result.user is None:
        status, code = (
            (429, "rate_limited")
            if "过多" in (result.error or "")
            else (401, "invalid_credentials")
        )
        return api_error(status, code, result.error or "", headers={"WWW-Authenticate": "Bearer"})
    plain, row = service.issue_token(db, user=result.user, name="登录令牌")
    return TokenResponse(access_token=plain, expires_at=row.expires_at)


@router.get("/auth/me", response_model=StaffUserRead, summary="当前令牌所属的工作人员")
def me(staff: CurrentStaff, db: DbSession) -> StaffUserRead:
    return user_read(service.get_user(db, user_id=staff.user_id))


@router.get(
    "/auth/tokens", response_model=list[ApiTokenRead], summary="我的 API 令牌（管理员可看全部）"
)
def tokens(staff: CurrentStaff, db: DbSession, all: bool = False) -> list[ApiTokenRead]:
    user = (
        None
        if (all and staff.can_everywhere(MANAGE_ALL_TOKENS))
        else service.get_user(db, user_id=staff.user_id)
    )
    return [ApiTokenRead.model_validate(t) for t in service.list_tokens(db, user=user)]


@router.post(
    "/auth/tokens", response_model=ApiTokenCreated, status_code=201, summary="为集成系统新建令牌"
)
def create_token(data: ApiTokenCreate, staff: CurrentStaff, db: DbSession) -> ApiTokenCreated:
    user = service.get_user(db, user_id=staff.user_id)
    plain, row = service.issue_token(db, user=user, name=data.name, days=data.days)
    return ApiTokenCreated(access_token=plain, **ApiTokenRead.model_validate(row).model_dump())


@router.delete("/auth/tokens/{token_id}", response_model=ApiTokenRead, summary="吊销令牌")
def revoke_token(token_id: int, staff: CurrentStaff, db: DbSession) -> ApiTokenRead:
    row = service.revoke_token(
        db, token_id=token_id, by=staff, any_user=staff.can_everywhere(MANAGE_ALL_TOKENS)
    )
    return ApiTokenRead.model_validate(row)


@router.get("/users", response_model=list[StaffUserRead], summary="工作人员账号")
def list_users(db: DbSession, staff: Manager) -> list[StaffUserRead]:
    return [user_read(u) for u in service.list_users(db) if service.in_scope(u, staff)]


@router.post("/users", response_model=StaffUserRead, status_code=201, summary="新建工作人员账号")
def create_user(data: StaffUserCreate, db: DbSession, staff: Manager) -> StaffUserRead:
    return user_read(service.create_user(db, data=data, by=staff))


@router.put("/users/{user_id}", response_model=StaffUserRead, summary="修改账号、角色或停用")
def update_user(
    user_id: int, data: StaffUserUpdate, db: DbSession, staff: Manager
) -> StaffUserRead:
    user = service.get_user(db, user_id=user_id)
    return user_read(service.update_user(db, user=user, data=data, by=staff))
