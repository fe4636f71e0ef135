"""Who may manage accounts and tokens."""

from minsheng.core.permissions import permission

MANAGE_USERS = permission("accounts.manage", "管理工作人员账号和角色", roles={"administrator"})
MANAGE_ALL_TOKENS = permission(
    "accounts.tokens", "查看和吊销所有 API 令牌", roles={"administrator"}
)
