"""Supervision (督办): overdue, escalated and reopened requests, and the extension requests
waiting for a supervisor's decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.db import utcnow
from minsheng.core.deps import DbSession
from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.requests import extensions, workbench
from minsheng.requests.permissions import SUPERVISE_REQUESTS
from minsheng.web.forms import FormFields
from minsheng.web.templating import render

router = APIRouter()
Supervisor = Annotated[StaffPrincipal, Depends(require(SUPERVISE_REQUESTS))]
DONE = {"approved": "已同意延期，办结时限已顺延。", "refused": "已不同意延期，原办结时限不变。"}


def _page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    *,
    failed: int | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    banner: str = "",
    status: int = 200,
) -> Response:
    now = utcnow()
    overdue, overdue_total = workbench.overdue(db, staff=staff, now=now)
    escalated, escalated_total = workbench.escalated(db, staff=staff)
    reopened, reopened_total = workbench.reopened(db, staff=staff)
    done = request.query_params.get("done", "")
    context = {
        "lists": [
            ("overdue", "已超期", overdue, overdue_total, "due=red"),
            ("escalated", "已督办", escalated, escalated_total, ""),
            ("reopened", "重办与已标记", reopened, reopened_total, "flagged=1"),
        ],
        "limit": workbench.LIST_LIMIT,
        "now": now,
        "due_of": workbench.due_of,
        "extensions": workbench.pending_extensions(db, staff=staff),
        "failed": failed,
        "values": values or {},
        "errors": errors or {},
        "banner": banner,
        "done": DONE.get(done, "") if not (failed or banner) else "",
    }
    return render(request, "requests/supervise.html", context, status=status)


@router.get("/staff/supervise")
def supervise(request: Request, db: DbSession, staff: Supervisor) -> Response:
    return _page(request, db, staff)


@router.post("/staff/extensions/{extension_id}/decision")
def decide(
    extension_id: int, request: Request, form: FormFields, db: DbSession, staff: Supervisor
) -> Response:
    extension = extensions.get_extension(db, extension_id=extension_id)
    unit = extension.request.unit
    if unit is None or not staff.can(SUPERVISE_REQUESTS, unit.path):
        raise Forbidden("这件诉求不在您督办的范围内。")
    decision = form.get("decision")
    note = form.get("note")
    note = note.strip()[:2000] if isinstance(note, str) else ""
    try:
        if decision not in ("approve", "refuse"):
            raise InvalidInput({"decision": "请选择同意或不同意"})
        extensions.decide_extension(
            db, extension, staff=staff, approve=decision == "approve", note=note
        )
    except InvalidInput as exc:
        db.rollback()
        values = {"note": note}
        return _page(
            request, db, staff, failed=extension_id, values=values, errors=exc.fields, status=422
        )
    except Conflict as exc:
        db.rollback()
        return _page(request, db, staff, banner=exc.message, status=409)
    done = "approved" if decision == "approve" else "refused"
    return RedirectResponse(f"/staff/supervise?done={done}", status_code=303)
