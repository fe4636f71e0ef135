"""Reading the audit trail over the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from minsheng.accounts.deps import require
from minsheng.audit import service
from minsheng.audit.permissions import READ_AUDIT
from minsheng.audit.schemas import AuditEventRead
from minsheng.core.deps import DbSession
from minsheng.core.permissions import StaffPrincipal

router = APIRouter(tags=["audit"])
Reader = Annotated[StaffPrincipal, Depends(require(READ_AUDIT))]


@router.get(
    "/audit/{object_type}/{object_id}",
    response_model=list[AuditEventRead],
    summary="一条记录的审计轨迹",
)
def for_object(object_type: str, object_id: str, db: DbSession, _: Reader) -> list[AuditEventRead]:
    return [
        AuditEventRead.of(e)
        for e in service.for_object(db, object_type=object_type, object_id=object_id)
    ]


@router.get("/audit", response_model=list[AuditEventRead], summary="最新的审计记录")
def recent(
    db: DbSession,
    _: Reader,
    before: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AuditEventRead]:
    return [AuditEventRead.of(e) for e in service.recent(db, limit=limit, before_seq=before)]
