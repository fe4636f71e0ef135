"""Demo staff accounts, one per role, printed by `minsheng demo`."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from minsheng.accounts import service
from minsheng.accounts.schemas import RoleGrantIn, StaffUserCreate
from minsheng.org import service as org

DEMO_PASSWORD = "minsheng-demo-2026"  # noqa: S105 - printed for the demo; development only

DEMO_USERS = [
    ("admin", "系统管理员", "administrator", "昆山市"),
    ("supervisor", "督查员 李明", "supervisor", "昆山市"),
    ("operator", "话务员 张丽", "operator", "昆山市12345政务服务便民热线"),
    ("handler", "承办人 王强", "handler", "昆山市住房和城乡建设局"),
    ("registrar", "登记员 唐芳", "registrar", "千灯镇行政审批局"),
    ("gridworker", "网格员 陈军", "community_worker", "周市镇长泾社区居委会"),
    # Votes on practical projects and rates them; the projects demo adds six more deputies.
    ("deputy", "人大代表 陈建国", "deputy", "昆山市人大常委会"),
]


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Creates the demo accounts that do not exist yet; never changes existing ones."""
    progress("演示账号")
    for username, name, role, unit_name in DEMO_USERS:
        if service.get_user_by_username(db, username=username) is not None:
            continue
        unit = org.get_unit_by_name(db, name=unit_name)
        assert unit is not None, unit_name
        data = StaffUserCreate(
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            roles=[RoleGrantIn(role=role, unit_id=unit.id)],
        )
        service.create_user(db, data=data)
