"""The feedback module's manifest."""

from minsheng.core.modules import Module
from minsheng.feedback import api, pages

module = Module(
    name="feedback",
    models=("minsheng.feedback.models",),
    label="回访与满意度",
    api_router=api.router,
    pages_router=pages.router,
)
