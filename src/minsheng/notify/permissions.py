"""Who may see the outbox (recipients are shown masked)."""

from minsheng.core.permissions import permission

VIEW_OUTBOX = permission("notify.outbox", "查看消息发送记录", roles={"administrator"})
