"""The web module's manifest: the home page and display preferences."""

from minsheng.core.modules import Module
from minsheng.web.pages import router

module = Module(name="web", label="门户", pages_router=router)
