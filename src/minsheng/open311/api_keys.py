"""JSON API for integrations' keys: administrators issue, list and revoke them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.permissions import StaffPrincipal
from minsheng.open311 import keys
from minsheng.open311.permissions import MANAGE_API_KEYS
from minsheng.open311.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = APIRouter(tags=["open311"])
Administrator = Annotated[StaffPrincipal, Depends(require(MANAGE_API_KEYS, everywhere=True))]


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    summary="为对接系统签发 Open311 接口密钥",
    description="密钥只在这次回答里出现一次（库里只存它的摘要），签发后立即可以调用 "
    "/open311/v2/ 接口。name 是对接系统的名称，会写在它提交的诉求的办理记录里。",
)
def issue(data: ApiKeyCreate, db: DbSession, staff: Administrator) -> ApiKeyCreated:
    plain, key = keys.issue(db, name=data.name, by=staff)
    return ApiKeyCreated(key=plain, **ApiKeyRead.model_validate(key).model_dump())


@router.get("/api-keys", response_model=list[ApiKeyRead], summary="所有 Open311 接口密钥")
def list_keys(db: DbSession, staff: Administrator) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(k) for k in keys.list_keys(db)]


@router.delete(
    "/api-keys/{key_id}",
    response_model=ApiKeyRead,
    summary="吊销接口密钥",
    description="立即失效：之后用它的调用都会得到 403。",
)
def revoke(key_id: int, db: DbSession, staff: Administrator) -> ApiKeyRead:
    return ApiKeyRead.model_validate(keys.revoke(db, key_id=key_id))
