"""整改: only the named lead unit answers a published circular, once; an answer after the deadline
is flagged late; supervisors see who has not answered."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.core.errors import Conflict, Forbidden, NotFound
from minsheng.projects import circulars, rectification
from minsheng.projects.models import ProjectEvent
from minsheng.projects.schemas_circulars import RectificationAnswer
from tests.projects import circulars_kit as fx

ANSWER = RectificationAnswer(answer="已增派两支施工队伍，倒排工期，本月底前完成剩余排查。")


@pytest.fixture
def city(db):
    return fx.build(db)


def test_only_the_lead_unit_answers_once(db, city) -> None:
    circular = fx.published(db, city)
    red = circular.items[0]  # led by the housing bureau
    with pytest.raises(Forbidden) as other:
        rectification.answer(db, item=red, data=ANSWER, staff=city.staff(db, "justice"))
    assert other.value.message == "这个实事项目不由您的单位牵头，您不能填报或修改。"
    with pytest.raises(Forbidden):  # a supervisor does not answer for the unit either
        rectification.answer(db, item=red, data=ANSWER, staff=city.staff(db, "sup1"))
    rectification.answer(db, item=red, data=ANSWER, staff=city.staff(db, "housing"))
    db.commit()
    assert red.answer == ANSWER.answer and red.answered_by_id == city.users["housing"].id
    assert rectification.answer_status(red, circulars.today()) == rectification.ANSWERED
    with pytest.raises(Conflict) as twice:
        rectification.answer(db, item=red, data=ANSWER, staff=city.staff(db, "housing"))
    assert twice.value.code == "already_answered"
    event = db.scalar(select(ProjectEvent).where(ProjectEvent.kind == "rectification"))
    assert event is not None and event.public and event.project_id == city.red.id
    assert event.text.endswith("报送了整改情况。")


def test_an_answer_after_the_deadline_is_flagged_late(db, city) -> None:
    circular = fx.published(db, city)
    red, yellow = circular.items
    red.deadline = yellow.deadline = circulars.today() - dt.timedelta(days=2)
    db.commit()
    today = circulars.today()
    assert rectification.answer_status(red, today) == rectification.OVERDUE
    rectification.answer(db, item=red, data=ANSWER, staff=city.staff(db, "housing"))
    db.commit()
    assert rectification.answer_status(red, today) == rectification.ANSWERED_LATE
    assert rectification.ANSWER_LABELS[rectification.ANSWERED_LATE] == "逾期答复"
    event = db.scalar(select(ProjectEvent).where(ProjectEvent.kind == "rectification"))
    assert event is not None and event.text.endswith("（逾期报送）。")
    # Supervisors see who has not answered: the justice bureau's project, overdue.
    tally = rectification.tally(circular, today)
    assert tally == {"waiting": 0, "overdue": 1, "answered": 0, "answered_late": 1}


def test_each_unit_sees_the_items_it_must_answer(db, city) -> None:
    circular = fx.published(db, city)
    housing = rectification.items_for_unit(db, staff=city.staff(db, "housing"))
    justice = rectification.items_for_unit(db, staff=city.staff(db, "justice"))
    assert [i.project.title for i in housing] == [fx.RED_TITLE]
    assert [i.project.title for i in justice] == [fx.YELLOW_TITLE]
    assert rectification.items_for_unit(db, staff=city.staff(db, "sup1")) == []
    assert {i.circular_id for i in housing + justice} == {circular.id}


def test_a_draft_or_a_corrected_circular_takes_no_answers(db, city) -> None:
    draft = fx.draft(db, city)
    with pytest.raises(NotFound):
        rectification.answer(db, item=draft.items[0], data=ANSWER, staff=city.staff(db, "housing"))
    db.rollback()
    circulars.delete_draft(db, circular=draft, staff=city.staff(db, "sup1"))
    db.commit()
    first = fx.published(db, city)
    copy = circulars.supersede(db, circular=first, staff=city.staff(db, "sup1"))
    # Answered on the old one while the correction is being written: carried over on publish.
    rectification.answer(db, item=first.items[0], data=ANSWER, staff=city.staff(db, "housing"))
    circulars.approve(db, circular=copy, staff=city.staff(db, "sup2"))
    circulars.publish(db, circular=copy, staff=city.staff(db, "sup2"))
    db.commit()
    assert copy.items[0].answer == ANSWER.answer
    with pytest.raises(Conflict) as old:
        rectification.answer(db, item=first.items[1], data=ANSWER, staff=city.staff(db, "justice"))
    assert old.value.code == "circular_superseded"
