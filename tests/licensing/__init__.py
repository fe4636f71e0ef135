"""Shared arrangements for the licensing tests: an office, valid ID numbers, an application made
through the service up to the step a test needs.

Needs the demo regions and units: call `tests.requests.load_demo(db)` first (it loads every
module's demo; the licensing demo adds its own offices and scope catalogue), and the `app`
fixture (creating the app registers the jobs that sending an SMS defers)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from minsheng.licensing import service
from minsheng.licensing.models import Application, Office
from minsheng.notify.models import OutboundMessage
from minsheng.org.models import Region, Unit

QIANDENG = "千灯镇"
QIANDENG_OFFICE_UNIT = "千灯镇行政审批局"
PHONE = "13912345678"


def valid_id(birth: str = "19900101", area: str = "320583", order: str = "123") -> str:
    """An ID number with a correct check digit for that birth date (YYYYMMDD) and area."""
    first17 = area + birth + order
    return first17 + ric.calc_check_digit(first17 + "0")


def region(db: Session, name: str) -> Region:
    found = db.scalar(select(Region).where(Region.name == name))
    assert found is not None, f"{name}: load the demo regions first"
    return found


def office(
    db: Session,
    code: str = "test-qd",
    *,
    backend: str = "demo",
    instant: bool = True,
    town: str = QIANDENG,
    unit: str = QIANDENG_OFFICE_UNIT,
) -> Office:
    """A registration office for `town` whose registrars sit in `unit`, flushed."""
    found = db.scalar(select(Office).where(Office.code == code))
    if found is not None:
        return found
    made = Office(
        code=code,
        name=f"{town}便民服务中心证照自助区（测试）",
        authority=f"昆山市{town}行政审批局",
        unit=db.scalar(select(Unit).where(Unit.name == unit)),
        town=region(db, town),
        identity_backend=backend,
        instant_approval=instant,
    )
    db.add(made)
    db.flush()
    return made


def started(db: Session, where: Office, *, channel: str = "web") -> tuple[Application, str]:
    """A new application at `where` and its status token."""
    return service.start(db, office=where, channel=channel)


def identified(
    db: Session, where: Office, *, name: str = "唐芳", id_number: str | None = None
) -> tuple[Application, str]:
    """An application past step 1: name, ID number and a confirmed phone (the code is read from
    the SMS outbox, as a person would read it)."""
    app, token = started(db, where)
    service.set_identity(db, app=app, name=name, id_number=id_number or valid_id())
    service.send_code(db, app=app, phone=PHONE, client_addr="127.0.0.1")
    service.confirm_code(db, app=app, code=last_code(db, PHONE))
    return app, token


def last_code(db: Session, phone: str) -> str:
    """The one-time code in the newest SMS to `phone`."""
    message = db.scalar(
        select(OutboundMessage)
        .where(OutboundMessage.recipient == phone)
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    )
    assert message is not None, "no SMS sent"
    found = re.search(r"\d{6}", message.body)
    assert found is not None, message.body
    return found.group(0)
