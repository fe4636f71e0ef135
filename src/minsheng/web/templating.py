"""Rendering pages: one Jinja2 environment per locale, and the context every page gets."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from minsheng.core import modules
from minsheng.core.settings import get_settings
from minsheng.core.text import mask_phone
from minsheng.web import i18n

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the installation's wall-clock time."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime(fmt)


def _parse_iso(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@functools.cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = i18n.gettext_for(locale)
    env.filters["local_time"] = local_time
    env.filters["mask_phone"] = mask_phone
    env.filters["local_iso"] = lambda text: (
        local_time(_parse_iso(text), "%Y-%m-%d %H:%M:%S") or text
    )
    env.globals["vendor_htmx"] = (STATIC / "vendor" / "htmx.min.js").exists()
    return env


def nav_for(request: Request) -> list[modules.NavItem]:
    """The staff navigation this person may see, from every module's manifest."""
    principal = getattr(request.state, "staff", None)
    if principal is None:
        return []
    return [i for i in modules.nav_items() if i.permission is None or principal.can(i.permission)]


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Renders a page with the locale, the signed-in person, navigation and CSRF token."""
    locale = i18n.pick(request.cookies.get("minsheng_lang"), get_settings().default_locale)
    state = request.state
    page = {
        "request": request,
        "locale": locale,
        "locales": i18n.LOCALES,
        "large_text": request.cookies.get("minsheng_text") == "large",
        "csrf_token": getattr(state, "csrf_token", ""),
        "staff": getattr(state, "staff", None),
        "resident": getattr(state, "resident", None),
        "nav": nav_for(request),
        "settings": get_settings(),
        "path": request.url.path,
    }
    page.update(context or {})
    html = environment(locale).get_template(template).render(page)
    return HTMLResponse(html, status_code=status)
