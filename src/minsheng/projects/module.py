"""The projects module's manifest."""

from fastapi import APIRouter

from minsheng.core.modules import Module

api_router = APIRouter()
pages_router = APIRouter()

module = Module(
    name="projects",
    models=(
        "minsheng.projects.models",
        "minsheng.projects.models_collection",
        "minsheng.projects.models_progress",
        "minsheng.projects.models_review",
    ),
    label="实事项目",
    api_router=api_router,
    pages_router=pages_router,
)
