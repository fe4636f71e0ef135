"""The channels module's manifest."""

from minsheng.channels import api, pages
from minsheng.channels.demo import load_demo
from minsheng.channels.permissions import RECORD_INSPECTIONS, VIEW_CHANNELS
from minsheng.core.modules import HomeLink, Module, NavItem
from minsheng.requests.permissions import ENTER_REQUESTS

module = Module(
    name="channels",
    models=("minsheng.channels.models",),
    label="受理渠道",
    api_router=api.router,
    pages_router=pages.router,
    nav=(
        NavItem("录入诉求", "/staff/requests/new", ENTER_REQUESTS, order=11),
        NavItem("巡查上报", "/staff/inspections/new", RECORD_INSPECTIONS, order=13),
        NavItem("二维码意见箱", "/staff/boxes", VIEW_CHANNELS, order=40),
        NavItem("小区与物业", "/staff/estates", VIEW_CHANNELS, order=41),
        NavItem("代表接待日", "/staff/reception-days", VIEW_CHANNELS, order=42),
    ),
    home_links=(HomeLink("一键报修", "/repair", "小区里水电、门禁坏了，直接报给物业", order=15),),
    # After the categories (routing, 30), before the demo year of requests that uses them.
    demo=load_demo,
    demo_order=35,
)
