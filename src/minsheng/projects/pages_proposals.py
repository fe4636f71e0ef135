"""Residents' 征集 pages: the public list of proposals, the proposal form, each proposal with its
answer, support button and comments. Notices and vote results are in pages_notices_public.py,
included here so the manifest names one router."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import MinshengError, NotFound
from minsheng.core.permissions import ResidentPrincipal
from minsheng.projects import collection, pages_notices_public, participation
from minsheng.projects.models import AREAS
from minsheng.projects.models_collection import PROPOSAL_STATUS_LABELS, Proposal, ProposalStatus
from minsheng.projects.schemas_collection import CommentCreate, ProposalCreate
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_notices_public.router)

PER_PAGE = 20
MAX_PAGE = 10_000
FIELDS = ("batch", "area", "title", "what", "why", "approach", "name", "phone")
TYPED = {"title": "建议标题", "what": "建议办什么"}
CHOOSE = {"area": "请选择领域", "batch": "请选择征集批次"}
AREA_OPTIONS = list(AREAS.items())
STATUS_OPTIONS = [(s.value, label) for s, label in PROPOSAL_STATUS_LABELS.items()]


def _page_number(raw: str | None) -> int:
    return min(int(raw), MAX_PAGE) if raw and raw.isdigit() and int(raw) > 0 else 1


@router.get("/projects/proposals")
def proposals(
    request: Request,
    db: DbSession,
    batch: str | None = None,
    area: str | None = None,
    status: str | None = None,
    sort: str | None = None,
    page: str | None = None,
) -> Response:
    batches = collection.list_batches(db)
    chosen_batch = next((b.code for b in batches if b.code == batch), "")
    chosen_area = area if area in AREAS else ""
    chosen_status = status if status in {s.value for s in ProposalStatus} else ""
    by_support = sort == "support"
    number = _page_number(page)
    rows, total = collection.list_proposals(
        db,
        batch=chosen_batch or None,
        area=chosen_area or None,
        status=ProposalStatus(chosen_status) if chosen_status else None,
        by_support=by_support,
        limit=PER_PAGE,
        offset=(number - 1) * PER_PAGE,
    )
    pages = max(math.ceil(total / PER_PAGE), 1)
    filters = {
        "batch": chosen_batch,
        "area": chosen_area,
        "status": chosen_status,
        "sort": "support" if by_support else "",
    }

    def link(to: int) -> str:
        kept = {k: v for k, v in filters.items() if v}
        return "/projects/proposals?" + urlencode({**kept, "page": to})

    context = {
        "rows": rows,
        "total": total,
        "page": number,
        "pages": pages,
        "previous": link(number - 1) if number > 1 else "",
        "next": link(number + 1) if number < pages else "",
        "values": filters,
        "batches": [(b.code, b.name) for b in batches],
        "areas": AREA_OPTIONS,
        "statuses": STATUS_OPTIONS,
        "sorts": [("support", "支持最多")],
        "open_batches": collection.open_batches(db),
        "area_labels": AREAS,
    }
    return render(request, "projects/collection/proposals.html", context)


def _form(
    request: Request,
    db: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    *,
    resident: ResidentPrincipal | None = None,
) -> Response:
    open_now = collection.open_batches(db)
    context = {
        "values": values,
        "errors": errors,
        "open_batches": open_now,
        "batch_options": [(b.code, b.name) for b in open_now],
        "areas": AREA_OPTIONS,
        "resident_phone": resident.phone if resident else "",
        "login_path": "/resident/login?next=" + quote("/projects/proposals/new", safe=""),
    }
    return render(request, "projects/collection/proposal_form.html", context, status=status)


@router.get("/projects/proposals/new")
def new_proposal(
    request: Request, db: DbSession, resident: OptionalResident, batch: str | None = None
) -> Response:
    open_now = collection.open_batches(db)
    chosen = next((b.code for b in open_now if b.code == batch), "")
    if not chosen and len(open_now) == 1:
        chosen = open_now[0].code
    values = {"batch": chosen, "phone": resident.phone if resident else ""}
    return _form(request, db, values, {}, resident=resident)


@router.post("/projects/proposals/new")
def create_proposal(
    request: Request, form: FormFields, db: DbSession, resident: OptionalResident, addr: ClientAddr
) -> Response:
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    try:
        data = parse(ProposalCreate, values, choose=CHOOSE)
        proposal = collection.submit(db, data=data, resident=resident, client_addr=addr)
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        for name, label in TYPED.items():  # the summary lists messages alone: say which field
            if name in errors and not values[name]:
                errors[name] = f"请填写{label}"
        return _form(request, db, values, errors, exc.status, resident=resident)
    return RedirectResponse(f"/projects/proposals/{proposal.number}?sent=1", status_code=303)


def _public(db: Session, number: str) -> Proposal:
    proposal = collection.get_proposal(db, number=number)
    if not proposal.public or not proposal.batch.public:
        raise NotFound("没有找到这条建议。")
    return proposal


def _page(
    request: Request,
    db: Session,
    proposal: Proposal,
    resident: ResidentPrincipal | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    support_error: str = "",
    status: int = 200,
) -> Response:
    supported = bool(
        resident and participation.has_supported(db, proposal=proposal, phone=resident.phone)
    )
    context = {
        "proposal": collection.public_view(proposal, project=collection.project_code(db, proposal)),
        "comments": [
            (participation.shown_name(c), c)
            for c in participation.approved_comments(db, proposal=proposal)
        ],
        "supported": supported,
        "can_support": proposal.status not in participation.CLOSED,
        "support_error": support_error,
        "values": values or {},
        "errors": errors or {},
        "flags": {k for k in ("sent", "supported", "commented") if request.query_params.get(k)},
        "login_path": "/resident/login?next="
        + quote(f"/projects/proposals/{proposal.number}", safe=""),
    }
    return render(request, "projects/collection/proposal.html", context, status=status)


@router.get("/projects/proposals/{number}")
def proposal_page(
    number: str, request: Request, db: DbSession, resident: OptionalResident
) -> Response:
    return _page(request, db, _public(db, number), resident)


@router.post("/projects/proposals/{number}/support")
def support(number: str, request: Request, db: DbSession, resident: OptionalResident) -> Response:
    proposal = _public(db, number)
    if resident is None:
        # One support per person: the phone is confirmed with a one-time code first.
        back = quote(f"/projects/proposals/{proposal.number}", safe="")
        return RedirectResponse(f"/resident/login?next={back}", status_code=303)
    try:
        participation.support(db, proposal=proposal, resident=resident)
    except MinshengError as exc:
        db.rollback()
        proposal = _public(db, number)
        return _page(request, db, proposal, resident, support_error=exc.message, status=exc.status)
    return RedirectResponse(f"/projects/proposals/{proposal.number}?supported=1", status_code=303)


@router.post("/projects/proposals/{number}/comments")
def comment(
    number: str,
    request: Request,
    form: FormFields,
    db: DbSession,
    resident: OptionalResident,
    addr: ClientAddr,
) -> Response:
    proposal = _public(db, number)
    values = {"name": str(form.get("name", "")).strip(), "text": str(form.get("text", "")).strip()}
    try:
        data = parse(CommentCreate, values)
        participation.comment(db, proposal=proposal, data=data, resident=resident, client_addr=addr)
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        if "text" in errors and not values["text"]:
            errors["text"] = "请填写评论"
        proposal = _public(db, number)
        return _page(
            request, db, proposal, resident, values=values, errors=errors, status=exc.status
        )
    return RedirectResponse(
        f"/projects/proposals/{proposal.number}?commented=1#comments", status_code=303
    )
