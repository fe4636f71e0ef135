"""Residents' pages: report a problem (from the web or a scanned QR box), then track it by number.

Following by the secret link and the public list live in pages_follow.py and pages_public.py;
their routers are included here, so the module's manifest names one router.
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident
from minsheng.channels import service as channels
from minsheng.channels.models import QrBox
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, MinshengError, NotFound
from minsheng.core.images import MAX_PHOTOS
from minsheng.core.permissions import ResidentPrincipal
from minsheng.core.settings import get_settings
from minsheng.org.choices import places
from minsheng.org.models import RegionLevel
from minsheng.requests import pages_follow, pages_public, service
from minsheng.requests.models import Channel
from minsheng.requests.pages_follow import PRIVATE, by_token
from minsheng.requests.schemas import Contact, RequestCreate
from minsheng.requests.uploads import ACCEPT, PhotoUpload, read_photos
from minsheng.routing.choices import category_groups
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
router.include_router(pages_follow.router)
router.include_router(pages_public.router)

FIELDS = (
    "category",
    "title",
    "description",
    "town",
    "community",
    "address",
    "contact_name",
    "contact_phone",
)
# Where each field's message sits in the summary above the form: the form's own order.
ORDER = ("category", "title", "description", "photos", "box", "town", "community", "address")
TYPED = {"title": "标题", "description": "详细情况"}
CHOOSE = {"category": "请选择问题类别", "town": "请选择所在的区镇"}
# Service messages about places quote what was sent; the selects only offer valid places.
PLACE_MESSAGES = {
    "town": "请从列表中选择区镇",
    "community": "所选的社区或村不在这个区镇里，请重新选择",
}
NO_BOX = "没有找到这个意见箱，它可能已经停用。请在下面选择问题所在的区镇。"
# The key is made by this page; anything else is ignored rather than trusted.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,80}$")
BOX_CODE = re.compile(r"^[a-z0-9]{1,16}$")
TOWN_LEVELS = (RegionLevel.town, RegionLevel.zone)

Options = list[tuple[str, str]]
Groups = list[tuple[str | None, Options]]


def _box(db: Session, code: str) -> QrBox | None:
    """The active QR box a poster's code names, or None."""
    code = code.strip().lower()
    if not BOX_CODE.match(code):
        return None
    box = channels.get_box_by_code(db, code=code)
    return box if box is not None and box.active else None


def _box_place(box: QrBox) -> str:
    """您在：… — the place the poster hangs, as the resident will recognise it."""
    parts = [box.name, box.address] if box.address and box.address != box.name else [box.name]
    area = box.town.name + (box.community.name if box.community else "")
    return "，".join([*parts, area])


def _login_path(box: QrBox | None) -> str:
    back = f"/report?box={box.code}" if box else "/report"
    return f"/resident/login?next={quote(back, safe='')}"


def _form(
    request: Request,
    db: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    *,
    box: QrBox | None = None,
    resident: ResidentPrincipal | None = None,
    upload: PhotoUpload | None = None,
    notice: str = "",
) -> Response:
    towns, communities = ([], []) if box else places(db)
    context = {
        "values": {**values, "box": box.code if box else ""},
        "errors": errors,
        "categories": category_groups(db, public_only=True),
        "towns": towns,
        "communities": communities,
        "box_place": _box_place(box) if box else "",
        "notice": notice,
        "resident_phone": resident.phone if resident else "",
        "login_path": _login_path(box),
        "accept": ACCEPT,
        "max_photos": MAX_PHOTOS,
        "max_photo_mb": f"{get_settings().max_photo_bytes / (1024 * 1024):g}",
        "photo_problems": [p for p in upload.problems if p[0]] if upload else [],
        # Browsers never refill a file field: say so when photos were sent with a bad form.
        "photos_dropped": bool(upload and upload.sent and errors),
    }
    return render(request, "requests/report.html", context, status=status)


def _values(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["confidential"] = form.get("confidential") == "on"
    key = str(form.get("idempotency_key", ""))
    values["idempotency_key"] = key if IDEMPOTENCY_KEY.match(key) else secrets.token_urlsafe(24)
    return values


def _read(values: dict[str, Any], box: QrBox | None, upload: PhotoUpload) -> RequestCreate:
    """The form as the API's schema; every field's message at once, in the form's order."""
    errors: dict[str, str] = {}
    contact = None
    if values["contact_name"] or values["contact_phone"]:
        try:
            contact = parse(
                Contact, {"name": values["contact_name"], "phone": values["contact_phone"]}
            )
        except InvalidInput as exc:
            errors.update({f"contact_{k}": v for k, v in exc.fields.items()})
    data: dict[str, Any] = {
        **{k: values[k] for k in ("category", "title", "description", "address")},
        "confidential": values["confidential"],
    }
    if box is not None:  # the service takes the place, and the unit, from the box
        data.update(channel=Channel.qr_box, box=box.code)
        choose = {"category": CHOOSE["category"]}
    else:
        data.update(channel=Channel.web, town=values["town"], community=values["community"] or None)
        choose = CHOOSE
    try:
        parsed = parse(RequestCreate, data, choose=choose)
    except InvalidInput as exc:
        errors.update(exc.fields)
    for name, label in TYPED.items():  # the summary above the form lists messages alone
        if name in errors:
            errors[name] = f"{label}{errors[name]}" if values[name] else f"请填写{label}"
    if upload.error:
        errors["photos"] = upload.error
    if errors:
        raise InvalidInput(_ordered(errors))
    return parsed.model_copy(update={"contact": contact})


def _ordered(errors: dict[str, str]) -> dict[str, str]:
    order = {name: i for i, name in enumerate((*ORDER, *FIELDS))}
    return dict(sorted(errors.items(), key=lambda e: order.get(e[0], 99)))


@router.get("/report")
def report_form(
    request: Request, db: DbSession, resident: OptionalResident, box: str | None = None
) -> Response:
    values = {
        "idempotency_key": secrets.token_urlsafe(24),
        "contact_phone": resident.phone if resident else "",
    }
    found = _box(db, box[:40]) if box else None
    notice = NO_BOX if box and found is None else ""
    return _form(request, db, values, {}, box=found, resident=resident, notice=notice)


@router.post("/report")
def report(
    request: Request,
    form: FormFields,
    db: DbSession,
    resident: OptionalResident,
    addr: ClientAddr,
) -> Response:
    values = _values(form)
    upload = read_photos(form)
    code = str(form.get("box", ""))[:40]
    box = _box(db, code) if code else None
    if code and box is None:
        # The box was switched off since the poster was scanned: ask for the place instead.
        errors = {"__all__": NO_BOX}
        return _form(request, db, values, errors, 422, resident=resident, upload=upload)
    try:
        data = _read(values, box, upload)
        created, token = service.submit(
            db,
            data=data,
            resident=resident,
            client_addr=addr,
            idempotency_key=values["idempotency_key"],
            photos=upload.photos,
        )
    except MinshengError as exc:
        db.rollback()
        errors = {
            k: v if v in CHOOSE.values() else PLACE_MESSAGES.get(k, v)
            for k, v in errors_of(exc).items()
        }
        if "box" in errors:
            errors["__all__"] = NO_BOX
            del errors["box"]
            box = None
        return _form(
            request, db, values, errors, exc.status, box=box, resident=resident, upload=upload
        )
    if token is not None:
        return RedirectResponse(f"/report/received/{token}", status_code=303)
    if (created.title, created.description) == (data.title, data.description):
        # A double click or a resent form: show the one request the first sending made.
        return RedirectResponse(f"/track?number={created.tracking_number}&again=1", 303)
    # The same form reused for another problem (back button, edit, send): ask once more.
    values["idempotency_key"] = secrets.token_urlsafe(24)
    message = (
        f"这张表单已经提交过一次，编号 {created.tracking_number}。"
        "如果这是另一个问题，请再点一次“提交”。"
    )
    errors = {"__all__": message}
    return _form(request, db, values, errors, 409, box=box, resident=resident, upload=upload)


@router.get("/report/received/{token}")
def received(token: str, request: Request, db: DbSession) -> Response:
    found = by_token(db, token)
    context = {
        "view": service.public_view(found, reporter=True),
        "follow_path": f"/f/{token}",
        "photo_count": len(found.photos),
    }
    response = render(request, "requests/received.html", context)
    response.headers.update(PRIVATE)
    return response


def _tracking_number(raw: str) -> str:
    """What people type from an SMS: spaces, lower case, a full-width dash."""
    return re.sub(r"\s+", "", raw[:100]).replace("－", "-").replace("—", "-").upper()


@router.get("/track")
def track(request: Request, db: DbSession, number: str | None = None) -> Response:
    context: dict[str, Any] = {"values": {"number": number or ""}, "errors": {}, "view": None}
    if number is None:
        return render(request, "requests/track.html", context)
    wanted = _tracking_number(number)
    if not wanted:
        context["errors"] = {"number": "请填写受理编号"}
        return render(request, "requests/track.html", context, status=422)
    try:
        found = service.get_by_tracking(db, tracking_number=wanted)
    except NotFound:
        context["errors"] = {"number": "没有找到这个编号，请核对后再试。编号形如 KS20261126-0001。"}
        return render(request, "requests/track.html", context, status=404)
    context["view"] = service.public_view(found, reporter=False)
    context["outcome"] = found.outcome_label
    context["again"] = request.query_params.get("again") == "1"
    return render(request, "requests/track.html", context)
