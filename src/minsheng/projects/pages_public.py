"""The public site of practical projects: the list, a project's page, a batch's overview.

No personal data: the responsible person's phone and the followers are never shown here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident
from minsheng.core.deps import DbSession
from minsheng.core.permissions import ResidentPrincipal
from minsheng.projects import (
    catalogue,
    charts,
    circulars,
    follow,
    links,
    listing,
    mechanisms,
    pages_follow,
    ratings,
    reports,
    rollup,
    views,
)
from minsheng.projects.models import AREAS, STAGE_LABELS, WARNING_LABELS, Project, Stage
from minsheng.projects.models import WarningColour as Colour
from minsheng.projects.service import planned_percent
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_follow.router)

PER_PAGE = 20
MAX_PAGE = 10_000
PUBLIC_STAGE_CHOICES = [
    (s.value, STAGE_LABELS[s]) for s in (Stage.candidate, *listing.PUBLIC_STAGES)
]
WARNING_CHOICES = [(c.value, WARNING_LABELS[c]) for c in Colour]


def _choice(value: str | None, allowed: dict[str, Any]) -> str | None:
    return value if value in allowed else None


def _page_number(raw: str | None) -> int:
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def _link(params: dict[str, Any], page: int) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "/projects?" + urlencode(kept | {"page": page})


@router.get("/projects")
def project_list(request: Request, db: DbSession, _resident: OptionalResident) -> Response:
    query = request.query_params
    batches = catalogue.list_batches(db, public_only=True)
    units = listing.lead_units(db, public_only=True)
    unit_ids = {str(u.id): u for u in units}
    chosen = {
        "batch": _choice(query.get("batch"), {b.code: b for b in batches}),
        "area": _choice(query.get("area"), AREAS),
        "unit": _choice(query.get("unit"), unit_ids),
        "stage": _choice(query.get("stage"), dict(PUBLIC_STAGE_CHOICES)),
        "warning": _choice(query.get("warning"), dict(WARNING_CHOICES)),
        "q": (query.get("q") or "").strip()[:100],
    }
    asked = {k: query.get(k) for k in ("batch", "area", "unit", "stage", "warning")}
    unknown = any(asked[k] and chosen[k] is None for k in asked)
    filters = listing.ProjectFilters(
        batch=chosen["batch"],
        area=chosen["area"],
        unit_id=int(chosen["unit"]) if chosen["unit"] else None,
        stage=Stage(chosen["stage"]) if chosen["stage"] else None,
        warning=Colour(chosen["warning"]) if chosen["warning"] else None,
        q=chosen["q"] or None,
    )
    page = _page_number(query.get("page"))
    rows, total = listing.search(
        db, filters=filters, public_only=True, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    pages = listing.pages(total, PER_PAGE)
    today = catalogue.local_today()
    batch = next((b for b in batches if b.code == chosen["batch"]), None)
    context = {
        "rows": [(p, charts.meter(p.progress, planned_percent(p, today))) for p in rows],
        "values": chosen,
        "unknown": unknown,
        "batches": [(b.code, b.name) for b in batches],
        "areas": list(AREAS.items()),
        "units": [(str(u.id), u.name) for u in units],
        "stages": PUBLIC_STAGE_CHOICES,
        "warnings": WARNING_CHOICES,
        "total": total,
        "page": page,
        "pages": pages,
        "previous": _link(chosen, page - 1) if page > 1 else None,
        "next": _link(chosen, page + 1) if page < pages else None,
        "figures": rollup.batch_figures(db, batch, today) if batch else None,
        "headline_parts": rollup.headline_parts,
        "batch": batch,
        "percent": charts.percent,
    }
    return render(request, "projects/public/list.html", context)


@router.get("/projects/batches")
def batch_list(request: Request, db: DbSession, _resident: OptionalResident) -> Response:
    today = catalogue.local_today()
    rows = [
        (b, rollup.batch_figures(db, b, today))
        for b in catalogue.list_batches(db, public_only=True)
    ]
    context = {"rows": rows, "headline_parts": rollup.headline_parts}
    return render(request, "projects/public/batches.html", context)


@router.get("/projects/batches/{code}")
def batch_overview(
    code: str, request: Request, db: DbSession, _resident: OptionalResident
) -> Response:
    batch = catalogue.get_public_batch(db, code=code)
    today = catalogue.local_today()
    units = rollup.unit_figures(db, batch, today)
    context = {
        "batch": batch,
        "figures": rollup.batch_figures(db, batch, today),
        "units": units,
        "chart": charts.unit_chart(units),
        "today": today,
        "percent": charts.percent,
        "headline_parts": rollup.headline_parts,
    }
    return render(request, "projects/public/batch.html", context)


def _following(db: Session, project: Project, resident: ResidentPrincipal | None) -> bool:
    return resident is not None and follow.find(db, project, resident.phone) is not None


def render_project(
    request: Request,
    db: Session,
    project: Project,
    resident: ResidentPrincipal | None,
    *,
    notice: str = "",
) -> Response:
    today = catalogue.local_today()
    planned = planned_percent(project, today)
    context = {
        "project": project,
        "meter": charts.meter(project.progress, planned),
        "planned": planned,
        "today": today,
        "targets": [(t, views.target_percent(t.achieved, t.planned)) for t in project.targets],
        "events": views.public_events(db, project),
        "proposals": links.proposals_of(db, project),
        "request_count": links.request_count(db, project),
        "followers": follow.count(db, project),
        "following": _following(db, project, resident),
        "notice": notice,
        "percent": charts.percent,
        # The steps' own partials read these (see the contract's slots).
        "reports": reports.history(db, project),
        "circular_items": circulars.naming(db, project),
        "satisfaction": ratings.summary(db, project),
        "mechanisms": mechanisms.for_project(db, project),
    }
    return render(request, "projects/public/project.html", context)


NOTICES = {
    "followed": "已关注。项目有进展时，我们会发短信告诉您。",
    "unfollowed": "已取消关注，不会再收到这个项目的短信。",
}


@router.get("/projects/{code}")
def project_page(
    code: str, request: Request, db: DbSession, resident: OptionalResident
) -> Response:
    project = catalogue.get_public_project(db, code=code)
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    return render_project(request, db, project, resident, notice=notice)
