"""Live checks of a proposed name (the flow's pages swap `_name.html` in with htmx; without
JavaScript the same address is a small page of its own) and the scope catalogue as JSON.

The JSON routes sit on this pages router with their full /api/v1 path (errors come back in the
API's JSON shape by that prefix). Anonymous callers are limited per address to
CHECKS_PER_MINUTE; signed-in staff are not."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minsheng.accounts.deps import OptionalStaff
from minsheng.core import ratelimit
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import TooManyRequests
from minsheng.licensing import business, names, scope
from minsheng.web.forms import optional_int
from minsheng.web.templating import render

router = APIRouter()
CHECKS_PER_MINUTE = 120
BUSY = "查询太频繁，请一分钟后再试。"


def _limit(db: DbSession, staff: OptionalStaff, addr: str) -> None:
    if staff is None and not ratelimit.allow(
        db, key=f"licensing:checks:{addr}", limit=CHECKS_PER_MINUTE, window_seconds=60
    ):
        raise TooManyRequests(BUSY, retry_after=60)


def _name_outcome(
    db: DbSession, *, town_id: str | None, trade_name: str, industry_word: str, form_word: str
) -> dict[str, Any]:
    town = business.kunshan_town(db, optional_int(town_id))
    parts = {
        "trade_name": (trade_name or "").strip()[:40],
        "industry_word": (industry_word or "").strip()[:40],
        "form_word": (form_word or "").strip()[:20],
    }
    checks = names.check(
        db,
        town_id=town.id if town else None,
        trade_name=parts["trade_name"],
        industry_word=parts["industry_word"],
        form_word=parts["form_word"],
    )
    return {
        "name": names.compose(
            division=names.division_of(town),
            trade_name=parts["trade_name"],
            industry_word=parts["industry_word"],
            form_word=parts["form_word"],
        ),
        "checks": checks,
        "passed": all(c.passed for c in checks),
        "town": town,
        **parts,
    }


@router.get("/licensing/checks/name")
def name_check(
    request: Request,
    db: DbSession,
    staff: OptionalStaff,
    addr: ClientAddr,
    town_id: str | None = None,
    trade_name: str = "",
    industry_word: str = "",
    form_word: str = "",
) -> Response:
    """The composed name and each check; the partial for htmx, a page for everyone else."""
    partial = request.headers.get("hx-request") == "true"
    template = "licensing/checks/_name.html" if partial else "licensing/checks/name.html"
    if staff is None and not ratelimit.allow(
        db, key=f"licensing:checks:{addr}", limit=CHECKS_PER_MINUTE, window_seconds=60
    ):
        return render(request, template, {"busy": BUSY, "towns": []}, status=429)
    outcome = _name_outcome(
        db,
        town_id=town_id,
        trade_name=trade_name,
        industry_word=industry_word,
        form_word=form_word,
    )
    outcome.update(towns=business.towns(db), form_words=names.FORM_WORDS, busy="")
    return render(request, template, outcome)


@router.get("/api/v1/licensing/checks/name")
def name_check_json(
    db: DbSession,
    staff: OptionalStaff,
    addr: ClientAddr,
    town_id: str | None = None,
    trade_name: str = "",
    industry_word: str = "",
    form_word: str = "",
) -> dict[str, Any]:
    """The composed name and each check with its reason; no 字号 gives no checks."""
    _limit(db, staff, addr)
    outcome = _name_outcome(
        db,
        town_id=town_id,
        trade_name=trade_name,
        industry_word=industry_word,
        form_word=form_word,
    )
    return {
        "name": outcome["name"],
        "passed": outcome["passed"],
        "checks": [c.as_dict() for c in outcome["checks"]],
    }


def _item(item: Any) -> dict[str, Any]:
    return {
        "code": item.code,
        "wording": item.wording,
        "permit": item.permit,
        "permit_name": item.permit_name,
        "guide_code": item.guide_code,
        "guide_url": f"/guides/{item.guide_code}" if item.guide_code else "",
        "conflicts": list(item.conflicts or []),
    }


@router.get("/api/v1/licensing/scope")
def scope_catalogue(db: DbSession, staff: OptionalStaff, addr: ClientAddr) -> dict[str, Any]:
    """The scope catalogue by industry, general items and those needing a permit apart."""
    _limit(db, staff, addr)
    return {
        "max_items": scope.MAX_ITEMS,
        "industries": [
            {
                "industry": group.industry,
                "general": [_item(i) for i in group.general],
                "permit": [_item(i) for i in group.permit],
            }
            for group in scope.catalogue(db)
        ],
    }
