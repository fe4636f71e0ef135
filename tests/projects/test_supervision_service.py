"""Supervision: notes, site visits and instructions; the lead unit's answers; the overview."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.projects import progress_chart, reports, supervision
from minsheng.projects.models import WarningColour
from minsheng.projects.schemas_reports import AnswerIn, NoteCreate
from tests import projects as make
from tests.projects.reporting import HANDLER_PHONE, World, events, on, report, sms_to, world


@pytest.fixture
def w(db) -> World:
    return world(db)


def _note(db, w: World, **values):
    return supervision.add_note(
        db, w.project, NoteCreate.model_validate(values), staff=w.as_(db, w.supervisor)
    )


def test_a_site_visit_is_public_by_its_date_only(db, w):
    with on(dt.date(2026, 4, 10)):
        _note(
            db, w, kind="site_visit", text="抽查周市镇12户，台账与现场一致", visited_on="2026-04-09"
        )
        _note(db, w, kind="note", text="建议加快整改进度")
    db.commit()
    public = [e.text for e in events(db, w.project) if e.public]
    assert public == ["督查人员现场检查（2026-04-09）"]
    assert not any("台账" in e.text or "整改进度" in e.text for e in events(db, w.project))


def test_dates_are_required_and_checked(db, w):
    with on(dt.date(2026, 4, 10)):
        with pytest.raises(InvalidInput) as no_date:
            _note(db, w, kind="site_visit", text="现场检查")
        with pytest.raises(InvalidInput) as future:
            _note(db, w, kind="site_visit", text="现场检查", visited_on="2026-04-11")
        with pytest.raises(InvalidInput) as no_deadline:
            _note(db, w, kind="instruction", text="请说明")
        with pytest.raises(InvalidInput) as past:
            _note(db, w, kind="instruction", text="请说明", answer_by="2026-04-09")
    assert no_date.value.fields == {"visited_on": "请填写现场检查的日期"}
    assert future.value.fields == {"visited_on": "检查日期不能晚于今天"}
    assert no_deadline.value.fields == {"answer_by": "请填写答复期限"}
    assert past.value.fields == {"answer_by": "答复期限不能早于今天"}


def test_only_supervisors_write_notes(db, w):
    with on(dt.date(2026, 4, 10)), pytest.raises(Forbidden):
        supervision.add_note(
            db, w.project, NoteCreate(kind="note", text="我来督查"), staff=w.as_(db, w.handler)
        )


def test_the_lead_unit_answers_an_instruction_once_and_late_ones_are_overdue(db, w):
    with on(dt.date(2026, 4, 10)):
        note = _note(db, w, kind="instruction", text="请说明滞后原因", answer_by="2026-04-15")
    db.commit()
    assert "收到督办指令，请于 2026-04-15 前" in sms_to(db, HANDLER_PHONE)[0]
    assert supervision.is_overdue(note, dt.date(2026, 4, 15)) is False
    assert supervision.is_overdue(note, dt.date(2026, 4, 16)) is True
    with pytest.raises(Forbidden):
        supervision.answer(db, note, AnswerIn(answer="不是我们"), staff=w.as_(db, w.other_handler))
    with on(dt.date(2026, 4, 16)):
        supervision.answer(db, note, AnswerIn(answer="已增派人员"), staff=w.as_(db, w.handler))
        with pytest.raises(Conflict) as twice:
            supervision.answer(db, note, AnswerIn(answer="再答"), staff=w.as_(db, w.handler))
    assert twice.value.code == "already_answered"
    assert note.answer == "已增派人员" and note.answered_by_id == w.handler.id
    assert supervision.is_overdue(note, dt.date(2026, 4, 20)) is False
    read = supervision.note_read(db, note, dt.date(2026, 4, 20))
    assert (read.written_by, read.answered_by) == ("督查员", "住建承办人")


def test_a_note_that_is_not_an_instruction_takes_no_answer(db, w):
    with on(dt.date(2026, 4, 10)):
        note = _note(db, w, kind="note", text="注意安全")
    with pytest.raises(Conflict):
        supervision.answer(db, note, AnswerIn(answer="好的"), staff=w.as_(db, w.handler))


def test_the_overview_puts_the_worst_first_and_filters(db, w):
    other = make.project(db, w.batch, w.other, "2026-1-002", title="小艾之家")
    w.project.warning, other.warning = WarningColour.none, WarningColour.red
    db.commit()
    today = dt.date(2026, 6, 2)
    rows = supervision.overview(db, staff=w.as_(db, w.supervisor), today=today)
    assert [r.project.code for r in rows] == ["2026-1-002", "2026-1-001"]
    assert rows[0].planned == 30.5 and rows[0].lag == 30.5
    assert rows[0].report_state == "due"  # May's report is due on June 5
    red = supervision.overview(db, staff=w.as_(db, w.supervisor), today=today, colour="red")
    assert [r.project.code for r in red] == ["2026-1-002"]
    mine = supervision.overview(db, staff=w.as_(db, w.handler), today=today)
    assert [r.project.code for r in mine] == ["2026-1-001"]  # a handler sees their unit's
    by_unit = supervision.overview(
        db, staff=w.as_(db, w.supervisor), today=today, unit_id=w.other.id
    )
    assert [r.project.code for r in by_unit] == ["2026-1-002"]


def test_the_chart_draws_the_plan_and_the_reports_month_by_month(db, w):
    staff = w.as_(db, w.handler)
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(10), staff=staff)
    with on(dt.date(2026, 5, 2)):
        reports.file_report(db, w.project, report(25), staff=staff)
    history = reports.history(db, w.project)
    chart = progress_chart.chart(w.project, history, dt.date(2026, 5, 20))
    assert [(p.month, p.actual) for p in chart.months] == [
        ("2026-03", 10),
        ("2026-04", 25),
        ("2026-05", None),
    ]
    assert chart.months[0].planned == 9.8  # March 31: 30 of 305 days
    assert len(chart.dots) == 2 and len(chart.planned_points.split()) == 3
    # 25% sits a quarter of the way up from the bottom of the plot.
    assert chart.dots[1].y == round(12 + 152 * 0.75, 1)
