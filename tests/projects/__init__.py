"""Shared arrangements for the projects tests: a batch and projects made straight in the tables.

Each step's tests build on these, so that no step's tests wait for another step's service.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.org.models import Unit
from minsheng.projects.models import Batch, Milestone, Project, Stage, Target
from tests import factories

HOUSING_BUREAU = "昆山市住房和城乡建设局"
CONGRESS = "昆山市人大常委会"


def unit(db: Session, name: str) -> Unit:
    """A unit of the demo data (needs tests.requests.load_demo first), or a new one."""
    found = db.scalar(select(Unit).where(Unit.name == name))
    return found if found is not None else factories.UnitFactory(name=name)


def batch(db: Session, code: str = "2026-1", **kwargs: object) -> Batch:
    values: dict[str, object] = {
        "code": code,
        "name": "2026年第一批民生实事项目",
        "scope": "全市范围内群众普遍关心的民生问题",
        "collect_from": dt.date(2026, 1, 1),
        "collect_until": dt.date(2026, 1, 31),
        "report_day": 5,
    }
    values.update(kwargs)
    made = Batch(**values)
    db.add(made)
    db.flush()
    return made


def project(
    db: Session,
    of: Batch,
    lead: Unit,
    code: str = "2026-1-001",
    *,
    stage: Stage = Stage.running,
    start_on: dt.date = dt.date(2026, 3, 1),
    end_on: dt.date = dt.date(2026, 12, 31),
    targets: tuple[tuple[str, str, float], ...] = (("惠及企业", "家", 40000),),
    milestones: tuple[tuple[str, dt.date, float], ...] = (),
    **kwargs: object,
) -> Project:
    """A project with targets (name, measure, planned) and milestones (title, due, percent)."""
    made = Project(
        code=code,
        batch_id=of.id,
        title=kwargs.pop("title", "“安全哨兵”助企惠民宣讲"),
        description=kwargs.pop("description", "走进企业宣讲安全生产和惠企政策。"),
        area=kwargs.pop("area", "business"),
        lead_unit_id=lead.id,
        responsible_person=kwargs.pop("responsible_person", "王局长"),
        start_on=start_on,
        end_on=end_on,
        stage=stage,
        **kwargs,
    )
    for position, (name, measure, planned) in enumerate(targets):
        made.targets.append(Target(position=position, name=name, measure=measure, planned=planned))
    for title, due_on, percent in milestones:
        made.milestones.append(Milestone(title=title, due_on=due_on, planned_percent=percent))
    db.add(made)
    db.flush()
    return made
