"""Who may change the organisation."""

from minsheng.core.permissions import permission

VIEW_ORG = permission(
    "org.view",
    "查看单位和区划",
    roles={"administrator", "supervisor", "operator", "handler", "registrar", "community_worker"},
)
MANAGE_ORG = permission("org.manage", "管理单位和区划", roles={"administrator"})
