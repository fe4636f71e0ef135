"""The residents' rating form (/projects/{code}/rate) and the deputies' committee survey.

A resident first confirms their phone with the one-time-code sign-in (accounts/resident_pages.py,
sent back here by `next`); then the form takes one answer per phone. ?via=site marks answers
that came from the QR poster at the project's site.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident, require
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import MinshengError, NotAuthenticated, NotFound
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.feedback.models import SATISFACTION_LABELS
from minsheng.projects import ratings
from minsheng.projects.models import Project
from minsheng.projects.permissions import DEPUTY_VOTE
from minsheng.projects.schemas_evaluation import DeputyRatingIn, RatingIn
from minsheng.projects.service import get_batch, get_project
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
Deputy = Annotated[StaffPrincipal, Depends(require(DEPUTY_VOTE))]
CHOOSE = {"satisfaction": "请选择您对这个项目是否满意"}
CHOOSE_DEPUTY = {"satisfaction": "请选择测评意见"}
ANSWERS = list(SATISFACTION_LABELS.items())


def _public_project(db: Session, code: str) -> Project:
    project = get_project(db, code=code)
    if not project.public:
        raise NotFound("没有这个实事项目。")
    return project


def _here(project: Project, via: str) -> str:
    return f"/projects/{project.code}/rate" + ("?via=site" if via == "site" else "")


def _rate_page(
    request: Request,
    db: Session,
    project: Project,
    resident: ResidentPrincipal | None,
    via: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    mine = ratings.rating_by(db, project=project, phone=resident.phone) if resident else None
    here = _here(project, via)
    context: dict[str, Any] = {
        "project": project,
        "via": via,
        "open": ratings.open_for_rating(project),
        "closed_message": ratings.closed_message(project),
        "mine": mine,
        "mine_label": SATISFACTION_LABELS[mine.satisfaction] if mine else "",
        "answers": ANSWERS,
        "satisfaction": ratings.summary(db, project),
        "here": here,
        "login_next": quote(here, safe="/"),
        "rated": request.query_params.get("rated") == "1",
        "values": values or {},
        "errors": errors or {},
    }
    return render(request, "projects/evaluation/rate.html", context, status=status)


@router.get("/projects/{code}/rate")
def rate_form(
    request: Request, code: str, db: DbSession, resident: OptionalResident, via: str = "page"
) -> Response:
    project = _public_project(db, code)
    return _rate_page(request, db, project, resident, "site" if via == "site" else "page")


@router.post("/projects/{code}/rate")
def rate(
    request: Request,
    code: str,
    form: FormFields,
    db: DbSession,
    addr: ClientAddr,
    resident: OptionalResident,
) -> Response:
    project = _public_project(db, code)
    values = {k: str(form.get(k, "")).strip() for k in ("satisfaction", "comment", "via")}
    via = "site" if values["via"] == "site" else "page"
    values["via"] = via
    try:
        if resident is None:
            raise NotAuthenticated("请先用手机号码和短信验证码确认身份，再提交评价。")
        data = parse(RatingIn, values, choose=CHOOSE)
        ratings.rate(db, project=project, resident=resident, data=data, client_addr=addr)
    except MinshengError as exc:
        db.rollback()
        return _rate_page(
            request,
            db,
            project,
            resident,
            via,
            values=values,
            errors=errors_of(exc),
            status=exc.status,
        )
    separator = "&" if via == "site" else "?"
    return RedirectResponse(f"{_here(project, via)}{separator}rated=1", status_code=303)


def _survey_page(
    request: Request,
    db: Session,
    deputy: StaffPrincipal,
    batch: str | None,
    *,
    values: dict[str, dict[str, str]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    chosen = get_batch(db, code=batch) if batch else None
    rows = ratings.survey(db, deputy=deputy, batch=chosen)
    tallies = ratings.tallies(db, [p.id for p, mine in rows if mine is not None])
    context = {
        "rows": rows,
        "tallies": tallies,
        "batch": chosen,
        "answers": ANSWERS,
        "labels": SATISFACTION_LABELS,
        "values": values or {},
        "errors": errors or {},
        "saved": request.query_params.get("saved", ""),
    }
    return render(request, "projects/evaluation/survey.html", context, status=status)


@router.get("/staff/projects/survey")
def survey(request: Request, db: DbSession, deputy: Deputy, batch: str | None = None) -> Response:
    """The committee survey: each running or completed project, rated once by each deputy."""
    return _survey_page(request, db, deputy, batch)


@router.post("/staff/projects/survey/{code}")
def survey_answer(
    request: Request, code: str, form: FormFields, db: DbSession, deputy: Deputy
) -> Response:
    project = get_project(db, code=code)
    values = {k: str(form.get(k, "")).strip() for k in ("satisfaction", "comment")}
    batch = str(form.get("batch", "")) or None
    try:
        data = parse(DeputyRatingIn, values, choose=CHOOSE_DEPUTY)
        ratings.deputy_rate(db, project=project, deputy=deputy, data=data)
    except MinshengError as exc:
        db.rollback()
        return _survey_page(
            request,
            db,
            deputy,
            batch,
            values={code: values},
            errors={code: errors_of(exc)},
            status=exc.status,
        )
    back = f"/staff/projects/survey?saved={project.code}" + (f"&batch={batch}" if batch else "")
    return RedirectResponse(f"{back}#p-{project.code}", status_code=303)
