"""The public home of the guides: one big search box (a plain GET form), its results, and
without a query the popular matters, the step-by-step bundles, the cards and every unit's
matters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minsheng.core.deps import DbSession
from minsheng.guides import search
from minsheng.web.forms import optional_int
from minsheng.web.templating import render

router = APIRouter()


@router.get("/guides")
def home(
    request: Request, db: DbSession, q: str | None = None, page: str | None = None
) -> Response:
    """Search results for `q`, else what people look for most and the whole catalogue."""
    number = optional_int(page) or 1
    context: dict[str, object] = {"q": (q or "")[:200], "errors": {}, "outcome": None}
    if q is not None and q.strip():
        outcome = search.search(db, query=q, page=number)
        context["outcome"] = outcome
        if outcome.error:
            context["errors"] = {"q": outcome.error}
        else:
            context["q"] = outcome.query
            context["pages"] = -(-outcome.total // outcome.per_page)
            context["others"] = [w for w in outcome.interpreted if w != outcome.query]
    if context["outcome"] is None or context["errors"]:
        bundles, cards = search.showcase(db)
        context.update(
            popular=search.popular(db, limit=8),
            bundles=bundles,
            cards=cards,
            units=search.by_unit(db),
        )
    return render(request, "guides/search/home.html", context)
