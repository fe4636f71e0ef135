"""Who may do what with business registration. Registrars act for their office's unit."""

from minsheng.core.permissions import permission

# Review applications the rules did not approve, confirm identities, approve, return, refuse.
REVIEW_APPLICATIONS = permission(
    "licensing.review", "审核个体工商户登记申请、核验身份", roles={"registrar", "administrator"}
)
# Read issued licenses (the API and the desk's register), incl. operators' names.
VIEW_LICENSES = permission(
    "licensing.view", "查看已发营业执照", roles={"registrar", "administrator", "supervisor"}
)
# Offices, kiosks and the scope catalogue.
MANAGE_LICENSING = permission(
    "licensing.manage", "管理登记服务点和经营范围目录", roles={"administrator"}
)
