"""The accounts module's manifest."""

from fastapi import APIRouter

from minsheng.accounts.api import router as api_router
from minsheng.accounts.demo import load_demo
from minsheng.accounts.pages import router as staff_pages
from minsheng.accounts.permissions import MANAGE_USERS
from minsheng.accounts.resident_pages import router as resident_pages
from minsheng.core.modules import Module, NavItem

pages = APIRouter()
pages.include_router(staff_pages)
pages.include_router(resident_pages)

module = Module(
    name="accounts",
    models=("minsheng.accounts.models",),
    label="账号",
    api_router=api_router,
    pages_router=pages,
    nav=(
        NavItem("工作人员", "/staff/users", MANAGE_USERS, order=82),
        NavItem("API 令牌", "/staff/tokens", None, order=90),
        NavItem("修改密码", "/staff/password", None, order=91),
    ),
    jobs=("minsheng.accounts.jobs",),
    demo=load_demo,
    demo_order=20,
)
