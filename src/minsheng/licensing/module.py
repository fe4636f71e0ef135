"""The licensing module's manifest: the applicant's path (web and kiosk), checks, issuing and
verification, the registrar's desk, amendments and deregistration."""

from fastapi import APIRouter

from minsheng.core.modules import HomeLink, Module, NavItem
from minsheng.licensing import (
    api,
    pages_apply,
    pages_changes,
    pages_checks,
    pages_desk,
    pages_kiosk,
    pages_license,
    pages_verify,
)
from minsheng.licensing.demo import load_demo
from minsheng.licensing.permissions import REVIEW_APPLICATIONS, VIEW_LICENSES

pages_router = APIRouter()
for area in (
    pages_checks,
    pages_license,
    pages_verify,
    pages_changes,
    pages_kiosk,
    pages_desk,
    pages_apply,
):
    pages_router.include_router(area.router)

module = Module(
    name="licensing",
    label="证照自助登记",
    models=("minsheng.licensing.models",),
    api_router=api.router,
    pages_router=pages_router,
    nav=(
        NavItem("登记审核", "/staff/licensing", REVIEW_APPLICATIONS, order=60),
        NavItem("营业执照", "/staff/licensing/licenses", VIEW_LICENSES, order=61),
    ),
    home_links=(
        HomeLink("个体户登记", "/licensing", "开店办营业执照，自助填写，几分钟领照", order=25),
    ),
    jobs=("minsheng.licensing.jobs",),
    # After the units and regions (org), accounts, and the guides the permits point to.
    # Offices and scope catalogue always; the businesses unless MINSHENG_DEMO_LICENSES=0.
    demo=load_demo,
    demo_order=47,
)
