"""Staff 征集 pages: the proposals list, answering a proposal, proposals entered by units and
deputies, and comment moderation. Request clusters and shortlisting (pages_shortlist_staff.py),
the vote (pages_votes_staff.py) and notices (pages_notices_staff.py) are included here, so the
manifest names one router."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.text import mask_phone
from minsheng.org import service as org
from minsheng.projects import (
    collection,
    pages_notices_staff,
    pages_shortlist_staff,
    pages_votes_staff,
    participation,
)
from minsheng.projects.models import AREAS
from minsheng.projects.models_collection import (
    PROPOSAL_STATUS_LABELS,
    SOURCE_LABELS,
    Proposal,
    ProposalSource,
    ProposalStatus,
)
from minsheng.projects.permissions import MANAGE_COLLECTION, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_collection import Moderate, ProposalAnswer, ProposalEntry
from minsheng.requests.models import CitizenRequest
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
for part in (pages_shortlist_staff, pages_votes_staff, pages_notices_staff):
    router.include_router(part.router)

Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_COLLECTION))]
Staff = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]
PER_PAGE = 50
ENTRY_FIELDS = ("batch", "area", "title", "what", "why", "approach", "name", "phone", "source")
ANSWERS = [
    (ProposalStatus.accepted.value, "采纳"),
    (ProposalStatus.merged.value, "合并到另一条建议"),
    (ProposalStatus.not_adopted.value, "不予采纳（须说明理由）"),
]


@router.get("/staff/projects/proposals")
def proposal_list(
    request: Request,
    db: DbSession,
    staff: Manager,
    batch: str | None = None,
    status: str | None = None,
    source: str | None = None,
    page: str | None = None,
) -> Response:
    batches = collection.list_batches(db, public_only=False)
    values = {
        "batch": batch if batch in {b.code for b in batches} else "",
        "status": status if status in {s.value for s in ProposalStatus} else "",
        "source": source if source in {s.value for s in ProposalSource} else "",
    }
    number = int(page) if page and page.isdigit() and 0 < int(page) < 10_000 else 1
    rows, total = collection.list_proposals(
        db,
        batch=values["batch"] or None,
        status=ProposalStatus(values["status"]) if values["status"] else None,
        source=ProposalSource(values["source"]) if values["source"] else None,
        public_only=False,
        limit=PER_PAGE,
        offset=(number - 1) * PER_PAGE,
    )
    pages = max(math.ceil(total / PER_PAGE), 1)
    kept = {k: v for k, v in values.items() if v}
    context = {
        "rows": rows,
        "total": total,
        "page": number,
        "pages": pages,
        "previous": f"?{urlencode({**kept, 'page': number - 1})}" if number > 1 else "",
        "next": f"?{urlencode({**kept, 'page': number + 1})}" if number < pages else "",
        "values": values,
        "errors": {},
        "batches": [(b.code, b.name) for b in batches],
        "statuses": [(s.value, label) for s, label in PROPOSAL_STATUS_LABELS.items()],
        "sources": [(s.value, label) for s, label in SOURCE_LABELS.items()],
        "pending": len(participation.pending_comments(db)),
        "area_labels": AREAS,
    }
    return render(request, "projects/collection/staff_proposals.html", context)


def _detail(
    request: Request,
    db: Session,
    proposal: Proposal,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    request_ids = collection.source_requests(db, proposal)
    context = {
        "proposal": proposal,
        "area_label": AREAS.get(proposal.area, proposal.area),
        "phone": mask_phone(proposal.proposer_phone),
        "requests": [db.get(CitizenRequest, i) for i in request_ids],
        "project": collection.project_code(db, proposal),
        "answers": ANSWERS,
        "values": values,
        "errors": errors,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "projects/collection/staff_proposal.html", context, status=status)


@router.get("/staff/projects/proposals/new")
def entry_form(request: Request, db: DbSession, staff: Staff) -> Response:
    source = ProposalSource.deputy if "deputy" in staff.roles else ProposalSource.unit
    open_now = collection.open_batches(db)
    values = {"source": source.value, "batch": open_now[0].code if len(open_now) == 1 else ""}
    return _entry(request, db, staff, values, {})


def _entry(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    manager = staff.can(MANAGE_COLLECTION)
    units = org.list_units(db, active_only=True)
    if not manager:  # units propose for themselves
        paths = staff.units_for(VIEW_PROJECTS_STAFF)
        units = [u for u in units if any(u.path.startswith(p) for p in paths)]
    deputies = collection.deputies(db) if manager else []
    context = {
        "values": values,
        "errors": errors,
        "batches": [(b.code, b.name) for b in collection.open_batches(db)],
        "areas": list(AREAS.items()),
        "sources": [
            (ProposalSource.unit.value, SOURCE_LABELS[ProposalSource.unit]),
            (ProposalSource.deputy.value, SOURCE_LABELS[ProposalSource.deputy]),
        ],
        "units": [(str(u.id), u.name) for u in units],
        "deputies": [(str(d.id), d.display_name) for d in deputies],
        "is_deputy": "deputy" in staff.roles,
    }
    return render(request, "projects/collection/staff_entry.html", context, status=status)


@router.post("/staff/projects/proposals/new")
def enter(request: Request, form: FormFields, db: DbSession, staff: Staff) -> Response:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ENTRY_FIELDS}
    values["unit_id"] = optional_int(form.get("unit_id"))
    values["deputy_id"] = optional_int(form.get("deputy_id"))
    try:
        data = parse(
            ProposalEntry,
            values,
            choose={"batch": "请选择征集批次", "area": "请选择领域", "source": "请选择来源"},
        )
        proposal = collection.enter(db, staff=staff, data=data)
    except MinshengError as exc:
        db.rollback()
        return _entry(request, db, staff, values, errors_of(exc), exc.status)
    target = (
        f"/staff/projects/proposals/{proposal.number}"
        if staff.can(MANAGE_COLLECTION)
        else f"/projects/proposals/{proposal.number}"
    )
    return RedirectResponse(f"{target}?sent=1", status_code=303)


@router.get("/staff/projects/proposals/comments")
def comments(request: Request, db: DbSession, staff: Manager) -> Response:
    context = {
        "rows": [
            (participation.shown_name(c), c, p) for c, p in participation.pending_comments(db)
        ],
        "done": request.query_params.get("done") == "1",
        "errors": {},
    }
    return render(request, "projects/collection/staff_comments.html", context)


@router.post("/staff/projects/proposals/comments/{comment_id}")
def moderate(
    comment_id: int, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    row = participation.get_comment(db, comment_id=comment_id)
    values = {"status": str(form.get("status", "")), "note": str(form.get("note", "")).strip()}
    try:
        participation.moderate(db, staff=staff, row=row, data=parse(Moderate, values))
    except MinshengError as exc:
        db.rollback()
        context = {
            "rows": [
                (participation.shown_name(c), c, p) for c, p in participation.pending_comments(db)
            ],
            "done": False,
            "errors": {"__all__": errors_of(exc).get("status") or exc.message},
        }
        return render(
            request, "projects/collection/staff_comments.html", context, status=exc.status
        )
    return RedirectResponse("/staff/projects/proposals/comments?done=1", status_code=303)


@router.get("/staff/projects/proposals/{number}")
def proposal_detail(number: str, request: Request, db: DbSession, staff: Manager) -> Response:
    return _detail(request, db, collection.get_proposal(db, number=number), {}, {})


@router.post("/staff/projects/proposals/{number}/answer")
def answer(
    number: str, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    proposal = collection.get_proposal(db, number=number)
    values = {k: str(form.get(k, "")).strip() for k in ("status", "answer", "merged_into")}
    try:
        data = parse(ProposalAnswer, values, choose={"status": "请选择答复结果"})
        collection.answer(db, staff=staff, proposal=proposal, data=data)
    except MinshengError as exc:
        db.rollback()
        proposal = collection.get_proposal(db, number=number)
        return _detail(request, db, proposal, values, errors_of(exc), exc.status)
    return RedirectResponse(f"/staff/projects/proposals/{proposal.number}?saved=1", 303)
