"""The outbox page: what was sent, to whom (masked), and what is waiting to be retried."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.permissions import StaffPrincipal
from minsheng.notify import service
from minsheng.notify.permissions import VIEW_OUTBOX
from minsheng.web.templating import render

router = APIRouter()


@router.get("/staff/outbox")
def outbox(
    request: Request, db: DbSession, _: Annotated[StaffPrincipal, Depends(require(VIEW_OUTBOX))]
) -> Response:
    return render(request, "notify/outbox.html", {"messages": service.latest(db, limit=100)})
