"""The audit module's manifest."""

from minsheng.audit.api import router as api_router
from minsheng.audit.pages import router as pages_router
from minsheng.audit.permissions import READ_AUDIT
from minsheng.core.modules import Module, NavItem

module = Module(
    name="audit",
    models=("minsheng.audit.models",),
    label="审计",
    api_router=api_router,
    pages_router=pages_router,
    nav=(NavItem("审计记录", "/staff/audit", READ_AUDIT, order=85),),
)
