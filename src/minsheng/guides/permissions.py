"""Who may do what with service guides. A unit's handlers keep their own unit's matters."""

from minsheng.core.permissions import permission

# Write and publish matters' texts, withdraw them (scoped to the matter's unit).
EDIT_GUIDES = permission(
    "guides.edit", "编写和发布本单位的办事指南", roles={"handler", "administrator"}
)
# Cards, step-by-step bundles, synonyms and the Excel import span units: the city's office.
MANAGE_GUIDES = permission(
    "guides.manage", "管理知晓卡、一件事套餐、同义词和事项导入", roles={"administrator"}
)
# Readers' votes and comments, scans and views: the unit answers the comments (scoped).
VIEW_GUIDE_FEEDBACK = permission(
    "guides.feedback",
    "查看和处理办事指南的读者意见",
    roles={"handler", "administrator", "supervisor"},
)
