"""Reading Open311 parameters: W3C datetimes, form bodies, repeated values, the jurisdiction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from minsheng.core.settings import get_settings
from minsheng.open311.formats import Open311Error

# W3C-DTF as the specification uses it: a date, or a date and time with its zone.
W3C = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$"
)
# Control characters other than tab and line breaks: nothing a person typed on purpose, and
# not allowed in XML 1.0.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 500

Params = Mapping[str, list[str]]


def parse_w3c(name: str, text: str) -> dt.datetime:
    """A W3C datetime such as 2026-11-26T09:30:00+08:00 or 2026-11-26T01:30:00Z; a bare date
    is the start of that day in the installation's zone. Anything else is a 400."""
    value = text.strip()
    if not W3C.match(value):
        raise Open311Error(
            400, f"{name} 的格式不对，应为 W3C 日期时间，例如 2026-11-26T09:30:00+08:00"
        )
    try:
        if "T" not in value:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(), ZoneInfo(get_settings().timezone))
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(400, f"{name} 不是一个存在的日期时间：{value[:40]}") from None


def form_params(content_type: str, body: bytes) -> dict[str, list[str]]:
    """A form-encoded body as name → values; any other content type is refused."""
    kind = content_type.split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise Open311Error(
            400, f"请以表单编码（Content-Type: {FORM_TYPE}）提交，收到的是“{kind[:60] or '无'}”"
        )
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Open311Error(400, "表单内容无法读取：需为 UTF-8 编码，且不超过 500 个字段") from None
    return collect(pairs)


def collect(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in pairs:
        found.setdefault(key, []).append(value)
    return found


def one(params: Params, *names: str) -> str:
    """The first non-empty value of the first name given (aliases like device_id, deviceid)."""
    for name in names:
        for value in params.get(name, []):
            if value.strip():
                return value.strip()
    return ""


def clean_text(name: str, value: str, limit: int) -> str:
    """Free text within `limit` characters, without control characters."""
    if CONTROL.search(value):
        raise Open311Error(400, f"{name} 含有无法识别的控制字符")
    if len(value) > limit:
        raise Open311Error(400, f"{name} 太长了：最多 {limit} 个字符，收到 {len(value)} 个")
    return value


def refuse_control_characters(params: Params, path: Mapping[str, str]) -> None:
    """No parameter may carry control characters: PostgreSQL cannot store NUL, XML cannot
    carry the others, and none is anything a person meant to send."""
    named = [(k, v) for k, values in params.items() for v in values] + list(path.items())
    for name, value in named:
        if CONTROL.search(value) or CONTROL.search(name):
            raise Open311Error(400, f"{CONTROL.sub('?', name)[:40]} 含有无法识别的控制字符")


def check_jurisdiction(params: Params) -> None:
    """One installation answers for one jurisdiction; naming another is the spec's 404."""
    given = one(params, "jurisdiction_id")
    if given and given != get_settings().jurisdiction_id:
        raise Open311Error(404, f"jurisdiction_id 不存在：{given[:40]}")


def check_media_url(name: str, value: str) -> str:
    """A link to a photo or video: http or https only, so nothing local is ever fetched."""
    if not value:
        return ""
    clean_text(name, value, 1000)
    if not re.match(r"^https?://[^\s/]+", value, re.IGNORECASE) or any(c.isspace() for c in value):
        raise Open311Error(400, f"{name} 需为 http 或 https 开头的完整链接")
    return value
