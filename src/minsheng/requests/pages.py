"""Residents' pages: report a problem, then follow it by its number or by the secret link."""

from __future__ import annotations

import re
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, MinshengError, NotFound
from minsheng.core.tree import ancestor_ids
from minsheng.org import service as org
from minsheng.org.models import Region, RegionLevel
from minsheng.requests import service
from minsheng.requests.models import Channel, CitizenRequest
from minsheng.requests.schemas import Contact, RequestCreate
from minsheng.routing import service as routing
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()

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
TYPED = {"title": "标题", "description": "详细情况"}
CHOOSE = {"category": "请选择问题类别", "town": "请选择所在的区镇"}
# Service messages about places quote what was sent; the selects only offer valid places.
PLACE_MESSAGES = {
    "town": "请从列表中选择区镇",
    "community": "所选的社区或村不在这个区镇里，请重新选择",
}
# The key is made by this page; anything else is ignored rather than trusted.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,80}$")
TOWN_LEVELS = (RegionLevel.town, RegionLevel.zone)
# Pages that carry the secret follow token: never cached, never indexed.
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

Options = list[tuple[str, str]]
Groups = list[tuple[str | None, Options]]


def _key(region: Region) -> str:
    """What a place select sends: the division code, else the id (the service takes both)."""
    return region.code or str(region.id)


def _category_groups(db: Session) -> Groups:
    """Active public categories, one group per top-level category; lone ones share a group."""
    categories = routing.list_categories(db, active_only=True, public_only=True)
    ids = {c.id for c in categories}
    groups: Groups = []
    lone: Options = []
    for category in categories:
        if any(i in ids for i in ancestor_ids(category.path)[:-1]):
            continue
        below = [c for c in categories if c.path.startswith(category.path) and c is not category]
        if not below:
            lone.append((category.code, category.name))
            continue
        depth = category.path.count("/")
        options = [(c.code, "　" * (c.path.count("/") - depth - 1) + c.name) for c in below]
        options.append((category.code, f"其他{category.name}问题"))
        groups.append((category.name, options))
    if lone:
        groups.append(("更多类别", lone))
    return groups


def _places(db: Session) -> tuple[Options, Groups]:
    """The towns and zones, and their communities and villages grouped by town."""
    regions = org.list_regions(db, active_only=True)
    towns = [r for r in regions if r.level in TOWN_LEVELS]
    communities: Groups = []
    for town in towns:
        below = [
            (_key(r), r.name) for r in regions if r.path.startswith(town.path) and r is not town
        ]
        if below:
            communities.append((town.name, below))
    return [(_key(t), t.name) for t in towns], communities


def _form(
    request: Request,
    db: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    towns, communities = _places(db)
    context = {
        "values": values,
        "errors": errors,
        "categories": _category_groups(db),
        "towns": towns,
        "communities": communities,
    }
    return render(request, "requests/report.html", context, status=status)


def _values(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["confidential"] = form.get("confidential") == "on"
    key = str(form.get("idempotency_key", ""))
    values["idempotency_key"] = key if IDEMPOTENCY_KEY.match(key) else secrets.token_urlsafe(24)
    return values


def _read(values: dict[str, Any]) -> RequestCreate:
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
    data = {
        **{k: values[k] for k in ("category", "title", "description", "town", "address")},
        "community": values["community"] or None,
        "confidential": values["confidential"],
        "channel": Channel.web,
    }
    try:
        parsed = parse(RequestCreate, data, choose=CHOOSE)
    except InvalidInput as exc:
        errors.update(exc.fields)
    for name, label in TYPED.items():  # the summary above the form lists messages alone
        if name in errors:
            errors[name] = f"{label}{errors[name]}" if values[name] else f"请填写{label}"
    if errors:
        order = {name: i for i, name in enumerate(FIELDS)}
        raise InvalidInput(dict(sorted(errors.items(), key=lambda e: order.get(e[0], 99))))
    return parsed.model_copy(update={"contact": contact})


@router.get("/report")
def report_form(request: Request, db: DbSession, resident: OptionalResident) -> Response:
    values = {
        "idempotency_key": secrets.token_urlsafe(24),
        "contact_phone": resident.phone if resident else "",
    }
    return _form(request, db, values, {})


@router.post("/report")
def report(
    request: Request,
    form: FormFields,
    db: DbSession,
    resident: OptionalResident,
    addr: ClientAddr,
) -> Response:
    values = _values(form)
    try:
        data = _read(values)
        created, token = service.submit(
            db,
            data=data,
            resident=resident,
            client_addr=addr,
            idempotency_key=values["idempotency_key"],
        )
    except MinshengError as exc:
        db.rollback()
        errors = {
            k: v if v in CHOOSE.values() else PLACE_MESSAGES.get(k, v)
            for k, v in errors_of(exc).items()
        }
        return _form(request, db, values, errors, exc.status)
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
    return _form(request, db, values, {"__all__": message}, 409)


def _by_token(db: Session, token: str) -> CitizenRequest:
    found = service.get_by_follow_token(db, token=token[:100])
    if found is None:
        raise NotFound("没有找到这条跟踪链接，请核对短信里的链接是否完整，或凭编号查询进度。")
    return found


@router.get("/report/received/{token}")
def received(token: str, request: Request, db: DbSession) -> Response:
    found = _by_token(db, token)
    context = {"view": service.public_view(found, reporter=True), "follow_path": f"/f/{token}"}
    response = render(request, "requests/received.html", context)
    response.headers.update(PRIVATE)
    return response


@router.get("/f/{token}")
def follow(token: str, request: Request, db: DbSession) -> Response:
    view = service.public_view(_by_token(db, token), reporter=True)
    response = render(request, "requests/follow.html", {"view": view})
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
    context["again"] = request.query_params.get("again") == "1"
    return render(request, "requests/track.html", context)
