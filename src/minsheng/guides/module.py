"""The guides module's manifest: catalogue, search, cards, bundles, reading pages, feedback."""

from collections.abc import Callable

from fastapi import APIRouter
from sqlalchemy.orm import Session

from minsheng.core.modules import HomeLink, Module, NavItem
from minsheng.core.settings import get_settings
from minsheng.guides import (
    api,
    pages_ask,
    pages_bundles,
    pages_cards,
    pages_feedback,
    pages_import,
    pages_public,
    pages_search,
    pages_staff,
    pages_synonyms,
)
from minsheng.guides.demo import load_demo
from minsheng.guides.permissions import EDIT_GUIDES, MANAGE_GUIDES, VIEW_GUIDE_FEEDBACK


def _demo(db: Session, progress: Callable[[str], None]) -> None:
    """The guides' demo unless MINSHENG_DEMO_GUIDES=0 (the tests' default; guides tests call
    demo.load_demo themselves)."""
    if get_settings().demo_guides:
        load_demo(db, progress)


# The fixed words (/guides/cards, /guides/steps, /staff/guides/import …) before /guides/{code}.
pages_router = APIRouter()
for area in (
    pages_search,
    pages_cards,
    pages_bundles,
    pages_import,
    pages_synonyms,
    pages_feedback,
    pages_ask,
    pages_staff,
    pages_public,
):
    pages_router.include_router(area.router)

module = Module(
    name="guides",
    label="办事指南",
    models=("minsheng.guides.models",),
    api_router=api.router,
    pages_router=pages_router,
    nav=(
        NavItem("办事指南", "/staff/guides", EDIT_GUIDES, order=50),
        NavItem("指南意见", "/staff/guides/feedback", VIEW_GUIDE_FEEDBACK, order=51),
        NavItem("知晓卡", "/staff/guides/cards", MANAGE_GUIDES, order=52),
        NavItem("一件事指南", "/staff/guides/bundles", MANAGE_GUIDES, order=53),
    ),
    home_links=(
        HomeLink("办事指南", "/guides", "办什么事、带什么材料、去哪里办，一次讲清", order=20),
    ),
    # After the units (org) and the categories (routing); before the requests' demo year.
    demo=_demo,
    demo_order=45,
)
