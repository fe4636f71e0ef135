"""The routing module's manifest."""

from minsheng.core.modules import Module, NavItem
from minsheng.routing.api import router as api_router
from minsheng.routing.demo import load_demo
from minsheng.routing.pages import router as pages_router
from minsheng.routing.permissions import VIEW_ROUTING

module = Module(
    name="routing",
    models=("minsheng.routing.models",),
    label="分类与派单",
    api_router=api_router,
    pages_router=pages_router,
    nav=(
        NavItem("分类与时限", "/staff/categories", VIEW_ROUTING, order=70),
        NavItem("派单规则", "/staff/routing", VIEW_ROUTING, order=71),
    ),
    demo=load_demo,
    demo_order=30,
)
