"""The requests module's manifest."""

from minsheng.core.modules import Module
from minsheng.requests.api import router as api_router

module = Module(
    name="requests",
    models=("minsheng.requests.models",),
    label="诉求",
    api_router=api_router,
)
