"""The guard every request passes: body size, content type, CSRF, security headers.

Written as plain ASGI so the body can be read once, checked, and handed on unchanged.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minsheng.web.errors import api_error, error_page

CSRF_COOKIE = "minsheng_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
API_TYPES = ("application/json", "multipart/form-data")
# Token-authenticated machine endpoints never read the session cookie, so need no CSRF token.
CSRF_EXEMPT = ("/api/", "/open311/", "/healthz")

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
}
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' https:; "
    "script-src 'self' 'unsafe-inline' https:; frame-ancestors 'none'"
)


class TooLarge(Exception):
    pass


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body: int, secure_cookies: bool) -> None:
        self.app = app
        self.max_body = max_body
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is treated as no cookies
            cookie = SimpleCookie()
        token = cookie[CSRF_COOKIE].value if CSRF_COOKIE in cookie else ""
        new_token = "" if len(token) == 43 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = new_token or token

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                csp = DOCS_CSP if path.startswith("/api/v1/docs") else None
                for key, value in SECURITY_HEADERS.items():
                    if key not in out:
                        out[key] = csp if (csp and key == "content-security-policy") else value
                # Pages and answers may carry personal data or a fresh token: never kept in caches.
                if not path.startswith("/static/") and "cache-control" not in out:
                    out["cache-control"] = "no-store"
                if new_token:
                    flags = "; Secure" if self.secure_cookies else ""
                    out.append(
                        "set-cookie",
                        f"{CSRF_COOKIE}={new_token}; Path=/; HttpOnly; SameSite=Lax{flags}",
                    )
            await send(message)

        if scope["method"] not in UNSAFE:
            await self.app(scope, receive, send_with_headers)
            return

        machine = path.startswith(CSRF_EXEMPT)
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            await self._refuse(scope, receive, send_with_headers, 413, machine)
            return
        try:
            body = await self._read(receive)
        except TooLarge:
            await self._refuse(scope, receive, send_with_headers, 413, machine)
            return
        replay = _replay(body, receive)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if path.startswith("/api/") and body and content_type not in API_TYPES:
            await self._refuse(scope, replay, send_with_headers, 415, True)
            return
        if not machine and not await self._csrf_ok(scope, body, token, headers):
            await self._refuse(
                scope,
                _replay(b""),
                send_with_headers,
                403,
                False,
                "页面已过期或来源不明，请返回上一页刷新后再提交。",
            )
            return
        await self.app(scope, _replay(body, receive), send_with_headers)

    async def _read(self, receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _csrf_ok(self, scope: Scope, body: bytes, token: str, headers: Headers) -> bool:
        if not token:
            return False
        sent = headers.get(CSRF_HEADER, "")
        if not sent and body:
            try:
                form = await Request(scope, _replay(body)).form()
                value = form.get(CSRF_FIELD)
                sent = value if isinstance(value, str) else ""
                await form.close()
            except Exception:  # an unreadable form carries no valid token
                sent = ""
        return bool(sent) and hmac.compare_digest(sent, token)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        machine: bool,
        message: str | None = None,
    ) -> None:
        request = Request(scope, receive)
        if machine:
            from minsheng.web.errors import STATUS_MESSAGES

            code, default = STATUS_MESSAGES[status]
            response: Any = api_error(status, code, message or default)
        else:
            response = error_page(request, status, message)
        await response(scope, receive, send)


def _replay(body: bytes, then: Receive | None = None) -> Receive:
    """A receive channel that gives the buffered body, then waits on the real one."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
