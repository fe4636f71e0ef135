"""Finding the Chinese a person may read in templates and modules, for the tests that check every
text has an English translation."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

CHINESE = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# Keyword arguments read only by the OpenAPI document.
API_ONLY = {"title", "description", "summary", "examples"}


def _files(where: Path | Iterable[Path]) -> list[Path]:
    """A folder's templates, or the templates given."""
    return sorted(where.glob("*.html")) if isinstance(where, Path) else list(where)


def template_texts(where: Path | Iterable[Path]) -> set[str]:
    """Quoted Chinese in the templates (what `_()` is given)."""
    found: set[str] = set()
    for path in _files(where):
        for quoted in re.findall(r"""["']([^"'{}<>]*)["']""", path.read_text(encoding="utf-8")):
            if CHINESE.search(quoted):
                found.add(quoted)
    return found


def chinese_outside_the_translator(where: Path | Iterable[Path]) -> list[str]:
    """Templates with Chinese written outside `{{ _() }}` and other tags."""
    return [
        path.name
        for path in _files(where)
        if CHINESE.search(JINJA.sub("", path.read_text(encoding="utf-8")))
    ]


def code_texts(path: Path) -> set[str]:
    """Chinese string constants a person may read: not docstrings, f-strings or API titles."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in ast.walk(node))
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in API_ONLY:
                    skip.update(id(part) for part in ast.walk(keyword.value))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CHINESE.search(node.value)
    }
