"""Knowledge cards on the web: the card's mobile page, its PDFs, a matter's QR code and A6 card,
and the staff pages that make and edit cards (city-wide: MANAGE_GUIDES)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalStaff, require
from minsheng.core import pdf
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, MinshengError, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides import card_pdf, cards, service
from minsheng.guides.models import Card, MatterStatus
from minsheng.guides.permissions import MANAGE_GUIDES
from minsheng.guides.schemas import dial
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_GUIDES))]
LAYOUT_NAMES = {"card": "名片", "a6": "A6", "sheet": "A4裁切版"}
FIELDS = ("code", "title", "audience", "intro", "hotline", "issuer", "matters")
NO_LAYOUT = "没有这种版式，可选 card（名片）、a6 或 sheet（A4裁切版）"
NO_PRINT = "这个事项已停止办理，不再印制知晓卡。"


def download(
    content: bytes, *, name: str, ascii_name: str, media: str, public: bool = True
) -> Response:
    """A file shown in the browser, with its Chinese name (RFC 6266) and a plain one."""
    disposition = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    cache = "public, max-age=300" if public else "private, no-store"  # a draft stays off proxies
    headers = {"Content-Disposition": disposition, "Cache-Control": cache}
    return Response(content, media_type=media, headers=headers)


def _readable(db: Session, code: str, staff: StaffPrincipal | None) -> Card:
    """A published card, or any card for staff who manage cards (to check it before publishing)."""
    if staff is not None and staff.can(MANAGE_GUIDES):
        return cards.get_card(db, code=code)
    return cards.get_public_card(db, code=code)


@router.get("/guides/cards/{code}.pdf")
def card_document(code: str, db: DbSession, staff: OptionalStaff, layout: str = "card") -> Response:
    """The card printed as a business card, an A6 card or an A4 sheet of ten."""
    if layout not in card_pdf.LAYOUTS:
        raise InvalidInput({"layout": NO_LAYOUT}, NO_LAYOUT)
    card = _readable(db, code, staff)
    done = card_pdf.render(card_pdf.card_print(card), layout)
    name = f"{card.title}-{LAYOUT_NAMES[layout]}.pdf"
    return download(
        done.content,
        name=name,
        ascii_name=f"card-{card.code}-{layout}.pdf",
        media="application/pdf",
        public=card.published,
    )


@router.get("/guides/cards/{code}")
def card_page(request: Request, code: str, db: DbSession, s: str = "") -> Response:
    """The page a card's QR code opens: every matter's essentials, call buttons, full guides."""
    card = cards.get_public_card(db, code=code)
    if s == "qr":
        cards.count_scans(db, card=card)
    context = {
        "card": card,
        "entries": cards.entries(card),
        "layouts": LAYOUT_NAMES,
        "dial": dial,
    }
    return render(request, "guides/cards/public_card.html", context)


@router.get("/guides/{code}/qr.png")
def matter_qr(code: str, db: DbSession) -> Response:
    """The QR code of a matter's page, for screens and for pasting into a leaflet."""
    matter = service.get_public_matter(db, code=code)
    image = pdf.qr_png(cards.matter_url(matter.code), scale=10)
    return download(
        image, name=f"{matter.code}.png", ascii_name=f"{matter.code}.png", media="image/png"
    )


@router.get("/guides/{code}/card.pdf")
def matter_card(code: str, db: DbSession) -> Response:
    """One matter's A6 card with its QR code."""
    matter = service.get_public_matter(db, code=code)
    if matter.status != MatterStatus.published:
        raise NotFound(NO_PRINT)
    printed = card_pdf.matter_print(matter)
    done = card_pdf.render(printed, "a6")
    return download(
        done.content,
        name=f"{printed.title}-知晓卡.pdf",
        ascii_name=f"guide-{matter.code}.pdf",
        media="application/pdf",
    )


# ---------------------------------------------------------------- staff


@router.get("/staff/guides/cards")
def staff_list(request: Request, db: DbSession, staff: Manager) -> Response:
    found = cards.list_cards(db)
    return render(request, "guides/cards/staff_list.html", {"cards": found})


def _form(
    request: Request,
    db: Session,
    *,
    card: Card | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "card": card,
        "values": values,
        "errors": errors,
        "choices": cards.choices(db),
        "limit": cards.CARD_LIMIT,
    }
    return render(request, "guides/cards/form.html", context, status=status)


def _values(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in FIELDS}
    values["published"] = form.get("published") == "1"
    return values


def _data(values: dict[str, Any]) -> cards.CardData:
    fields = {k: v for k, v in values.items() if k != "matters" and v != ""}
    return parse(
        cards.CardData,
        {**fields, "matters": cards.split_codes(values["matters"])},
        choose={"code": "请填写知晓卡编码", "title": "请填写标题"},
    )


@router.get("/staff/guides/cards/new")
def new_form(request: Request, db: DbSession, staff: Manager) -> Response:
    values = {"hotline": "12345", "published": True}
    return _form(request, db, card=None, values=values, errors={})


@router.post("/staff/guides/cards/new")
def create(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    values = _values(form)
    try:
        card = cards.create_card(db, data=_data(values))
    except MinshengError as exc:
        db.rollback()
        return _form(
            request, db, card=None, values=values, errors=errors_of(exc), status=exc.status
        )
    return RedirectResponse(f"/staff/guides/cards/{quote(card.code)}?saved=1", 303)


@router.get("/staff/guides/cards/{code}")
def staff_card(request: Request, code: str, db: DbSession, staff: Manager) -> Response:
    """The card as staff check it: its matters, what did not fit, links to every print."""
    card = cards.get_card(db, code=code)
    printed = card_pdf.card_print(card)
    overflow = card_pdf.render(printed, "card").overflow if printed.items else ""
    context = {
        "card": card,
        "entries": cards.entries(card),
        "overflow": overflow,
        "layouts": LAYOUT_NAMES,
        "url": cards.card_url(card),
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "guides/cards/staff_card.html", context)


@router.get("/staff/guides/cards/{code}/edit")
def edit_form(request: Request, code: str, db: DbSession, staff: Manager) -> Response:
    card = cards.get_card(db, code=code)
    values: dict[str, Any] = {k: getattr(card, k) for k in FIELDS if k != "matters"}
    values["matters"] = "\n".join(item.matter.code for item in card.items)
    values["published"] = card.published
    return _form(request, db, card=card, values=values, errors={})


@router.post("/staff/guides/cards/{code}/edit")
def edit(request: Request, code: str, form: FormFields, db: DbSession, staff: Manager) -> Response:
    card = cards.get_card(db, code=code)
    values = _values(form) | {"code": card.code}  # the code is printed in QR codes: fixed
    try:
        cards.update_card(db, card=card, data=_data(values))
    except MinshengError as exc:
        db.rollback()
        card = cards.get_card(db, code=code)
        return _form(
            request, db, card=card, values=values, errors=errors_of(exc), status=exc.status
        )
    return RedirectResponse(f"/staff/guides/cards/{quote(card.code)}?saved=1", 303)


@router.post("/staff/guides/cards/{code}/delete")
def delete(code: str, db: DbSession, staff: Manager) -> Response:
    cards.delete_card(db, card=cards.get_card(db, code=code))
    return RedirectResponse("/staff/guides/cards?deleted=1", 303)
