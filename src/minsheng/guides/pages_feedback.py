"""'Was this helpful?' on a guide (a plain form, no script), and the units' page of readers'
comments and figures."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.db import utcnow
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, MinshengError, TooManyRequests
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.guides import feedback, service
from minsheng.guides.models import FeedbackStatus, Matter
from minsheng.guides.permissions import VIEW_GUIDE_FEEDBACK
from minsheng.org.models import Unit
from minsheng.web.forms import FormFields, errors_of, optional_int
from minsheng.web.templating import render

router = APIRouter()

Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_GUIDE_FEEDBACK))]
# One vote per browser, matter and day; the cookie's path keeps it to that matter's pages.
VOTED_COOKIE = "minsheng_guide_voted"
CHOICES = {"yes": True, "no": False}
CHOOSE = "请点“有帮助”或“没帮助”"


def _vote_page(
    request: Request,
    matter: Matter,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "matter": matter,
        "version": service.current_version(matter),
        "title": feedback.title_of(matter),
        "vote_errors": errors or {},
        "vote_values": values or {},
    }
    return render(request, "guides/feedback/vote.html", context, status=status)


def _until_midnight(today: dt.date) -> int:
    now = utcnow().astimezone(ZoneInfo(get_settings().timezone))
    midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), now.tzinfo)
    return max(int((midnight - now).total_seconds()), 60)


@router.get("/guides/{code}/feedback")
def vote_form(code: str, request: Request, db: DbSession) -> Response:
    """The vote on a page of its own: where a refused vote is shown, and the thanks without the
    guide page around it."""
    return _vote_page(request, service.get_public_matter(db, code=code))


@router.post("/guides/{code}/feedback")
def vote(
    code: str, request: Request, form: FormFields, db: DbSession, addr: ClientAddr
) -> Response:
    matter = service.get_public_matter(db, code=code)
    values = {"comment": str(form.get("comment", ""))[:2000]}
    choice = str(form.get("helpful", ""))
    today = service.local_today()
    try:
        if choice not in CHOICES:
            raise InvalidInput({"helpful": CHOOSE})
        if request.cookies.get(VOTED_COOKIE) == today.isoformat():
            raise TooManyRequests(feedback.ALREADY, retry_after=_until_midnight(today))
        row = feedback.vote(
            db,
            matter=matter,
            helpful=CHOICES[choice],
            comment=values["comment"],
            version_number=optional_int(form.get("version")),
            client_addr=addr,
        )
    except MinshengError as exc:
        db.rollback()
        page = _vote_page(request, matter, errors_of(exc), values, exc.status)
        if isinstance(exc, TooManyRequests):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    flag = "forwarded" if row.status == FeedbackStatus.open else "thanks"
    response = RedirectResponse(f"/guides/{matter.code}?fb={flag}#feedback", status_code=303)
    response.set_cookie(
        VOTED_COOKIE,
        today.isoformat(),
        max_age=_until_midnight(today),
        path=f"/guides/{matter.code}",
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
    )
    return response


def _unit_filter(db: Session, raw: str | None) -> Unit | None:
    unit_id = optional_int(raw)
    return db.get(Unit, unit_id) if unit_id and unit_id > 0 else None


def _staff_page(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    *,
    unit: Unit | None,
    page: int = 1,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    open_tasks, done_tasks = feedback.tasks(db, staff=staff, unit=unit)
    rows, total = feedback.totals(db, staff=staff, unit=unit, page=page)
    pages = max(1, -(-total // feedback.PER_PAGE))
    keep = {"unit": str(unit.id)} if unit else {}
    context = {
        "open_tasks": open_tasks,
        "done_tasks": done_tasks,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "units": [(str(u.id), u.name) for u in feedback.units_for(db, staff=staff)],
        "unit": unit,
        "keep": urlencode(keep),
        "page_link": lambda n: "?" + urlencode({**keep, "page": n}),
        "errors": errors or {},
        "values": values or {},
        "done": request.query_params.get("done") == "1",
    }
    return render(request, "guides/feedback/staff.html", context, status=status)


@router.get("/staff/guides/feedback")
def staff_feedback(
    request: Request, db: DbSession, staff: Viewer, unit: str | None = None, page: str = "1"
) -> Response:
    number = optional_int(page) or 1
    return _staff_page(request, db, staff, unit=_unit_filter(db, unit), page=max(number, 1))


@router.post("/staff/guides/feedback/{feedback_id}/done")
def mark_done(
    feedback_id: int, request: Request, form: FormFields, db: DbSession, staff: Viewer
) -> Response:
    text = str(form.get("answer", ""))[:2000]
    unit = _unit_filter(db, str(form.get("unit", "")))
    try:
        feedback.answer(db, staff=staff, feedback_id=feedback_id, text=text)
    except InvalidInput as exc:
        db.rollback()
        values = {f"answer-{feedback_id}": text}
        return _staff_page(
            request, db, staff, unit=unit, errors=exc.fields, values=values, status=exc.status
        )
    query = urlencode({"done": 1, **({"unit": unit.id} if unit else {})})
    return RedirectResponse(f"/staff/guides/feedback?{query}#tasks", status_code=303)
