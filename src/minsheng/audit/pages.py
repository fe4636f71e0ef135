"""Staff pages for reading the audit trail: the latest events, and one record's history."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minsheng.accounts.deps import require
from minsheng.audit import service
from minsheng.audit.permissions import READ_AUDIT
from minsheng.core.deps import DbSession
from minsheng.core.permissions import StaffPrincipal
from minsheng.web.templating import render

router = APIRouter()
Reader = Annotated[StaffPrincipal, Depends(require(READ_AUDIT))]

ACTIONS = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "login": "登录",
    "login_failed": "登录失败",
}
OBJECT_TYPES = {
    "staff_user": "工作人员账号",
    "role_assignment": "角色",
    "unit": "单位",
    "region": "区划",
    "api_token": "API 令牌",
    "resident": "居民",
}


def _context(events: list) -> dict:
    return {
        "events": [(e, json.loads(e.summary)) for e in events],
        "actions": ACTIONS,
        "object_types": OBJECT_TYPES,
    }


@router.get("/staff/audit")
def recent(request: Request, db: DbSession, _: Reader, before: int | None = None) -> Response:
    events = service.recent(db, limit=50, before_seq=before)
    context = _context(events) | {"total": service.total(db), "title": "审计记录"}
    context["older"] = events[-1].seq if len(events) == 50 else None
    return render(request, "audit/events.html", context)


@router.get("/staff/audit/{object_type}/{object_id}")
def for_object(
    object_type: str, object_id: str, request: Request, db: DbSession, _: Reader
) -> Response:
    events = service.for_object(db, object_type=object_type, object_id=object_id)
    label = OBJECT_TYPES.get(object_type, object_type)
    context = _context(events) | {
        "title": f"{label} #{object_id} 的变更记录",
        "object": (object_type, object_id),
    }
    return render(request, "audit/events.html", context)
