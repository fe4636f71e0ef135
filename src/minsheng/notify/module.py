"""The notify module's manifest."""

from minsheng.core.modules import Module, NavItem
from minsheng.notify.pages import router as pages_router
from minsheng.notify.permissions import VIEW_OUTBOX

module = Module(
    name="notify",
    models=("minsheng.notify.models",),
    label="通知",
    pages_router=pages_router,
    nav=(NavItem("消息发送", "/staff/outbox", VIEW_OUTBOX, order=86),),
    jobs=("minsheng.notify.jobs",),
)
