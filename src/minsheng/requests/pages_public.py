"""公开诉求: what residents have raised and how it ended, without anyone's personal data.

Only requests allowed to be public (not confidential, not a merged duplicate) are listed, and
only the category, place, title (with numbers that identify a person masked), status and outcome.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from minsheng.core.deps import DbSession
from minsheng.org import service as org
from minsheng.org.models import Region, RegionLevel
from minsheng.requests.models import CitizenRequest, Status
from minsheng.routing import service as routing
from minsheng.routing.models import Category
from minsheng.web.templating import render

router = APIRouter()

PER_PAGE = 20
MAX_PAGE = 10_000
TOWN_LEVELS = (RegionLevel.town, RegionLevel.zone)
# Residents write their phone or ID number into titles ("请回电 138 1234 5678"). Digits may be
# full-width or split by spaces and dashes; a longer run of digits is not a phone.
_DIGIT = r"[0-9０-９]"
_SEP = r"[\s\-－—]?"
MOBILE_IN_TEXT = re.compile(
    rf"(?<![0-9０-９])[1１][3-9３-９]{_DIGIT}{_SEP}{_DIGIT}{{4}}{_SEP}{_DIGIT}{{4}}(?![0-9０-９])"
)
ID_IN_TEXT = re.compile(rf"(?<![0-9０-９]){_DIGIT}{{17}}[0-9０-９Xx]?(?![0-9０-９])")


def mask_numbers(text: str) -> str:
    """Mobile numbers as 138****5678, ID card numbers as their first six digits and stars."""
    text = ID_IN_TEXT.sub(lambda m: m.group()[:6] + "*" * (len(m.group()) - 6), text)

    def mobile(match: re.Match[str]) -> str:
        digits = re.sub(r"[\s\-－—]", "", match.group())
        return digits[:3] + "****" + digits[-4:]

    return MOBILE_IN_TEXT.sub(mobile, text)


@dataclass(frozen=True)
class PublicRow:
    tracking_number: str
    category: str
    town: str
    title: str
    status: Status
    status_label: str
    received_at: Any
    outcome: str


def _query(town: Region | None, category: Category | None) -> Select[CitizenRequest]:
    query = select(CitizenRequest).where(
        CitizenRequest.public.is_(True),
        CitizenRequest.confidential.is_(False),
        CitizenRequest.status != Status.merged,
    )
    if town is not None:
        query = query.where(CitizenRequest.town_id == town.id)
    if category is not None:  # a category takes in the ones below it
        below = select(Category.id).where(Category.path.startswith(category.path))
        query = query.where(CitizenRequest.category_id.in_(below))
    return query


def list_public(
    db: Session, *, town: Region | None, category: Category | None, page: int
) -> tuple[list[PublicRow], int]:
    """One page of public requests, newest first, and how many there are in all."""
    query = _query(town, category)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.options(joinedload(CitizenRequest.category), joinedload(CitizenRequest.town))
        .order_by(CitizenRequest.received_at.desc(), CitizenRequest.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return [
        PublicRow(
            tracking_number=r.tracking_number,
            category=r.category.name,
            town=r.town.name if r.town else "",
            title=mask_numbers(r.title),
            status=r.status,
            status_label=r.status_label,
            received_at=r.received_at,
            outcome=r.outcome_label,
        )
        for r in rows
    ], total


def _page_number(raw: str | None) -> int:
    return min(int(raw), MAX_PAGE) if raw and raw.isdigit() and int(raw) > 0 else 1


@router.get("/requests")
def public_requests(
    request: Request,
    db: DbSession,
    town: str | None = None,
    category: str | None = None,
    page: str | None = None,
) -> Response:
    towns = [r for r in org.list_regions(db, active_only=True) if r.level in TOWN_LEVELS]
    categories = routing.list_categories(db, active_only=True, public_only=True)
    chosen_town = next((t for t in towns if town and town in (t.code, str(t.id))), None)
    chosen_category = next((c for c in categories if c.code == category), None)
    number = _page_number(page)
    rows, total = list_public(db, town=chosen_town, category=chosen_category, page=number)
    pages = max(math.ceil(total / PER_PAGE), 1)
    filters = {
        "town": (chosen_town.code or str(chosen_town.id)) if chosen_town else "",
        "category": chosen_category.code if chosen_category else "",
    }

    def link(to: int) -> str:
        return "/requests?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": to})

    context = {
        "rows": rows,
        "total": total,
        "page": number,
        "pages": pages,
        "previous": link(number - 1) if number > 1 else "",
        "next": link(number + 1) if number < pages else "",
        "values": filters,
        "towns": [(t.code or str(t.id), t.name) for t in towns],
        "categories": [(c.code, "　" * (c.path.count("/") - 2) + c.name) for c in categories],
        "unknown": bool((town and not chosen_town) or (category and not chosen_category)),
    }
    return render(request, "requests/public_list.html", context)
