"""The GeoReport v2 endpoint under /open311/v2/, with FixMyStreet's servicerequestupdates.

Every call goes through `_serve`: the format, the rate limits, the jurisdiction, the key, then
the work in a savepoint, so a refused call leaves nothing half-written but is itself recorded
in the audit trail (as is every call made with a key). Errors are the specification's document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.routing import Match

from minsheng.audit import service as audit
from minsheng.core import ratelimit
from minsheng.core.db import Actor, set_actor
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.settings import get_settings
from minsheng.open311 import keys, reading, service, updates
from minsheng.open311.formats import FORMATS, Open311Error, error_response, respond
from minsheng.open311.models import ApiKey
from minsheng.open311.params import (
    Params,
    check_jurisdiction,
    collect,
    form_params,
    one,
    refuse_control_characters,
)

log = logging.getLogger(__name__)
router = APIRouter()
BASE = "/open311/v2"
WINDOW = 60


async def _body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(_body)]


@dataclass
class Call:
    """One Open311 call as the work sees it."""

    db: Session
    params: Params
    key: ApiKey | None
    addr: str


def _limited(db: Session, *, key: str, limit: int) -> tuple[bool, bool]:
    """(over the limit, first time over it in this window)."""
    hits = ratelimit.hit(db, key=key, window_seconds=WINDOW)
    return hits > limit, hits == limit + 1


def _record(
    db: Session,
    request: Request,
    key: ApiKey | None,
    status: int,
    detail: dict[str, Any],
) -> None:
    action = "open311_call" if status < 400 else "open311_refused"
    summary = {"method": request.method, "path": request.url.path[:200], "status": status}
    summary.update(detail)
    audit.record(
        db,
        action=action,
        object_type="open311_api_key" if key else "open311",
        object_id=key.id if key else 0,
        summary=summary,
    )


def _serve(
    request: Request,
    db: Session,
    fmt: str,
    addr: str,
    work: Callable[[Call], Response],
    *,
    form: bytes | None = None,
    key_required: bool = False,
) -> Response:
    """Runs one call; see the module's docstring for the order of the checks."""
    settings = get_settings()
    key: ApiKey | None = None
    headers: dict[str, str] | None = None
    over, first = _limited(
        db, key=f"open311:addr:{addr}", limit=settings.open311_per_address_per_minute
    )
    try:
        if fmt not in FORMATS:
            raise Open311Error(404, f"不支持的格式“{fmt[:20]}”：只能是 xml 或 json")
        if over:
            headers = {"Retry-After": str(WINDOW)}
            raise Open311Error(429, "这个地址的调用太频繁，请一分钟后再试")
        params = collect(request.query_params.multi_items())
        if form is not None:
            for name, values in form_params(request.headers.get("content-type", ""), form).items():
                params.setdefault(name, []).extend(values)
        refuse_control_characters(params, request.path_params)
        check_jurisdiction(params)
        plain = one(params, "api_key")
        if plain or key_required:
            key = keys.find(db, plain=plain) if plain else None
            if key is None:
                raise Open311Error(403, "缺少 api_key" if not plain else "api_key 无效或已被吊销")
            set_actor(db, Actor("integration", key.id, f"{key.name}（Open311）", addr))
            over, first = _limited(
                db, key=f"open311:key:{key.id}", limit=settings.open311_per_key_per_minute
            )
            if over:
                headers = {"Retry-After": str(WINDOW)}
                raise Open311Error(429, "这个接口密钥的调用太频繁，请一分钟后再试")
        with db.begin_nested():
            response = work(Call(db=db, params=params, key=key, addr=addr))
    except Open311Error as exc:
        if exc.status != 429 or first:  # a flood is recorded once per window, not per call
            _record(db, request, key, exc.status, {"error": exc.errors[0][1][:200]})
        return error_response(fmt, exc.errors, headers=headers)
    except DataError:
        # A value the database cannot hold; nothing of this call was kept.
        return error_response(fmt, [(400, "提交的数据超出了允许的范围")])
    except (IntegrityError, StaleDataError):
        # Someone changed the same request at that moment; nothing of this call was kept.
        log.info("open311 conflict on %s %s", request.method, request.url.path)
        return error_response(fmt, [(409, "这件诉求刚被修改过，请稍后重试")])
    if key is not None:
        _record(db, request, key, response.status_code, {})
    return response


@router.get(f"{BASE}/discovery.{{fmt}}")
def discovery(fmt: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    return _serve(
        request, db, fmt, addr, lambda c: respond(fmt, "discovery", None, service.discovery(c.db))
    )


@router.get(f"{BASE}/services.{{fmt}}")
def services(fmt: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    return _serve(
        request,
        db,
        fmt,
        addr,
        lambda c: respond(fmt, "services", "service", service.services(c.db)),
    )


@router.get(f"{BASE}/services/{{code}}.{{fmt}}")
def definition(code: str, fmt: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    return _serve(
        request,
        db,
        fmt,
        addr,
        lambda c: respond(fmt, "service_definition", None, service.definition(c.db, code=code)),
    )


def _filed(fmt: str) -> Callable[[Call], Response]:
    def work(call: Call) -> Response:
        assert call.key is not None
        filed = service.create(call.db, key=call.key, params=call.params, client_addr=call.addr)
        body = [service.created_document(filed)]
        return respond(fmt, "service_requests", "request", body, status=200 if filed.again else 201)

    return work


@router.post(f"{BASE}/requests.{{fmt}}")
def create(fmt: str, request: Request, db: DbSession, addr: ClientAddr, body: Body) -> Response:
    return _serve(request, db, fmt, addr, _filed(fmt), form=body, key_required=True)


@router.get(f"{BASE}/requests.{{fmt}}")
def find(fmt: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    return _serve(
        request,
        db,
        fmt,
        addr,
        lambda c: respond(fmt, "service_requests", "request", reading.find(c.db, c.params)),
    )


@router.get(f"{BASE}/requests/{{number}}.{{fmt}}")
def get_one(number: str, fmt: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    def work(call: Call) -> Response:
        found = reading.get_one(call.db, service_request_id=number)
        return respond(fmt, "service_requests", "request", [found])

    return _serve(request, db, fmt, addr, work)


@router.get(f"{BASE}/tokens/{{token}}.{{fmt}}")
def token(token: str, fmt: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    def work(call: Call) -> Response:
        found = reading.by_token(call.db, token=token)
        return respond(fmt, "service_requests", "request", [found])

    return _serve(request, db, fmt, addr, work)


@router.get(f"{BASE}/servicerequestupdates.{{fmt}}")
def list_updates(fmt: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    def work(call: Call) -> Response:
        found = updates.find(call.db, call.params)
        return respond(fmt, "service_request_updates", "request_update", found)

    return _serve(request, db, fmt, addr, work)


@router.post(f"{BASE}/servicerequestupdates.{{fmt}}")
def post_update(
    fmt: str, request: Request, db: DbSession, addr: ClientAddr, body: Body
) -> Response:
    def work(call: Call) -> Response:
        assert call.key is not None
        posted = updates.post(call.db, key=call.key, params=call.params)
        document = [updates.posted_document(posted)]
        return respond(fmt, "service_request_updates", "request_update", document)

    return _serve(request, db, fmt, addr, work, form=body, key_required=True)


@router.api_route(
    "/open311/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
)
def unknown(rest: str, request: Request, db: DbSession, addr: ClientAddr) -> Response:
    """Anything else under /open311/ still answers with the specification's error document."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    known = any(
        route.matches(request.scope)[0] == Match.PARTIAL
        for route in router.routes
        if getattr(route, "endpoint", None) is not unknown
    )

    def work(call: Call) -> Response:
        if known:
            raise Open311Error(405, f"这个接口不支持 {request.method} 方式")
        raise Open311Error(404, "没有这个接口，请参看 discovery 文档")

    return _serve(request, db, fmt, addr, work)
