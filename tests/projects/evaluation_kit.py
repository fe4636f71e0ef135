"""Arrangements shared by the evaluation, ratings and mechanisms tests (绩效评估, 建章立制)."""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.accounts.models import Resident, StaffUser
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.feedback.models import Satisfaction
from minsheng.notify.models import OutboundMessage
from minsheng.org.models import Unit
from minsheng.projects.models import Batch, Project
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.models_review import DeputyRating, ProjectRating
from minsheng.projects.ratings import phone_hash
from minsheng.projects.service import report_due_on
from tests import factories
from tests import projects as make
from tests.conftest import csrf, login

CODE_IN_SMS = re.compile(r"验证码是 (\d{6})")


def principal(db: Session, user: StaffUser) -> StaffPrincipal:
    return accounts.principal(db, user=user)


def root(db: Session) -> Unit:
    return make.unit(db, "昆山市")


def supervisor(db: Session, name: str = "supervisor1") -> StaffUser:
    return factories.staff(db, "supervisor", root(db), username=name)


def deputy(db: Session, n: int) -> StaffUser:
    return factories.staff(
        db, "deputy", make.unit(db, make.CONGRESS), username=f"deputy{n}", display_name=f"代表{n}"
    )


def report(
    db: Session, project: Project, batch: Batch, month: str, *, late: bool = False, progress=10.0
) -> MonthlyReport:
    row = MonthlyReport(
        project_id=project.id,
        month=month,
        progress=progress,
        done="按计划推进。",
        due_on=report_due_on(batch, month),
        late=late,
    )
    db.add(row)
    db.flush()
    return row


def resident_ratings(db: Session, project: Project, *answers: Satisfaction) -> None:
    """Ratings put straight in the table, one made-up phone each."""
    for i, answer in enumerate(answers):
        db.add(
            ProjectRating(
                project_id=project.id,
                phone_hash=phone_hash(f"139000000{i:02d}"),
                satisfaction=answer,
                comment=f"意见{i}",
            )
        )
    db.flush()


def deputy_ratings(db: Session, project: Project, *answers: Satisfaction) -> None:
    for i, answer in enumerate(answers):
        user = deputy(db, 100 + project.id * 10 + i)
        db.add(DeputyRating(project_id=project.id, deputy_id=user.id, satisfaction=answer))
    db.flush()


def resident(db: Session, phone: str) -> ResidentPrincipal:
    """A resident who confirmed `phone`, as the sign-in leaves them."""
    row = db.scalar(select(Resident).where(Resident.phone == phone))
    if row is None:
        row = Resident(phone=phone)
        db.add(row)
        db.flush()
    return ResidentPrincipal(row.id, phone)


def sign_in_resident(client: TestClient, db: Session, phone: str, next_path: str) -> str:
    """Signs in with the one-time code, as a resident would, and returns where it led."""
    sent = client.post(
        "/resident/login", data={"phone": phone, "next": next_path, "csrf_token": csrf(client)}
    )
    assert sent.status_code == 200, sent.text
    assert f'name="next" value="{html.escape(next_path)}"' in sent.text
    code = latest_code(db, phone)
    done = client.post(
        "/resident/verify",
        data={"phone": phone, "code": code, "next": next_path, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return done.headers["location"]


def latest_code(db: Session, phone: str) -> str:
    body = db.scalars(
        select(OutboundMessage.body)
        .where(OutboundMessage.recipient == phone)
        .order_by(OutboundMessage.id.desc())
    ).first()
    db.commit()
    assert body is not None
    match = CODE_IN_SMS.search(body)
    assert match
    return match.group(1)


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def sign_in_staff(client: TestClient, user: StaffUser) -> None:
    login(client, user.username, factories.PASSWORD)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
