"""Errors a service raises; the web layer turns each into a page or the API error shape."""

from __future__ import annotations

from typing import Any


class MinshengError(Exception):
    """An error a person can act on; `message` is written for them, in Chinese."""

    status = 400
    code = "bad_request"
    message = "请求有误。"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, details: Any = None
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.details = details
        super().__init__(self.message)


class InvalidInput(MinshengError):
    """Input that failed validation; `fields` maps a field name to its message."""

    status = 422
    code = "validation_error"
    message = "填写的内容有误，请按提示修改。"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        self.fields = fields
        super().__init__(message, details=[{"field": k, "message": v} for k, v in fields.items()])


class NotAuthenticated(MinshengError):
    status = 401
    code = "not_authenticated"
    message = "请先登录。"


class Forbidden(MinshengError):
    status = 403
    code = "forbidden"
    message = "您没有权限进行此操作。"


class NotFound(MinshengError):
    status = 404
    code = "not_found"
    message = "没有找到您要的内容。"


class Conflict(MinshengError):
    status = 409
    code = "conflict"
    message = "与已有记录冲突。"


class TooManyRequests(MinshengError):
    status = 429
    code = "rate_limited"
    message = "操作太频繁，请稍后再试。"

    def __init__(self, message: str | None = None, *, retry_after: int = 60) -> None:
        self.retry_after = retry_after
        super().__init__(message, details={"retry_after": retry_after})
