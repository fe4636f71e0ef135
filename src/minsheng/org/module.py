"""The organisation module's manifest."""

from minsheng.core.modules import Module, NavItem
from minsheng.org.api import router as api_router
from minsheng.org.demo import load_demo
from minsheng.org.pages import router as pages_router
from minsheng.org.permissions import VIEW_ORG

module = Module(
    name="org",
    models=("minsheng.org.models",),
    label="组织机构",
    api_router=api_router,
    pages_router=pages_router,
    nav=(
        NavItem("单位", "/staff/units", VIEW_ORG, order=80),
        NavItem("区划", "/staff/regions", VIEW_ORG, order=81),
    ),
    demo=load_demo,
    demo_order=10,
)
