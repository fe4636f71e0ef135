"""The residents' home page, display preferences, and the development SMS inbox."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from minsheng.accounts.deps import OptionalResident, OptionalStaff
from minsheng.accounts.pages import safe_next
from minsheng.core import modules
from minsheng.core.deps import DbSession
from minsheng.core.errors import NotFound
from minsheng.core.settings import get_settings
from minsheng.notify.models import Channel, OutboundMessage
from minsheng.web.i18n import LOCALES
from minsheng.web.templating import render

router = APIRouter()
YEAR = 365 * 24 * 3600


@router.get("/")
def home(request: Request, staff: OptionalStaff, resident: OptionalResident) -> Response:
    return render(request, "home.html", {"links": modules.home_links()})


@router.get("/prefs")
def prefs(
    request: Request, lang: str | None = None, text: str | None = None, next: str = "/"
) -> Response:
    """Language and large text, set by plain links so they work without JavaScript."""
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    secure = get_settings().secure_cookies
    if lang in LOCALES:
        response.set_cookie("minsheng_lang", lang, max_age=YEAR, samesite="lax", secure=secure)
    if text in ("large", "normal"):
        response.set_cookie("minsheng_text", text, max_age=YEAR, samesite="lax", secure=secure)
    return response


@router.get("/dev/sms")
def dev_sms(request: Request, db: DbSession) -> Response:
    """Development only: the SMS the log backend 'sent', so a demo can sign in as a resident."""
    if get_settings().env != "development":
        raise NotFound()
    query = (
        select(OutboundMessage)
        .where(OutboundMessage.channel == Channel.sms)
        .order_by(OutboundMessage.id.desc())
        .limit(20)
    )
    return render(request, "dev_sms.html", {"messages": list(db.scalars(query))})
