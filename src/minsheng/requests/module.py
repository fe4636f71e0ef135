"""The requests module's manifest."""

from fastapi import APIRouter

from minsheng.core.modules import HomeLink, Module, NavItem
from minsheng.requests import api, api_handling, pages, pages_staff, pages_supervise
from minsheng.requests.demo import load_demo
from minsheng.requests.permissions import SUPERVISE_REQUESTS, VIEW_REQUESTS

api_router = APIRouter()
api_router.include_router(api.router)
api_router.include_router(api_handling.router)
pages_router = APIRouter()
pages_router.include_router(pages.router)
pages_router.include_router(pages_staff.router)
pages_router.include_router(pages_supervise.router)

module = Module(
    name="requests",
    models=("minsheng.requests.models",),
    label="诉求",
    api_router=api_router,
    pages_router=pages_router,
    nav=(
        NavItem("诉求工作台", "/staff/requests", VIEW_REQUESTS, order=10),
        NavItem("督办工作台", "/staff/supervise", SUPERVISE_REQUESTS, order=12),
    ),
    home_links=(
        HomeLink("反映问题", "/report", "身边的烦心事，说一声就办", order=10),
        HomeLink("查询进度", "/track", "凭编号查看办到哪一步", order=20),
        HomeLink("公开诉求", "/requests", "大家反映了什么，办得怎么样", order=30),
    ),
    jobs=("minsheng.requests.jobs",),
    demo=load_demo,
    demo_order=50,
)
