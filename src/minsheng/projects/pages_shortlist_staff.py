"""Staff pages that link 征集 to the rest of the platform: a cluster of citizen requests turned
into a proposal (问题清单 → 履职清单), and accepted proposals shortlisted as a candidate project."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service as org
from minsheng.projects import collection, service, shortlist
from minsheng.projects.models import AREAS
from minsheng.projects.permissions import MANAGE_COLLECTION
from minsheng.projects.schemas_collection import CandidateCreate, ProposalFromRequests, TargetIn
from minsheng.requests import queries, workbench
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_COLLECTION))]
PROPOSAL_FIELDS = ("batch", "area", "title", "what", "why", "approach")
CANDIDATE_FIELDS = (
    "title",
    "description",
    "area",
    "responsible_person",
    "budget_wan",
    "start_on",
    "end_on",
)
TARGET_ROWS = 3
NUMBERS = re.compile(r"[\s,，、;；]+")
FOUND_LIMIT = 50


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _cluster_page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    # The same filters as the request workbench (q, category, town, from, to ...).
    filters, shown, filter_errors = workbench.filters_from(request.query_params)
    searched = any(shown.values())
    found, total = (
        queries.search(db, staff=staff, filters=filters, limit=FOUND_LIMIT) if searched else ([], 0)
    )
    chosen = set(values.get("requests", []))
    context = {
        "values": values,
        "errors": {**filter_errors, **errors},
        "filters": shown,
        "found": found,
        "total": total,
        "searched": searched,
        "chosen": chosen,
        "limit": FOUND_LIMIT,
        "batches": [(b.code, b.name) for b in collection.open_batches(db)],
        "areas": list(AREAS.items()),
    }
    return render(request, "projects/collection/staff_from_requests.html", context, status=status)


@router.get("/staff/projects/proposals/from-requests")
def cluster_form(request: Request, db: DbSession, staff: Manager) -> Response:
    open_now = collection.open_batches(db)
    values = {"batch": open_now[0].code if len(open_now) == 1 else "", "requests": []}
    return _cluster_page(request, db, staff, values, {})


@router.post("/staff/projects/proposals/from-requests")
def cluster(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in PROPOSAL_FIELDS}
    typed = [n for n in NUMBERS.split(str(form.get("numbers", "")).strip()) if n]
    values["numbers"] = str(form.get("numbers", "")).strip()
    values["requests"] = list(dict.fromkeys(_as_list(form.get("requests")) + typed))
    try:
        data = parse(
            ProposalFromRequests,
            values,
            choose={"batch": "请选择征集批次", "area": "请选择领域"},
        )
        proposal = collection.from_requests(db, staff=staff, data=data)
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        if "requests" in errors and not values["requests"]:
            errors["requests"] = "请至少选择或填写一件诉求"
        return _cluster_page(request, db, staff, values, errors, exc.status)
    return RedirectResponse(f"/staff/projects/proposals/{proposal.number}?saved=1", 303)


def _shortlist_page(
    request: Request,
    db: Session,
    code: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    batch = service.get_batch(db, code=code)
    context = {
        "batch": batch,
        "waiting": shortlist.waiting(db, batch=batch),
        "candidates": shortlist.candidates(db, batch=batch),
        "values": values,
        "errors": errors,
        "chosen": set(values.get("proposals", [])),
        "areas": list(AREAS.items()),
        "units": [(str(u.id), u.name) for u in org.list_units(db, active_only=True)],
        "rows": range(TARGET_ROWS),
        "created": request.query_params.get("created", "")[:20],
    }
    return render(request, "projects/collection/staff_shortlist.html", context, status=status)


@router.get("/staff/projects/proposals/shortlist/{code}")
def shortlist_form(code: str, request: Request, db: DbSession, staff: Manager) -> Response:
    return _shortlist_page(request, db, code, {"proposals": []}, {})


def _targets(form: dict[str, Any], errors: dict[str, str]) -> list[tuple[int, TargetIn]]:
    """The target rows filled in, with their row; each row's message sits beside its field."""
    targets = []
    for i in range(TARGET_ROWS):
        row = {f: str(form.get(f"target_{f}_{i}", "")).strip() for f in ("name", "measure")}
        row["planned"] = str(form.get(f"target_planned_{i}", "")).strip()
        if not any(row.values()):
            continue
        try:
            targets.append((i, parse(TargetIn, row)))
        except InvalidInput as exc:
            for field, message in exc.fields.items():
                if field == "measure" and not row["measure"]:
                    message = "请填写计量单位，例如 家、处、人次"
                errors[f"target_{field}_{i}"] = message
    if not targets and not errors:
        errors["target_name_0"] = "请至少填写一个目标，例如：惠及企业 40000 家"
    return targets


def _by_row(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    """The catalogue's "targets.0.measure" as the form's own field, target_measure_<row>."""
    shown = {}
    for key, message in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "targets" and parts[1].isdigit():
            index = int(parts[1])
            row = rows[index] if index < len(rows) else 0
            key = f"target_{parts[2]}_{row}"
        shown[key] = message
    return shown


@router.post("/staff/projects/proposals/shortlist/{code}")
def create_candidate(
    code: str, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    batch = service.get_batch(db, code=code)
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in CANDIDATE_FIELDS}
    values["lead_unit_id"] = optional_int(form.get("lead_unit_id"))
    values["proposals"] = _as_list(form.get("proposals"))
    values.update({k: str(v) for k, v in form.items() if k.startswith("target_")})
    errors: dict[str, str] = {}
    targets = _targets(form, errors)
    rows = [i for i, _ in targets]
    try:
        data = parse(
            CandidateCreate,
            {**values, "targets": [t.model_dump() for _, t in targets] or [{}]},
            choose={"area": "请选择领域", "lead_unit_id": "请选择牵头单位"},
        )
    except InvalidInput as exc:
        errors = {**{k: v for k, v in exc.fields.items() if k != "targets"}, **errors}
        if "proposals" in errors and not values["proposals"]:
            errors["proposals"] = "请至少选择一条已采纳的建议"
        return _shortlist_page(request, db, code, values, errors, 422)
    if errors:
        return _shortlist_page(request, db, code, values, errors, 422)
    try:
        project = shortlist.create_candidate(db, staff=staff, batch=batch, data=data)
    except MinshengError as exc:
        db.rollback()
        return _shortlist_page(request, db, code, values, _by_row(errors_of(exc), rows), exc.status)
    return RedirectResponse(
        f"/staff/projects/proposals/shortlist/{code}?created={project.code}", status_code=303
    )
