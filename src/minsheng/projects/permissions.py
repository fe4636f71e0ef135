"""Who may do what with practical projects. Units are scoped: a handler acts for their own unit."""

from minsheng.core.permissions import permission

# 征集: answer proposals, moderate comments, turn request clusters into proposals, shortlist.
MANAGE_COLLECTION = permission(
    "projects.collection",
    "管理实事项目征集、答复建议、审核评论",
    roles={"supervisor", "administrator"},
)
# Batches, projects, notices, votes, evaluation schemes: the office that runs the programme.
MANAGE_PROJECTS = permission(
    "projects.manage", "管理实事项目批次、项目、公示和票决", roles={"supervisor", "administrator"}
)
# The lead unit files monthly reports and answers instructions and circulars for its projects.
REPORT_PROGRESS = permission(
    "projects.report", "填报本单位实事项目月报、答复督办和整改", roles={"handler", "administrator"}
)
SUPERVISE = permission(
    "projects.supervise",
    "督查实事项目、起草和发布通报、绩效评估",
    roles={"supervisor", "administrator"},
)
# Deputies vote on candidates and rate projects in the committee survey.
DEPUTY_VOTE = permission("projects.vote", "人大代表票决和满意度测评", roles={"deputy"})
VIEW_PROJECTS_STAFF = permission(
    "projects.view",
    "查看实事项目工作台",
    roles={"supervisor", "administrator", "handler", "deputy"},
)
