"""A matter's public mobile page (current version, counted) and its earlier versions.

Never cached: every view is counted, and each page carries the reader's own CSRF token for the
vote form, so a shared cache would serve one reader's token to another.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from minsheng.core.deps import DbSession
from minsheng.core.errors import NotFound
from minsheng.guides import reading, service
from minsheng.guides.models import Matter, MatterStatus
from minsheng.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter()
NO_STORE = {"cache-control": "no-store"}


def _page(request: Request, template: str, context: dict[str, Any]) -> Response:
    """The page; if a shared partial (vote, ask, QR links) fails, the guide shows without them."""
    try:
        response = render(request, template, context)
    except Exception:  # another area's partial must never take a resident's guide down
        log.exception("guide page %s: a shared partial failed, shown without it", template)
        response = render(request, template, context | {"bare": True})
    response.headers.update(NO_STORE)
    return response


def not_found(request: Request) -> Response:
    """The Chinese 404 page with the search box."""
    response = render(request, "guides/public/not_found.html", status=404)
    response.headers.update(NO_STORE)
    return response


def _readable(db: Session, code: str) -> Matter | None:
    """A matter the public may open (published or withdrawn), with a published version."""
    matter = service.find_matter(db, code=code)
    if matter is None or matter.status == MatterStatus.draft or matter.current_number is None:
        return None
    return matter


def _count(db: Session, matter: Matter, *, scanned: bool) -> None:
    """Counts the view (and the scan) in this request's transaction; a failure only loses it."""
    try:
        with db.begin_nested():
            service.count(db, matter_id=matter.id, views=1, scans=1 if scanned else 0)
    except SQLAlchemyError:
        log.exception("guide usage for %s not counted", matter.code)


@router.get("/guides/{code}")
def matter_page(request: Request, code: str, db: DbSession, s: str = "", fb: str = "") -> Response:
    """The current version for reading on a phone; a withdrawn matter says so and points on."""
    matter = _readable(db, code)
    version = service.current_version(matter) if matter is not None else None
    if matter is None or version is None:
        return not_found(request)
    if not fb:  # back from voting (?fb=thanks) is the same reader on the same visit
        _count(db, matter, scanned=s == "qr")
    context: dict[str, Any] = {"r": reading.read(db, matter=matter, version=version)}
    if matter.status == MatterStatus.withdrawn:
        context["stopped"] = reading.local_date(matter.withdrawn_at)
        return _page(request, "guides/public/withdrawn.html", context)
    context["older"] = version.number - 1 if version.number > 1 else None
    return _page(request, "guides/public/matter.html", context)


@router.get("/guides/{code}/v/{number}")
def version_page(request: Request, code: str, number: str, db: DbSession) -> Response:
    """An earlier version in full, with the day it stopped and a link to the current one."""
    matter = _readable(db, code)
    wanted = int(number) if number.isdigit() and len(number) < 7 else None
    if matter is None or wanted is None or wanted > (matter.current_number or 0):
        return not_found(request)
    if wanted == matter.current_number and matter.status == MatterStatus.published:
        return RedirectResponse(f"/guides/{matter.code}", status_code=303)
    try:
        version = service.version_of(matter, wanted)
    except NotFound:
        return not_found(request)
    if not service.was_in_force(matter, version):  # a draft that was never published
        return not_found(request)
    context = {
        "r": reading.read(db, matter=matter, version=version),
        "withdrawn": matter.status == MatterStatus.withdrawn,
    }
    return _page(request, "guides/public/version.html", context)
