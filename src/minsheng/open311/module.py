"""The open311 module's manifest."""

from fastapi import APIRouter

from minsheng.core.modules import Module, NavItem
from minsheng.open311 import api, api_keys, pages
from minsheng.open311.demo import load_demo
from minsheng.open311.permissions import MANAGE_API_KEYS, MANAGE_ATTRIBUTES

# The GeoReport endpoint lives at /open311/v2/, outside /api/v1, so it rides with the pages.
pages_router = APIRouter()
pages_router.include_router(api.router)
pages_router.include_router(pages.router)

module = Module(
    name="open311",
    label="Open311 对接",
    models=("minsheng.open311.models",),
    api_router=api_keys.router,
    pages_router=pages_router,
    nav=(
        NavItem("Open311 接口密钥", "/staff/api-keys", MANAGE_API_KEYS, order=88),
        NavItem("补充问题", "/staff/open311/attributes", MANAGE_ATTRIBUTES, order=89),
    ),
    # After the categories (routing, 30).
    demo=load_demo,
    demo_order=40,
)
