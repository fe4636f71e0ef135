"""GeoReport v2 documents in XML and JSON, and the specification's error document.

Every answer is built as plain dicts (keys in the specification's order) and rendered here, so
the two formats cannot drift apart. Empty values are empty elements in XML and null in JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET  # noqa: S405 - only writes XML, never parses what it is sent
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import Response

from minsheng.core.settings import get_settings

FORMATS = ("xml", "json")
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# The element each item of a list is wrapped in, by the list's own element name.
ITEM_NAMES = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    """One or more errors answered with the specification's error document."""

    def __init__(self, status: int, description: str, *more: tuple[int, str]) -> None:
        self.status = status
        self.errors = [(status, description), *more]
        super().__init__(description)


def w3c(value: dt.datetime | None) -> str | None:
    """A stored time as W3C ISO 8601 in the installation's zone: 2026-11-26T09:30:00+08:00."""
    if value is None:
        return None
    local = value.astimezone(ZoneInfo(get_settings().timezone))
    return local.replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _element(child, key, inner)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(name, "item")
        for item in value:
            _element(child, item_name, item)
    else:
        child.text = _text(value)


def xml_document(root: str, item: str | None, body: dict[str, Any] | Sequence[Any]) -> str:
    """`<root><item>…</item>…</root>` for a list, `<root>…</root>` for one object."""
    top = ET.Element(root)
    if isinstance(body, dict):
        for key, value in body.items():
            _element(top, key, value)
    else:
        assert item is not None
        for entry in body:
            _element(top, item, entry)
    ET.indent(top)
    return XML_DECLARATION + ET.tostring(top, encoding="unicode") + "\n"


def respond(
    fmt: str,
    root: str,
    item: str | None,
    body: dict[str, Any] | Sequence[Any],
    *,
    status: int = 200,
) -> Response:
    """The document in the format the path asked for."""
    if fmt == "xml":
        return Response(xml_document(root, item, body), status_code=status, media_type=XML_TYPE)
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status_code=status, media_type=JSON_TYPE)


def error_response(
    fmt: str, errors: Sequence[tuple[int, str]], *, headers: dict[str, str] | None = None
) -> Response:
    """The specification's errors document; the HTTP status is the first error's code.

    A format other than xml or json cannot be honoured, so it is answered in JSON.
    """
    body = [{"code": code, "description": description} for code, description in errors]
    response = respond(fmt if fmt == "xml" else "json", "errors", "error", body)
    response.status_code = errors[0][0]
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
