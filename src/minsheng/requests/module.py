"""The requests module's manifest."""

from minsheng.core.modules import HomeLink, Module
from minsheng.requests.api import router as api_router
from minsheng.requests.pages import router as pages_router

module = Module(
    name="requests",
    models=("minsheng.requests.models",),
    label="诉求",
    api_router=api_router,
    pages_router=pages_router,
    home_links=(
        HomeLink("反映问题", "/report", "身边的烦心事，说一声就办", order=10),
        HomeLink("查询进度", "/track", "凭编号查看办到哪一步", order=20),
    ),
)
