"""Who records a resident's rating by phone, and who sees the rankings."""

from minsheng.core.permissions import permission

# The hotline calls residents back (电话回访) and records what they say.
RECORD_RATING = permission(
    "feedback.record", "电话回访并代群众记录评价", roles={"operator", "administrator"}
)
VIEW_RANKINGS = permission(
    "feedback.rankings",
    "查看各单位、各区镇的三率排名",
    roles={"supervisor", "administrator", "operator"},
)
