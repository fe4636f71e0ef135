"""A small city for the circulars tests: two lead units, their handlers, two supervisors and an
administrator, and a batch whose plan puts every project at 50 % at the end of last month.

Dates follow the real calendar (last month is the month a circular reports on), so the plan is
laid around it: started 100 days before its end, finishing 100 days after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.accounts.models import StaffUser
from minsheng.core.modules import import_jobs
from minsheng.core.permissions import StaffPrincipal
from minsheng.org.models import Unit, UnitKind
from minsheng.projects import circulars
from minsheng.projects.batch_month import month_end
from minsheng.projects.models import Batch, Project, Stage, WarningColour
from minsheng.projects.models_review import Circular
from minsheng.projects.schemas_circulars import CircularDraft, CircularItemUpdate
from minsheng.projects.service import previous_month
from tests import factories
from tests import projects as make

JUSTICE = "昆山市司法局"
RED_TITLE = "农村自建房消防隐患排查"
YELLOW_TITLE = "公证档案信息互联互通"
ON_TIME_TITLE = "“安全哨兵”助企惠民宣讲"
DONE_TITLE = "小艾之家"
CANDIDATE_TITLE = "证照登记自助服务一体机"
OTHER_BATCH_TITLE = "麦穗期病害防治指导"
HOUSING_PHONE = "13900000001"
JUSTICE_PHONE = "13900000002"


def month() -> str:
    """The month a circular drafted today reports on."""
    return previous_month(circulars.today())


def as_of() -> dt.date:
    return month_end(month())


@dataclass
class City:
    root: Unit
    housing: Unit
    justice: Unit
    batch: Batch
    other_batch: Batch
    red: Project
    yellow: Project
    on_time: Project
    done: Project
    candidate: Project
    elsewhere: Project
    users: dict[str, StaffUser]

    def staff(self, db: Session, name: str) -> StaffPrincipal:
        return accounts.principal(db, user=self.users[name])


def build(db: Session) -> City:
    """The city, committed so that the app sees it too."""
    import_jobs()  # publishing queues SMS through the outbox's job
    root = factories.UnitFactory(name="昆山市", kind=UnitKind.city)
    housing = factories.UnitFactory(name=make.HOUSING_BUREAU, parent=root)
    justice = factories.UnitFactory(name=JUSTICE, parent=root)
    batch = make.batch(db)
    other = make.batch(db, "2025-2", name="2025年第二批民生实事项目")
    end = as_of()
    plan = {"start_on": end - dt.timedelta(days=100), "end_on": end + dt.timedelta(days=100)}

    def project(code: str, title: str, lead: Unit, progress: float, **extra: object) -> Project:
        extra.setdefault("started_on", plan["start_on"] + dt.timedelta(days=3))
        return make.project(
            db,
            extra.pop("of", batch),
            lead,
            code,
            title=title,
            progress=progress,
            progress_month=month(),
            **plan,
            **extra,  # type: ignore[arg-type]
        )

    city = City(
        root=root,
        housing=housing,
        justice=justice,
        batch=batch,
        other_batch=other,
        red=project(
            "2026-1-001",
            RED_TITLE,
            housing,
            10,
            warning=WarningColour.red,
            responsible_person="张副局长",
        ),
        yellow=project(
            "2026-1-002",
            YELLOW_TITLE,
            justice,
            35,
            warning=WarningColour.yellow,
            responsible_person="李副局长",
        ),
        on_time=project("2026-1-003", ON_TIME_TITLE, housing, 48),
        done=project(
            "2026-1-004",
            DONE_TITLE,
            justice,
            100,
            stage=Stage.completed,
            completed_on=end - dt.timedelta(days=5),
        ),
        candidate=project(
            "2026-1-005", CANDIDATE_TITLE, housing, 0, stage=Stage.candidate, started_on=None
        ),
        elsewhere=project(
            "2025-2-001", OTHER_BATCH_TITLE, housing, 5, of=other, warning=WarningColour.red
        ),
        users={},
    )
    city.users = {
        "sup1": factories.StaffUserFactory(username="sup1", roles=[("supervisor", root)]),
        "sup2": factories.StaffUserFactory(username="sup2", roles=[("supervisor", root)]),
        "admin": factories.StaffUserFactory(username="admin1", roles=[("administrator", root)]),
        "housing": factories.StaffUserFactory(
            username="housing", phone=HOUSING_PHONE, roles=[("handler", housing)]
        ),
        "justice": factories.StaffUserFactory(
            username="justice", phone=JUSTICE_PHONE, roles=[("handler", justice)]
        ),
    }
    db.commit()
    return city


def draft(db: Session, city: City, by: str = "sup1") -> Circular:
    circular = circulars.draft(
        db, data=CircularDraft(batch=city.batch.code, month=month()), staff=city.staff(db, by)
    )
    db.commit()
    return circular


def written(db: Session, city: City, circular: Circular) -> Circular:
    """Every item's cause and action written, as the supervisor does before approval."""
    for item in circular.items:
        data = CircularItemUpdate(
            cause=f"{item.project.title}施工队伍进场晚，前期手续办理慢。",
            required_action="倒排工期，增加施工力量，每周报送进度。",
        )
        circulars.update_item(db, item=item, data=data, staff=city.staff(db, "sup1"))
    db.commit()
    return circular


def published(db: Session, city: City) -> Circular:
    """A circular drafted by sup1, written, approved by sup2 and published."""
    circular = written(db, city, draft(db, city))
    circulars.approve(db, circular=circular, staff=city.staff(db, "sup2"))
    circulars.publish(db, circular=circular, staff=city.staff(db, "sup2"))
    db.commit()
    return circular
