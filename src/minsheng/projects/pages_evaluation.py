"""绩效评估 pages for supervisors: the batch's scores and ranking with their evidence, the
scheme of weights, a project's quality mark, residents' comments and the site poster.

The residents' rating form and the deputies' survey are in pages_ratings.py, included here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.feedback.models import SATISFACTION_LABELS
from minsheng.projects import evaluation, pages_ratings, ratings
from minsheng.projects.models import Batch, Project
from minsheng.projects.permissions import MANAGE_PROJECTS, SUPERVISE, VIEW_PROJECTS_STAFF
from minsheng.projects.rating_poster import render_rating_poster
from minsheng.projects.schemas_evaluation import IndicatorIn, QualityIn
from minsheng.projects.service import get_batch, get_project
from minsheng.web.forms import FormFields, errors_of, optional_number, parse
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_ratings.router)
Supervisor = Annotated[StaffPrincipal, Depends(require(SUPERVISE))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]


def batches(db: Session) -> list[Batch]:
    return list(db.scalars(select(Batch).order_by(Batch.collect_from.desc(), Batch.code.desc())))


def rate_url(project: Project) -> str:
    """What the site poster's QR code holds."""
    return f"{get_settings().base_url.rstrip('/')}/projects/{project.code}/rate?via=site"


def _day(value: str | None) -> tuple[dt.date, dict[str, str]]:
    if not value:
        return evaluation.local_today(), {}
    try:
        return dt.date.fromisoformat(value), {}
    except ValueError:
        return evaluation.local_today(), {"on": "请按 2026-10-31 的格式填写日期"}


@router.get("/staff/projects/evaluation")
def overview(
    request: Request,
    db: DbSession,
    staff: Supervisor,
    batch: str | None = None,
    on: str | None = None,
) -> Response:
    """The chosen batch's ranking, by project and by lead unit, each score with its figures."""
    all_batches = batches(db)
    chosen = get_batch(db, code=batch) if batch else (all_batches[0] if all_batches else None)
    day, errors = _day(on)
    result = evaluation.evaluate(db, batch=chosen, on=day) if chosen else None
    context: dict[str, Any] = {
        "batches": all_batches,
        "batch_options": [(b.code, b.name) for b in all_batches],
        "chosen": chosen,
        "result": result,
        "values": {"on": on or day.isoformat(), "batch": chosen.code if chosen else ""},
        "errors": errors,
        "may_edit_scheme": staff.can(MANAGE_PROJECTS),
        "formula": ratings.rate_formula(),
        "no_data": evaluation.NO_DATA,
    }
    return render(
        request, "projects/evaluation/overview.html", context, status=422 if errors else 200
    )


def _scheme_values(db: Session, batch: Batch) -> dict[str, str]:
    items, _ = evaluation.scheme(db, batch)
    values = {f"label_{code}": label for code, label in evaluation.INDICATORS.items()}
    for item in items:
        values[f"label_{item.code}"] = item.label
        values[f"weight_{item.code}"] = evaluation.num(item.weight)
    return values


def _scheme_page(
    request: Request,
    db: Session,
    batch: Batch,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    _, saved = evaluation.scheme(db, batch)
    context = {
        "batch": batch,
        "saved": saved,
        "indicators": evaluation.INDICATORS,
        "defaults": evaluation.DEFAULT_WEIGHTS,
        "values": values,
        "errors": errors,
    }
    return render(request, "projects/evaluation/scheme.html", context, status=status)


@router.get("/staff/projects/evaluation/scheme")
def scheme_form(request: Request, batch: str, db: DbSession, _: Manager) -> Response:
    found = get_batch(db, code=batch)
    return _scheme_page(request, db, found, _scheme_values(db, found), {})


@router.post("/staff/projects/evaluation/scheme")
def save_scheme(request: Request, form: FormFields, db: DbSession, _: Manager) -> Response:
    """Indicators whose weight is left empty are not used; the others must add up to 100."""
    batch = get_batch(db, code=str(form.get("batch", "")))
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    items: list[IndicatorIn] = []
    errors: dict[str, str] = {}
    for code, label in evaluation.INDICATORS.items():
        weight = optional_number(values.get(f"weight_{code}"))
        if weight is None:
            continue
        try:
            items.append(
                parse(
                    IndicatorIn,
                    {"code": code, "label": values.get(f"label_{code}") or label, "weight": weight},
                )
            )
        except InvalidInput as exc:
            for field, message in exc.fields.items():
                bad_number = field == "weight" and message == "格式不正确"
                errors[f"{field}_{code}"] = "请填写 0 到 100 之间的数字" if bad_number else message
    try:
        if errors:
            raise InvalidInput(errors)
        evaluation.set_scheme(db, batch=batch, items=items)
    except MinshengError as exc:
        db.rollback()
        return _scheme_page(request, db, batch, values, errors_of(exc), exc.status)
    return RedirectResponse(f"/staff/projects/evaluation?batch={batch.code}&saved=1", 303)


def _project_page(
    request: Request,
    db: Session,
    project: Project,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    quality = evaluation.quality_of(db, project)
    try:
        score = evaluation.project_score(db, project=project)
    except MinshengError:
        score = None
    if not values and quality is not None:
        values = {"score": evaluation.num(quality.score), "note": quality.note}
    context = {
        "project": project,
        "score": score,
        "quality": quality,
        "tally": ratings.tally(db, project),
        "resident_ratings": ratings.ratings_of(db, project),
        "deputy_ratings": ratings.deputy_ratings_of(db, project),
        "labels": SATISFACTION_LABELS,
        "formula": ratings.rate_formula(),
        "values": values,
        "errors": errors,
    }
    return render(request, "projects/evaluation/project.html", context, status=status)


@router.get("/staff/projects/evaluation/project/{code}")
def project_detail(request: Request, code: str, db: DbSession, _: Supervisor) -> Response:
    """One project's scores, the quality mark form, and every rating with its comment."""
    return _project_page(request, db, get_project(db, code=code), {}, {})


@router.post("/staff/projects/evaluation/project/{code}/quality")
def save_quality(
    request: Request, code: str, form: FormFields, db: DbSession, staff: Supervisor
) -> Response:
    project = get_project(db, code=code)
    values = {k: str(form.get(k, "")).strip() for k in ("score", "note")}
    try:
        data = parse(
            QualityIn,
            {"score": optional_number(values["score"]), "note": values["note"]},
            choose={"score": "请填写质量评分", "note": "请写明评分理由"},
        )
        evaluation.set_quality(db, project=project, score=data.score, note=data.note, staff=staff)
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        if values["score"] and "score" in errors:  # typed, but not a number from 0 to 100
            errors["score"] = "质量评分须在 0 到 100 之间"
        return _project_page(request, db, project, values, errors, exc.status)
    return RedirectResponse(f"/staff/projects/evaluation/project/{code}?saved=1", 303)


@router.get("/staff/projects/evaluation/project/{code}/poster.pdf")
def poster(code: str, db: DbSession, _: Viewer) -> Response:
    """The A4 poster for the project's site; its code opens the rating form (via=site)."""
    project = get_project(db, code=code)
    content = render_rating_poster(
        project_title=project.title,
        project_code=project.code,
        lead_unit=project.lead_unit.name,
        url=rate_url(project),
    )
    headers = {"Content-Disposition": f'inline; filename="rating-poster-{project.code}.pdf"'}
    return Response(content, media_type="application/pdf", headers=headers)
