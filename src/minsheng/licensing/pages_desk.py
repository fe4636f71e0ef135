"""The registrar's desk: the queue, one application with its checks and the four decisions, and
the register of issued licenses with how long people take at each office's kiosks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from minsheng.accounts.deps import require
from minsheng.accounts.models import StaffUser
from minsheng.core.db import utcnow
from minsheng.core.deps import DbSession
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.text import mask_phone
from minsheng.licensing import business, desk, identity, identity_numbers, issuing
from minsheng.licensing.models import (
    KIND_LABELS,
    ORG_FORMS,
    STATUS_LABELS,
    Application,
    ApplicationStatus,
    ScopeItem,
)
from minsheng.licensing.permissions import REVIEW_APPLICATIONS, VIEW_LICENSES
from minsheng.web.forms import FormFields, optional_int
from minsheng.web.templating import render

router = APIRouter()
Registrar = Annotated[StaffPrincipal, Depends(require(REVIEW_APPLICATIONS))]
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_LICENSES))]
DONE = {
    "identity": "已记录身份核验。",
    "approve": "已审核通过并发照。",
    "return": "已退回申请人修改，短信已通知。",
    "refuse": "已作出不予登记决定，短信已通知。",
}
PAGE_SIZE = 100


@router.get("/staff/licensing")
def queue_page(
    request: Request, db: DbSession, staff: Registrar, status: str = "", office: str = ""
) -> Response:
    """Waiting for review first, oldest first; then returned; then issued today."""
    offices = desk.offices_for(db, staff=staff)
    chosen = next((o for o in offices if o.code == office), None)
    wanted = ApplicationStatus(status) if status in {s.value for s in desk.SECTIONS} else None
    found = desk.queue(db, staff=staff, status=wanted, office_id=chosen.id if chosen else None)
    now = utcnow()
    listed = [*found.reviewing, *found.returned, *found.issued_today]
    context = {
        "queue": found,
        "waited": {a.id: desk.waited_minutes(a, now) for a in listed},
        "failed": {a.id: desk.failed_rules(a) for a in listed},
        "offices": [(o.code, o.name) for o in offices],
        "statuses": [(s.value, STATUS_LABELS[s]) for s in desk.SECTIONS],
        "values": {
            "status": wanted.value if wanted else "",
            "office": chosen.code if chosen else "",
        },
        "errors": {},
        "kinds": KIND_LABELS,
    }
    return render(request, "licensing/desk/queue.html", context)


@router.get("/staff/licensing/licenses")
def register_page(
    request: Request,
    db: DbSession,
    staff: Viewer,
    q: str = "",
    town: str = "",
    status: str = "",
    page: int = 1,
) -> Response:
    """The licenses of this person's offices, newest first, with links to each one's PDF and
    verification page; below, how long people take at each office's kiosks."""
    town_names = [t.name for t in business.towns(db)]
    q = " ".join(q.split())[:40]
    town = town if town in town_names else ""
    status = status if status in ("valid", "deregistered") else ""
    page = min(max(page, 1), 10_000)
    filters = issuing.LicenseFilters(town=town or None, status=status or None, q=q or None)
    licenses, total = issuing.list_licenses(
        db, staff=staff, filters=filters, page=page, per_page=PAGE_SIZE
    )
    context = {
        "licenses": licenses,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "towns": [(name, name) for name in town_names],
        "statuses": list(issuing.STATUS_LABELS.items()),
        "values": {"q": q, "town": town, "status": status},
        "errors": {},
        "times": desk.step_averages(db),
        "step_labels": desk.STEP_LABELS,
        "days": desk.STATS_DAYS,
    }
    return render(request, "licensing/desk/register.html", context)


def _scope_items(db: Session, codes: list[str]) -> list[ScopeItem]:
    found = {s.code: s for s in db.scalars(select(ScopeItem).where(ScopeItem.code.in_(codes)))}
    return [found[c] for c in codes if c in found]


def _person(db: Session, user_id: int | None) -> str:
    user = db.get(StaffUser, user_id) if user_id else None
    return user.display_name if user else ""


def _detail(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    app: Application,
    *,
    banner: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    failed_action: str = "",
    status: int = 200,
) -> Response:
    full = desk.sees_full_identity(staff, app.office)
    rules = sorted(app.rules or [], key=lambda r: bool(r.get("passed")))
    times = app.step_times or {}
    backend = identity.backend(app.identity_backend)
    context = {
        "app": app,
        "kind": KIND_LABELS[app.kind],
        "status_label": STATUS_LABELS[app.status],
        "org_form": ORG_FORMS.get(app.org_form, app.org_form),
        "id_number": app.id_number if full else identity_numbers.mask(app.id_number),
        "phone": app.phone if full else mask_phone(app.phone),
        "family": [
            {
                "name": m.get("name", ""),
                "id_number": m.get("id_number", "")
                if full
                else identity_numbers.mask(str(m.get("id_number", ""))),
            }
            for m in app.family_members or []
        ],
        "scope": _scope_items(db, list(app.scope_codes or [])),
        "old_scope": _scope_items(db, list(app.license.scope_codes)) if app.license else [],
        "rules": rules,
        "failed_count": sum(1 for r in rules if not r.get("passed")),
        "steps": [(s, times[s]) for s in desk.ordered_steps(times)],
        "total_seconds": round(sum(float(v) for v in times.values()), 1),
        "step_labels": desk.STEP_LABELS,
        "backend": backend,
        "confirmed_by": _person(db, app.identity_confirmed_by_id),
        "reviewed_by": _person(db, app.reviewed_by_id),
        "waited": desk.waited_minutes(app),
        "actionable": app.status == ApplicationStatus.reviewing,
        "banner": banner,
        "done": DONE.get(request.query_params.get("done", ""), ""),
        "errors": errors or {},
        "values": values or {},
        "failed_action": failed_action,
    }
    return render(request, "licensing/desk/detail.html", context, status=status)


@router.get("/staff/licensing/{number}")
def detail_page(request: Request, number: str, db: DbSession, staff: Registrar) -> Response:
    """Everything entered, each rule with its reason, step times, and the decisions."""
    app = desk.get_for_desk(db, number=number, staff=staff)
    return _detail(request, db, staff, app)


def _act(db: Session, app: Application, staff: StaffPrincipal, action: str, form: dict) -> None:
    version = optional_int(form.get("version"))
    # A form without its version is treated as out of date rather than trusted.
    if version is None:
        raise Conflict(desk.STALE, code="stale")
    reason = str(form.get("reason", ""))
    if action == "identity":
        desk.confirm_identity(db, app=app, staff=staff, version=version)
    elif action == "approve":
        accept = form.get("accept_failed") == "yes"
        desk.approve(db, app=app, staff=staff, version=version, accept_failed=accept)
    elif action == "return":
        desk.return_for_correction(db, app=app, staff=staff, reason=reason, version=version)
    elif action == "refuse":
        desk.refuse(db, app=app, staff=staff, reason=reason, version=version)


@router.post("/staff/licensing/{number}/{action}")
def act(
    request: Request, number: str, action: str, form: FormFields, db: DbSession, staff: Registrar
) -> Response:
    if action not in DONE:
        raise NotFound("没有这项操作。")
    app = desk.get_for_desk(db, number=number, staff=staff)
    try:
        _act(db, app, staff, action, form)
    except InvalidInput as exc:
        db.rollback()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        app = desk.get_for_desk(db, number=number, staff=staff)
        errors = {f"{action}-{k}": v for k, v in exc.fields.items()}
        return _detail(
            request, db, staff, app, errors=errors, values=values, failed_action=action, status=422
        )
    except (Conflict, StaleDataError) as exc:
        # Nothing of the attempt is kept; the page shows the application as it now stands.
        db.rollback()
        app = desk.get_for_desk(db, number=number, staff=staff)
        message = exc.message if isinstance(exc, Conflict) else desk.STALE
        return _detail(request, db, staff, app, banner=message, status=409)
    return RedirectResponse(f"/staff/licensing/{app.number}?done={action}", 303)
