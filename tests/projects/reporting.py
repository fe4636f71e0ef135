"""Arrangements for the monthly-report and supervision tests: a city, two units, their staff, a
running project, and "today" moved with clock_at."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.accounts.models import StaffUser
from minsheng.core.db import clock_at
from minsheng.core.permissions import StaffPrincipal
from minsheng.notify import jobs as _notify_jobs  # noqa: F401 - declares the job queued SMS defer
from minsheng.notify.models import OutboundMessage
from minsheng.org.models import Unit
from minsheng.projects import jobs as _project_jobs  # noqa: F401 - declares the daily round
from minsheng.projects.models import Batch, Project, ProjectEvent
from minsheng.projects.schemas_reports import ReportCreate
from tests import factories
from tests import projects as make

KUNSHAN = ZoneInfo("Asia/Shanghai")
HANDLER_PHONE = "13900001111"
OTHER_PHONE = "13900003333"
EDUCATION_BUREAU = "昆山市教育局"


@contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[None]:
    """Runs the block as if it were `day` at `hour` in Kunshan."""
    with clock_at(dt.datetime(day.year, day.month, day.day, hour, tzinfo=KUNSHAN)):
        yield


@dataclass
class World:
    city: Unit
    bureau: Unit
    other: Unit
    batch: Batch
    project: Project
    handler: StaffUser
    other_handler: StaffUser
    supervisor: StaffUser
    admin: StaffUser

    def as_(self, db: Session, user: StaffUser) -> StaffPrincipal:
        return accounts.principal(db, user=user)


def world(db: Session, *, report_day: int = 5, **project: Any) -> World:
    """昆山市 over the housing and education bureaus; a batch reporting by `report_day`; one
    running project of the housing bureau (March to December 2026) with two targets."""
    city = factories.UnitFactory(name="昆山市")
    bureau = factories.UnitFactory(name=make.HOUSING_BUREAU, parent=city)
    other = factories.UnitFactory(name=EDUCATION_BUREAU, parent=city)
    batch = make.batch(db, report_day=report_day)
    values: dict[str, Any] = {
        "targets": (("排查农村自建房", "户", 1000), ("整改消防隐患", "处", 200)),
        "title": "农村自建房消防隐患排查",
    }
    values.update(project)
    made = make.project(db, batch, bureau, **values)
    handler = factories.StaffUserFactory(
        username="zhujian",
        display_name="住建承办人",
        phone=HANDLER_PHONE,
        roles=[("handler", bureau)],
    )
    other_handler = factories.StaffUserFactory(
        username="jiaoyu",
        display_name="教育承办人",
        phone=OTHER_PHONE,
        roles=[("handler", other)],
    )
    supervisor = factories.StaffUserFactory(
        username="ducha", display_name="督查员", roles=[("supervisor", city)]
    )
    admin = factories.StaffUserFactory(
        username="guanli", display_name="管理员", roles=[("administrator", city)]
    )
    db.commit()
    return World(city, bureau, other, batch, made, handler, other_handler, supervisor, admin)


def report(progress: float = 20, **changes: Any) -> ReportCreate:
    values: dict[str, Any] = {
        "progress": progress,
        "done": "完成巴城镇、周市镇的入户排查。",
        "problems": "",
        "next_steps": "推进整改。",
    }
    values.update(changes)
    return ReportCreate.model_validate(values)


def events(db: Session, project: Project, kind: str | None = None) -> list[ProjectEvent]:
    query = select(ProjectEvent).where(ProjectEvent.project_id == project.id)
    if kind is not None:
        query = query.where(ProjectEvent.kind == kind)
    return list(db.scalars(query.order_by(ProjectEvent.id)))


def sms_to(db: Session, phone: str) -> list[str]:
    return list(
        db.scalars(
            select(OutboundMessage.body)
            .where(OutboundMessage.recipient == phone)
            .order_by(OutboundMessage.id)
        )
    )


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
