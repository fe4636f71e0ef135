"""The feedback module's manifest."""

from fastapi import APIRouter

from minsheng.core.modules import HomeLink, Module, NavItem
from minsheng.feedback import api, api_sms, pages
from minsheng.feedback.permissions import VIEW_RANKINGS

api_router = APIRouter()
api_router.include_router(api.router)
api_router.include_router(api_sms.router)

module = Module(
    name="feedback",
    models=("minsheng.feedback.models",),
    label="回访与满意度",
    api_router=api_router,
    pages_router=pages.router,
    nav=(NavItem("三率排名", "/staff/rankings", VIEW_RANKINGS, order=14),),
    home_links=(HomeLink("办理情况", "/rates", "每月公开响应率、解决率、满意率", order=40),),
)
