"""Submitting: instant approval when every rule passes, otherwise the registrar's review; a
second pending application for the same place is refused with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from minsheng.core.errors import Conflict, InvalidInput
from minsheng.licensing import decision, service
from minsheng.licensing.models import ApplicationStatus, License
from tests.licensing import office
from tests.licensing.test_business import kunshan, ready, scope_items


@pytest.fixture
def loaded(app, db) -> Session:
    kunshan(db)
    scope_items(db)
    return db


def test_a_clean_application_is_issued_at_once(loaded) -> None:
    db = loaded
    app = decision.submit(db, app=ready(db, scope_codes=["T-CY-01", "T-CY-02"]))
    assert app.decision == "instant" and app.status == ApplicationStatus.issued
    assert app.submitted_at is not None and all(r["passed"] for r in app.rules)
    license = app.license
    assert license is not None and stdnum_uscc.is_valid(license.uscc)
    assert license.name == "昆山市千灯镇阿唐面馆店"
    assert license.scope_text.startswith("餐饮管理；许可项目：小餐饮（依法须经批准的项目")
    with pytest.raises(Conflict):
        decision.submit(db, app=app)  # submitted once


def test_the_officer_backend_waits_for_the_window(loaded) -> None:
    db = loaded
    app = decision.submit(db, app=ready(db, backend="officer"))
    assert app.decision == "review" and app.status == ApplicationStatus.reviewing
    failed = [r for r in app.rules if not r["passed"]]
    assert failed == [
        {
            "code": "identity.verified",
            "label": "身份核验",
            "passed": False,
            "message": "须到窗口由登记人员核验身份",
        }
    ]
    assert db.scalar(select(func.count(License.id))) == 0


def test_an_office_without_instant_approval_reviews_everything(loaded) -> None:
    db = loaded
    office(db, "test-demo").instant_approval = False
    app = decision.submit(db, app=ready(db))
    assert app.status == ApplicationStatus.reviewing and all(r["passed"] for r in app.rules)
    assert app.license is None


def test_a_failed_rule_sends_it_to_review(loaded) -> None:
    db = loaded
    app = ready(db)
    app.scope_codes = ["T-JY-01", "T-JY-02"]
    decision.submit(db, app=app)
    assert app.status == ApplicationStatus.reviewing and app.decision == "review"
    assert [r["code"] for r in app.rules if not r["passed"]] == ["scope.valid"]


def test_missing_steps_are_refused(loaded) -> None:
    db = loaded
    app, _ = service.start(db, office=office(db))
    with pytest.raises(InvalidInput) as raised:
        decision.submit(db, app=app)
    assert set(raised.value.fields) == {"id_number", "phone", "address", "scope"}
    assert app.status == ApplicationStatus.filling and app.submitted_at is None


def test_a_second_pending_application_for_the_same_place_is_refused(loaded) -> None:
    db = loaded
    first = decision.submit(db, app=ready(db, backend="officer"))
    second = ready(db, trade_name="", address="石浦路 2 号")
    second.address = first.address  # as if both had been filled side by side
    with pytest.raises(InvalidInput) as raised:
        decision.submit(db, app=second)
    assert first.number in raised.value.fields["__all__"]
    assert second.status == ApplicationStatus.filling and second.rules == []
