"""Who may read the audit trail."""

from minsheng.core.permissions import permission

READ_AUDIT = permission("audit.read", "查看审计记录", roles={"administrator", "supervisor"})
