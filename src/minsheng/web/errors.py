"""One answer for every failure: the API error shape for machines, a Chinese page for people."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from minsheng.core.errors import MinshengError, NotAuthenticated
from minsheng.web.forms import field_message

log = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/api/", "/open311/", "/healthz")

STATUS_MESSAGES = {
    400: ("bad_request", "请求有误。"),
    401: ("not_authenticated", "请先登录。"),
    403: ("forbidden", "您没有权限访问这个页面。"),
    404: ("not_found", "没有找到您要的页面，它可能已被移走。"),
    405: ("method_not_allowed", "不支持这种访问方式。"),
    409: ("conflict", "与已有记录冲突。"),
    413: ("payload_too_large", "提交的内容太大了。"),
    415: ("unsupported_media_type", "请以 JSON 格式（Content-Type: application/json）提交。"),
    422: ("validation_error", "填写的内容有误，请按提示修改。"),
    429: ("rate_limited", "操作太频繁，请稍后再试。"),
    500: ("internal_error", "系统出了点问题，我们已经记录下来，请稍后再试。"),
}


def is_machine(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES)


def api_error(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


def error_page(request: Request, status: int, message: str | None = None) -> Response:
    from minsheng.web.templating import render

    code, default = STATUS_MESSAGES.get(status, ("error", "出错了。"))
    return render(
        request, "error.html", {"status": status, "message": message or default}, status=status
    )


def respond(
    request: Request,
    status: int,
    code: str | None = None,
    message: str | None = None,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    default_code, default_message = STATUS_MESSAGES.get(status, ("error", "出错了。"))
    if is_machine(request.url.path):
        return api_error(status, code or default_code, message or default_message, details, headers)
    response = error_page(request, status, message)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _validation_details(exc: RequestValidationError) -> tuple[int, str, str, list[dict[str, Any]]]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "invalid_json", "请求内容不是有效的 JSON。", []
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            "message": field_message(e),
        }
        for e in errors
    ]
    return 422, "validation_error", "提交的数据不符合要求。", details


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every exception into a proper answer."""

    @app.exception_handler(MinshengError)
    async def _domain(request: Request, exc: MinshengError) -> Response:
        if isinstance(exc, NotAuthenticated) and not is_machine(request.url.path):
            login = (
                "/resident/login"
                if request.url.path in ("/me",) or request.url.path.startswith("/me/")
                else "/login"
            )
            return RedirectResponse(f"{login}?next={request.url.path}", status_code=303)
        headers = {"Retry-After": str(exc.retry_after)} if hasattr(exc, "retry_after") else None
        if isinstance(exc, NotAuthenticated):
            headers = {"WWW-Authenticate": "Bearer"}
        return respond(request, exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        status, code, message, details = _validation_details(exc)
        return respond(request, status, code, message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code not in STATUS_MESSAGES
            else None
        )
        return respond(
            request, exc.status_code, message=message, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # A number or text the database cannot hold (an id of 30 digits) is the sender's error.
        log.info("refused out-of-range input on %s %s: %s", request.method, request.url.path, exc)
        return respond(request, 400, message="提交的数据超出了允许的范围。")

    @app.exception_handler(IntegrityError)
    @app.exception_handler(StaleDataError)
    async def _conflict(request: Request, exc: Exception) -> Response:
        # Two people saving the same thing at once: the second is told, nothing is overwritten.
        log.info("conflict on %s %s: %s", request.method, request.url.path, exc)
        message = "这条记录刚被别人修改过，或与已有记录重复。请刷新页面后再试。"
        return respond(request, 409, code="conflict", message=message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, 500)
