"""The module registry: each module's manifest is its whole contract with the core.

Modules are found through the `minsheng.modules` entry point group, so adding one
means writing its package and one line in pyproject.toml, and nothing in the core.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.orm import Session

    from minsheng.core.permissions import Permission


@dataclass(frozen=True)
class NavItem:
    """A link in the staff navigation, shown to those holding `permission`."""

    label: str
    path: str
    permission: Permission | None = None
    order: int = 100


@dataclass(frozen=True)
class HomeLink:
    """A tile on the residents' home page (report a problem, find a guide, ...)."""

    label: str
    path: str
    description: str = ""
    icon: str = ""
    order: int = 100


DemoLoader = Callable[["Session", Callable[[str], None]], None]


@dataclass(frozen=True)
class Module:
    """What a module brings: routers, navigation, jobs, demo data."""

    name: str
    label: str
    api_router: APIRouter | None = None
    pages_router: APIRouter | None = None
    nav: tuple[NavItem, ...] = ()
    home_links: tuple[HomeLink, ...] = ()
    models: tuple[str, ...] = ()  # dotted modules declaring its tables
    jobs: tuple[str, ...] = ()  # dotted modules whose import declares jobs and event handlers
    demo: DemoLoader | None = None
    demo_order: int = 100
    extra: dict[str, Any] = field(default_factory=dict)


@functools.cache
def load_modules() -> tuple[Module, ...]:
    """Every installed module, in a stable order."""
    found: list[Module] = []
    for ep in entry_points(group="minsheng.modules"):
        module = ep.load()
        if not isinstance(module, Module):
            raise TypeError(f"entry point {ep.name} is not a minsheng Module")
        found.append(module)
    return tuple(sorted(found, key=lambda m: m.name))


def import_jobs() -> None:
    """Imports every module's job declarations so the job registry is complete."""
    importlib.import_module("minsheng.core.events")
    for module in load_modules():
        for dotted in module.jobs:
            importlib.import_module(dotted)


def import_models() -> None:
    """Imports every module's models so the metadata is complete (migrations, tests)."""
    for dotted in ("minsheng.core.ratelimit", "minsheng.core.jobs"):
        importlib.import_module(dotted)
    for module in load_modules():
        for dotted in module.models:
            importlib.import_module(dotted)


def home_links() -> list[HomeLink]:
    """The residents' home page tiles, from every module, in order."""
    return sorted(
        (link for m in load_modules() for link in m.home_links), key=lambda link: link.order
    )


def nav_items() -> list[NavItem]:
    """Every staff navigation entry, from every module, in order."""
    return sorted((i for m in load_modules() for i in m.nav), key=lambda i: (i.order, i.path))
