"""Reading requests back over Open311: the list, one request, a token. No personal data.

Who is listed: requests allowed on the public list (not confidential, the reporter did not
object). What is shown depends on where a request came from. One filed through Open311 shows
the client's own description, address, coordinates and media link (the client published them
already). Any other shows its title as description and only its town and community as address,
no coordinates: what Minsheng's own public list shows. Phone and ID numbers in any text are
masked, names and contact details are never output.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from minsheng.core.db import utcnow
from minsheng.open311.formats import Open311Error, w3c
from minsheng.open311.models import Open311Request
from minsheng.open311.params import Params, one, parse_w3c
from minsheng.open311.service import service_category, service_notice
from minsheng.requests.models import Channel, CitizenRequest, Status
from minsheng.requests.pages_public import mask_numbers

MAX_DAYS = 90
MAX_RECORDS = 1000
MAX_IDS = 200
# Events whose words are the unit's answer to the resident: the latest is the status notes.
ANSWERS = ("reply", "closed")


def _listed() -> Select[CitizenRequest]:
    return (
        select(CitizenRequest)
        .where(CitizenRequest.public.is_(True), CitizenRequest.confidential.is_(False))
        .options(
            selectinload(CitizenRequest.events),
            selectinload(CitizenRequest.category),
            selectinload(CitizenRequest.unit),
            selectinload(CitizenRequest.region),
            selectinload(CitizenRequest.town),
            selectinload(CitizenRequest.merged_into),
        )
    )


def _filed(db: Session, requests: list[CitizenRequest]) -> dict[int, Open311Request]:
    ids = [r.id for r in requests if r.channel == Channel.open311]
    if not ids:
        return {}
    rows = db.scalars(select(Open311Request).where(Open311Request.request_id.in_(ids)))
    return {row.request_id: row for row in rows}


def status_notes(request: CitizenRequest) -> str | None:
    if request.status == Status.merged and request.merged_into is not None:
        return f"与 {request.merged_into.tracking_number} 反映的是同一问题，已合并办理。"
    answers = [e for e in request.events if e.public and e.kind in ANSWERS]
    return mask_numbers(answers[-1].text) if answers else None


def document(request: CitizenRequest, filed: Open311Request | None) -> dict[str, Any]:
    """One request in the specification's order of fields."""
    public_events = [e for e in request.events if e.public]
    updated = max((e.at for e in public_events), default=request.received_at)
    region = request.region
    if filed is not None:
        description = mask_numbers(filed.description) or None
        address = mask_numbers(request.address) or None
        lat, lon, media = request.latitude, request.longitude, filed.media_url or None
    else:
        description = mask_numbers(request.title)
        names = [r.name for r in (request.town, region) if r is not None]
        address = "".join(dict.fromkeys(names)) or None
        lat = lon = media = None
    return {
        "service_request_id": request.tracking_number,
        "status": "open" if request.is_open else "closed",
        "status_notes": status_notes(request),
        "service_name": request.category.name,
        "service_code": request.category.code,
        "description": description,
        "agency_responsible": request.unit.name if request.unit else None,
        "service_notice": service_notice(request),
        "requested_datetime": w3c(request.received_at),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(request.resolve_due_at),
        "address": address,
        "address_id": (region.code or None) if region is not None else None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": media,
    }


def _documents(db: Session, requests: list[CitizenRequest]) -> list[dict[str, Any]]:
    filed = _filed(db, requests)
    return [document(r, filed.get(r.id)) for r in requests]


def window(params: Params, *, days: int = MAX_DAYS) -> tuple[dt.datetime, dt.datetime]:
    """start_date and end_date, at most 90 days apart; by default the latest `days` days."""
    start_text, end_text = one(params, "start_date"), one(params, "end_date")
    start = parse_w3c("start_date", start_text) if start_text else None
    end = parse_w3c("end_date", end_text) if end_text else None
    span = dt.timedelta(days=MAX_DAYS)
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, "end_date 不能早于 start_date")
        if end - start > span:
            raise Open311Error(400, f"start_date 和 end_date 相隔不能超过 {MAX_DAYS} 天")
        return start, end
    if start is not None:
        return start, start + span
    end = end or utcnow()
    return end - dt.timedelta(days=days), end


def find(db: Session, params: Params) -> list[dict[str, Any]]:
    """GET requests: by ids (which override every other filter), else by service, dates and
    status, newest first, at most 1,000."""
    ids = [i.strip() for i in one(params, "service_request_id").split(",") if i.strip()]
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, f"service_request_id 一次最多 {MAX_IDS} 个")
        wanted = [i.upper()[:20] for i in ids]
        query = _listed().where(CitizenRequest.tracking_number.in_(wanted))
        found = {r.tracking_number: r for r in db.scalars(query)}
        return _documents(db, [found[i] for i in dict.fromkeys(wanted) if i in found])
    query = _listed()
    codes = [c.strip() for c in one(params, "service_code").split(",") if c.strip()]
    if codes:
        categories = [service_category(db, code) for code in codes]
        query = query.where(CitizenRequest.category_id.in_([c.id for c in categories]))
    statuses = {s.strip().lower() for s in one(params, "status").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed（可用逗号分隔）")
    if statuses == {"open"}:
        query = query.where(CitizenRequest.status.not_in((Status.closed, Status.merged)))
    elif statuses == {"closed"}:
        query = query.where(CitizenRequest.status.in_((Status.closed, Status.merged)))
    start, end = window(params)
    query = query.where(CitizenRequest.received_at >= start, CitizenRequest.received_at <= end)
    query = query.order_by(CitizenRequest.received_at.desc(), CitizenRequest.id.desc())
    return _documents(db, list(db.scalars(query.limit(MAX_RECORDS))))


def get_one(db: Session, *, service_request_id: str) -> dict[str, Any]:
    number = service_request_id.strip().upper()[:30]
    request = db.scalar(_listed().where(CitizenRequest.tracking_number == number))
    if request is None:
        raise Open311Error(404, f"service_request_id 不存在：{service_request_id[:30]}")
    return _documents(db, [request])[0]


def by_token(db: Session, *, token: str) -> dict[str, Any]:
    """tokens/{token}: the number of the request the token was given for."""
    record = db.scalar(select(Open311Request).where(Open311Request.token == token[:40]))
    if record is None or len(token) > 40:
        raise Open311Error(404, f"token 不存在：{token[:40]}")
    return {"service_request_id": record.request.tracking_number, "token": record.token}
