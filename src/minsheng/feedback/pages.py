"""The resident's rating from the follow page, the supervisors' rankings and the public summary."""

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
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.feedback import rates as three_rates
from minsheng.feedback import service
from minsheng.feedback.charts import RATE_NAMES, bar_chart, percent
from minsheng.feedback.models import RatedVia
from minsheng.feedback.permissions import VIEW_RANKINGS
from minsheng.feedback.schemas import RatesReport, RatingCreate
from minsheng.requests.pages_follow import by_token, render_follow
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
Ranker = Annotated[StaffPrincipal, Depends(require(VIEW_RANKINGS))]

CHOOSE = {"resolved": "请选择问题是否解决", "satisfaction": "请选择是否满意"}
MONTHS_OFFERED = 24
BY_LABELS = {"unit": "按单位", "town": "按区镇"}


def _month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _today() -> dt.date:
    return utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()


def last_full_month(today: dt.date) -> str:
    return _month_of(today.replace(day=1) - dt.timedelta(days=1))


def month_options(today: dt.date, chosen: str) -> list[tuple[str, str]]:
    """This month and the ones before it, newest first; the chosen one even when older."""
    options = []
    year, month = today.year, today.month
    for _ in range(MONTHS_OFFERED):
        value = f"{year:04d}-{month:02d}"
        options.append((value, value))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if chosen not in {value for value, _ in options}:
        options.append((chosen, chosen))
    return options


def _report(
    db: Session, month: str | None, by: str
) -> tuple[RatesReport, dict[str, str], list[tuple[str, str]]]:
    """The rates for the month asked (else the last full month), with a message if it was bad."""
    today = _today()
    errors: dict[str, str] = {}
    wanted = month or last_full_month(today)
    try:
        report = three_rates.rates(db, month=wanted, by=by)
    except InvalidInput as exc:
        errors = exc.fields
        wanted = last_full_month(today)
        report = three_rates.rates(db, month=wanted, by=by)
    return report, errors, month_options(today, report.month)


def _context(report: RatesReport, chart: str, errors: dict[str, str]) -> dict[str, Any]:
    chart = chart if chart in RATE_NAMES else "satisfaction"
    year, number = report.month.split("-")
    return {
        "report": report,
        "month_year": int(year),
        "month_number": int(number),
        "percent": percent,
        "values": {"month": report.month},
        "errors": errors,
        "chart": bar_chart(report.rows, chart),
        "rate_names": RATE_NAMES,
        "formulas": three_rates.formulas(),
    }


@router.post("/f/{token}/rate")
def rate(token: str, request: Request, form: FormFields, db: DbSession) -> Response:
    """The reporter's two answers; a poor one reopens the request (重办)."""
    found = by_token(db, token)
    values = {k: str(form.get(k, "")).strip() for k in ("resolved", "satisfaction", "reason")}
    try:
        data = parse(RatingCreate, values, choose=CHOOSE)
        service.rate(db, found, data=data, via=RatedVia.link)
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        return render_follow(request, db, token, values=values, errors=errors, status=exc.status)
    return RedirectResponse(f"/f/{token}?rated=1#rated", status_code=303)


@router.get("/staff/rankings")
def rankings(
    request: Request,
    db: DbSession,
    _: Ranker,
    month: str | None = None,
    by: str = "unit",
    chart: str = "satisfaction",
) -> Response:
    by = by if by in three_rates.BY else "unit"
    report, errors, months = _report(db, month, by)
    context = _context(report, chart, errors)
    here = {"month": report.month, "by": by}
    context.update(
        months=months,
        tabs=[
            (key, label, "/staff/rankings?" + urlencode({"month": report.month, "by": key}))
            for key, label in BY_LABELS.items()
        ],
        chart_links=[
            (key, name, "/staff/rankings?" + urlencode({**here, "chart": key}))
            for key, name in RATE_NAMES.items()
        ],
        by_label=BY_LABELS[by],
    )
    return render(request, "feedback/rankings.html", context, status=422 if errors else 200)


@router.get("/rates")
def public_rates(
    request: Request, db: DbSession, month: str | None = None, chart: str = "satisfaction"
) -> Response:
    """The city's three rates and each town's, for anyone: figures only, no one's details."""
    report, errors, months = _report(db, month, "town")
    context = _context(report, chart, errors)
    context.update(
        months=months,
        chart_links=[
            (key, name, "/rates?" + urlencode({"month": report.month, "chart": key}))
            for key, name in RATE_NAMES.items()
        ],
    )
    return render(request, "feedback/rates.html", context, status=422 if errors else 200)
