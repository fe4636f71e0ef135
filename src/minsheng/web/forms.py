"""Reading HTML forms into the same Pydantic schemas the API uses, with Chinese messages."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from minsheng.core.errors import InvalidInput, MinshengError

Schema = TypeVar("Schema", bound=BaseModel)

MESSAGES = {
    "missing": "请填写这一项",
    "string_too_short": "请填写这一项",
    "string_too_long": "太长了，最多 {max_length} 个字",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "请填写整数",
    "int_type": "请填写整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "enum": "请从列表中选择",
    "literal_error": "请从列表中选择",
    "bool_parsing": "请选择是或否",
    "too_long": "最多 {max_length} 项",
    "json_invalid": "不是有效的 JSON",
    "dict_type": "格式不正确",
    "model_type": "格式不正确",
    "string_type": "请填写文字",
}


def field_message(error: dict[str, Any] | Any) -> str:
    """A Pydantic error as a sentence a person can act on."""
    kind = error.get("type", "")
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error.get("msg", "")))
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length", 1) > 1:
        return "至少 {min_length} 个字".format(**error["ctx"])
    template = MESSAGES.get(kind, "格式不正确")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return "格式不正确"


def parse(
    schema: type[Schema], data: dict[str, Any], *, choose: dict[str, str] | None = None
) -> Schema:
    """Validates form data, raising InvalidInput keyed by field name.

    `choose` gives the message for a required select left on its empty option.
    """
    unchosen = {k: v for k, v in (choose or {}).items() if data.get(k) in (None, "")}
    try:
        result = schema.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = dict(unchosen)
        for error in exc.errors():
            loc = error.get("loc") or ("__all__",)
            fields.setdefault(str(loc[0]), field_message(error))
        raise InvalidInput(fields) from None
    if unchosen:
        raise InvalidInput(unchosen)
    return result


def optional_number(value: Any) -> Any:
    """An empty number field means none; anything else is left for the schema to judge."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def optional_int(value: Any) -> int | None:
    """Form selects send "" for none."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1  # an id that matches nothing, so the service says what is wrong
    return number if abs(number) < 2**63 else -1  # beyond any database's integer


async def read_form(request: Request) -> dict[str, Any]:
    """The submitted form as a plain dict (repeated fields as lists), without the CSRF token.

    Used as a dependency, so that page handlers can stay plain functions run in the thread
    pool: database waits then never block the event loop.
    """
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = form.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return data


FormFields = Annotated[dict[str, Any], Depends(read_form)]


def errors_of(exc: MinshengError) -> dict[str, str]:
    """Field messages for a form: per field when known, else one message for the whole form."""
    return exc.fields if isinstance(exc, InvalidInput) else {"__all__": exc.message}
