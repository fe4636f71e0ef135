"""Who may see and change categories and routing rules."""

from minsheng.core.permissions import permission

VIEW_ROUTING = permission(
    "routing.view",
    "查看分类、时限和派单规则",
    roles={"administrator", "supervisor", "operator", "handler", "registrar", "community_worker"},
)
MANAGE_ROUTING = permission("routing.manage", "管理分类、时限和派单规则", roles={"administrator"})
