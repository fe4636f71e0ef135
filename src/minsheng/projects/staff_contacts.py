"""Whom the projects module tells in a lead unit: its handlers who have a phone number."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts.models import RoleAssignment, StaffUser


def handler_phones(db: Session, unit_id: int) -> list[str]:
    """Phones of the active handlers (承办人) of the unit itself: the people who file its
    reports. A handler higher up watches many units and is not reminded of each."""
    query = (
        select(StaffUser.phone)
        .join(RoleAssignment, RoleAssignment.user_id == StaffUser.id)
        .where(
            RoleAssignment.unit_id == unit_id,
            RoleAssignment.role == "handler",
            StaffUser.active.is_(True),
            StaffUser.phone != "",
        )
        .distinct()
        .order_by(StaffUser.phone)
    )
    return list(db.scalars(query))
