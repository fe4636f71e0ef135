"""factory_boy factories for the core records; bound to each test's session by the db fixture."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from minsheng.accounts import passwords
from minsheng.accounts.models import RoleAssignment, StaffUser
from minsheng.org.models import Region, RegionLevel, Unit, UnitKind

PASSWORD = "correct-horse-battery"  # noqa: S105


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class RegionFactory(_Base):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"测试镇{n}")
    level = RegionLevel.city
    path = "/"

    @factory.post_generation
    def _path(obj: Region, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            session = RegionFactory._meta.sqlalchemy_session
            session.flush()
            obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.id}/"
            session.flush()


class UnitFactory(_Base):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.department
    contact_phone = "0512-57000000"
    path = "/"

    @factory.post_generation
    def _path(obj: Unit, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            session = UnitFactory._meta.sqlalchemy_session
            session.flush()
            obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.id}/"
            session.flush()


class StaffUserFactory(_Base):
    class Meta:
        model = StaffUser

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"工作人员{n}")
    password_hash = factory.LazyFunction(lambda: passwords.hash_password(PASSWORD))
    active = True

    @factory.post_generation
    def roles(
        obj: StaffUser, create: bool, extracted: list[tuple[str, Unit]] | None, **kwargs: object
    ) -> None:
        for role, unit in extracted or []:
            obj.assignments.append(RoleAssignment(role=role, unit=unit))
        if create:
            StaffUserFactory._meta.sqlalchemy_session.flush()


def bind(session: Session) -> None:
    for f in (RegionFactory, UnitFactory, StaffUserFactory):
        f._meta.sqlalchemy_session = session


def staff(session: Session, role: str, unit: Unit | None = None, **kwargs: object) -> StaffUser:
    """A staff member holding `role` in `unit` (a new top-level unit by default), committed."""
    unit = unit or UnitFactory()
    user = StaffUserFactory(roles=[(role, unit)], **kwargs)
    session.commit()
    return user
