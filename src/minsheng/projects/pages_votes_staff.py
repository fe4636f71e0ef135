"""/staff/projects/votes: deputies cast their votes; the office sets the window, records and
publishes the result, or, for a batch without a vote, chooses candidates directly."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import collection, service, voting
from minsheng.projects.models import Batch
from minsheng.projects.models_collection import VOTE_LABELS, VoteChoice
from minsheng.projects.permissions import DEPUTY_VOTE, MANAGE_PROJECTS, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_collection import VoteCast, VoteWindow
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import local_time, render

router = APIRouter()
Staff = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]
Deputy = Annotated[StaffPrincipal, Depends(require(DEPUTY_VOTE))]
CHOICES = [(c.value, label) for c, label in VOTE_LABELS.items()]


def _allowed(staff: StaffPrincipal) -> None:
    if not (staff.can(DEPUTY_VOTE) or staff.can(MANAGE_PROJECTS)):
        raise Forbidden()


def _pick(db: Session, code: str | None) -> tuple[list[Batch], Batch | None]:
    batches = collection.list_batches(db, public_only=False)
    chosen = next((b for b in batches if b.code == code), None)
    if chosen is None:  # the batch being voted on, else the newest
        chosen = next(
            (b for b in batches if voting.voting_open(b)), batches[0] if batches else None
        )
    return batches, chosen


def _page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    code: str | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    batches, batch = _pick(db, code)
    manager = staff.can(MANAGE_PROJECTS)
    context: dict[str, Any] = {
        "batches": batches,
        "batch": batch,
        "is_deputy": staff.can(DEPUTY_VOTE),
        "manager": manager,
        "values": values,
        "errors": errors,
        "choices": CHOICES,
        "rule": voting.RULE,
        "message": request.query_params.get("done", "")[:40],
    }
    if batch is not None:
        has_vote = voting.has_vote(batch)
        context.update(
            has_vote=has_vote,
            open=voting.voting_open(batch),
            window=voting.window_text(batch) if has_vote else "",
            ballot=voting.ballot(db, batch=batch),
            mine=voting.my_votes(db, staff=staff, batch=batch),
            labels=VOTE_LABELS,
            cast=voting.vote_count(db, batch=batch),
            tally=voting.tally(db, batch=batch) if manager else [],
            closed=has_vote and batch.vote_closes_at is not None and not voting.voting_open(batch),
        )
        if manager and "opens_at" not in values and batch.vote_opens_at:
            values.update(
                opens_at=local_time(batch.vote_opens_at, "%Y-%m-%dT%H:%M"),
                closes_at=local_time(batch.vote_closes_at, "%Y-%m-%dT%H:%M"),
            )
    return render(request, "projects/collection/staff_votes.html", context, status=status)


def _back(batch: Batch, done: str) -> RedirectResponse:
    return RedirectResponse(
        f"/staff/projects/votes?batch={quote(batch.code)}&done={done}", status_code=303
    )


@router.get("/staff/projects/votes")
def votes(request: Request, db: DbSession, staff: Staff, batch: str | None = None) -> Response:
    _allowed(staff)
    return _page(request, db, staff, batch, {}, {})


@router.post("/staff/projects/votes/window/{code}")
def set_window(
    code: str, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    batch = service.get_batch(db, code=code)
    values = {k: str(form.get(k, "")).strip() for k in ("opens_at", "closes_at")}
    try:
        voting.set_window(db, staff=staff, batch=batch, data=parse(VoteWindow, values))
    except MinshengError as exc:
        db.rollback()
        return _page(request, db, staff, code, values, errors_of(exc), exc.status)
    return _back(batch, "window")


@router.post("/staff/projects/votes/result/{code}")
def record_result(code: str, request: Request, db: DbSession, staff: Manager) -> Response:
    batch = service.get_batch(db, code=code)
    try:
        voting.record_result(db, staff=staff, batch=batch)
    except MinshengError as exc:
        db.rollback()
        return _page(request, db, staff, code, {}, {"__all__": exc.message}, exc.status)
    return _back(batch, "published")


@router.post("/staff/projects/votes/choose/{project_code}")
def choose(
    project_code: str, request: Request, form: FormFields, db: DbSession, staff: Manager
) -> Response:
    project = service.get_project(db, code=project_code)
    batch = project.batch
    try:
        voting.choose(db, staff=staff, project=project, chosen=form.get("chosen") == "1")
    except MinshengError as exc:
        db.rollback()
        return _page(request, db, staff, batch.code, {}, {"__all__": exc.message}, exc.status)
    return _back(batch, "chosen")


@router.post("/staff/projects/votes/{project_code}")
def cast(
    project_code: str, request: Request, form: FormFields, db: DbSession, staff: Deputy
) -> Response:
    project = service.get_project(db, code=project_code)
    batch = project.batch
    field = f"choice_{project.code}"
    try:
        data = parse(
            VoteCast,
            {"choice": form.get("choice", "")},
            choose={"choice": "请选择赞成、反对或弃权"},
        )
        voting.cast(db, staff=staff, project=project, choice=VoteChoice(data.choice))
    except MinshengError as exc:
        db.rollback()
        message = errors_of(exc).get("choice") or exc.message
        return _page(request, db, staff, batch.code, {}, {field: message}, exc.status)
    return _back(batch, "voted")
