"""The guides module's manifest: catalogue, search, cards, bundles, reading pages, feedback."""

from fastapi import APIRouter

from minsheng.core.modules import HomeLink, Module, NavItem
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
    ),
    home_links=(
        HomeLink("办事指南", "/guides", "办什么事、带什么材料、去哪里办，一次讲清", order=20),
    ),
    # After the units (org) and the categories (routing); before the requests' demo year.
    demo=load_demo,
    demo_order=45,
)
