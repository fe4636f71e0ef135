"""The channels module's manifest."""

from minsheng.channels import api, pages
from minsheng.core.modules import Module

module = Module(
    name="channels",
    models=("minsheng.channels.models",),
    label="受理渠道",
    api_router=api.router,
    pages_router=pages.router,
)
