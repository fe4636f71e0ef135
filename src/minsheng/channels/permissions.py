"""Who may see and keep QR boxes, estates and reception days, and who records inspections."""

from __future__ import annotations

from minsheng.core.permissions import StaffPrincipal, permission
from minsheng.org.models import Unit

VIEW_CHANNELS = permission(
    "channels.view",
    "查看意见箱、小区和代表接待日",
    roles={"administrator", "supervisor", "operator", "community_worker"},
)
# A community worker keeps the boxes of their own unit and the units below it.
MANAGE_CHANNELS = permission(
    "channels.manage",
    "管理本单位的意见箱，登记代表接待日",
    roles={"administrator", "operator", "community_worker"},
)
# The hotline and administrators keep every box, and the estates with their property companies.
MANAGE_ALL_CHANNELS = permission(
    "channels.manage_all",
    "管理全市的意见箱和物业小区",
    roles={"administrator", "operator"},
)
RECORD_INSPECTIONS = permission(
    "channels.inspect",
    "上报网格巡查发现的隐患",
    roles={"community_worker", "administrator"},
)


def may_manage_box(staff: StaffPrincipal, unit: Unit | None) -> bool:
    """City-wide managers keep any box; others only boxes whose responsible unit they cover."""
    if staff.can(MANAGE_ALL_CHANNELS):
        return True
    return unit is not None and staff.can(MANAGE_CHANNELS, unit.path)
