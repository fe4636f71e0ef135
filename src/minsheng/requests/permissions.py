"""Who may enter, see and handle requests, and who may see the reporter's contact details."""

from minsheng.core.permissions import permission

ENTER_REQUESTS = permission(
    "requests.enter",
    "代群众录入诉求（热线、窗口、接待日、巡查）",
    roles={"operator", "community_worker", "administrator"},
)
VIEW_REQUESTS = permission(
    "requests.view",
    "查看本单位及下级单位的诉求",
    roles={"administrator", "supervisor", "operator", "handler", "community_worker"},
)
# The hotline and supervisors work city-wide whatever unit they sit in.
VIEW_ALL_REQUESTS = permission(
    "requests.view_all", "查看全市诉求", roles={"operator", "supervisor", "administrator"}
)
# Contact details only for those who call residents back; confidential reporters: operators only.
VIEW_CONTACT = permission("requests.contact", "查看诉求人的联系方式", roles={"operator", "handler"})
VIEW_CONFIDENTIAL = permission("requests.confidential", "查看保密诉求人的身份", roles={"operator"})
# The dispatch centre sends requests on, splits and merges them, and takes returns back.
DISPATCH_REQUESTS = permission(
    "requests.dispatch", "派单、改派、拆分与合并诉求", roles={"operator", "administrator"}
)
# A unit's own staff accept, return, reply to and close what it holds.
HANDLE_REQUESTS = permission(
    "requests.handle",
    "签收、退回、答复和办结本单位的诉求",
    roles={"handler", "community_worker", "administrator"},
)
SUPERVISE_REQUESTS = permission(
    "requests.supervise",
    "督办：超期与重办清单、审批延期",
    roles={"supervisor", "administrator"},
)
