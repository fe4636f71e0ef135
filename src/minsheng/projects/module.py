"""The projects module's manifest: six steps, each with its own routers."""

from fastapi import APIRouter

from minsheng.core.modules import HomeLink, Module, NavItem
from minsheng.projects import (
    api,
    api_circulars,
    api_collection,
    api_evaluation,
    api_reports,
    pages_circulars,
    pages_collection_staff,
    pages_evaluation,
    pages_mechanisms,
    pages_proposals,
    pages_public,
    pages_reports,
    pages_staff,
    pages_supervision,
)
from minsheng.projects.demo import load_demo
from minsheng.projects.permissions import (
    DEPUTY_VOTE,
    MANAGE_COLLECTION,
    REPORT_PROGRESS,
    SUPERVISE,
    VIEW_PROJECTS_STAFF,
)

api_router = APIRouter()
for step_api in (api_collection, api_reports, api_circulars, api_evaluation, api):
    api_router.include_router(step_api.router)

# The fixed words (/projects/proposals, /projects/circulars ...) before /projects/{code}.
pages_router = APIRouter()
for step_pages in (
    pages_proposals,
    pages_collection_staff,
    pages_reports,
    pages_supervision,
    pages_circulars,
    pages_evaluation,
    pages_mechanisms,
    pages_staff,
    pages_public,
):
    pages_router.include_router(step_pages.router)

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
    nav=(
        NavItem("实事项目", "/staff/projects", VIEW_PROJECTS_STAFF, order=30),
        NavItem("项目征集", "/staff/projects/proposals", MANAGE_COLLECTION, order=31),
        NavItem("月报填报", "/staff/projects/reports", REPORT_PROGRESS, order=32),
        NavItem("项目督查", "/staff/projects/supervision", SUPERVISE, order=33),
        NavItem("问题通报", "/staff/projects/circulars", SUPERVISE, order=34),
        # Handlers answer the circulars that named their unit's projects on the same page.
        NavItem("通报整改", "/staff/projects/circulars?mine=1", REPORT_PROGRESS, order=39),
        NavItem("绩效评估", "/staff/projects/evaluation", SUPERVISE, order=35),
        NavItem("代表票决", "/staff/projects/votes", DEPUTY_VOTE, order=36),
        NavItem("满意度测评", "/staff/projects/survey", DEPUTY_VOTE, order=37),
        NavItem("建章立制", "/staff/projects/mechanisms", VIEW_PROJECTS_STAFF, order=38),
    ),
    home_links=(
        HomeLink("实事项目", "/projects", "今年办哪些实事、办到哪一步了", order=50),
        HomeLink("我有建议", "/projects/proposals", "提出您希望政府办的实事", order=51),
        HomeLink("长效机制", "/projects/mechanisms", "实事办完后留下的制度和办法", order=52),
    ),
    jobs=("minsheng.projects.jobs",),
    demo=load_demo,
    demo_order=60,
)
