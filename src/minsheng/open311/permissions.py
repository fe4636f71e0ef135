"""Who issues the keys integrations use, and who keeps the categories' extra questions."""

from minsheng.core.permissions import permission

MANAGE_API_KEYS = permission(
    "open311.keys", "签发、查看和吊销 Open311 接口密钥", roles={"administrator"}
)
MANAGE_ATTRIBUTES = permission(
    "open311.attributes", "管理分类的补充问题（Open311 服务定义）", roles={"administrator"}
)
