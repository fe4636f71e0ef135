"""The daily round: reminders before the report day (once), 逾期未报 after it (once), overdue
instructions, and every running project's warning recomputed."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.jobs import registered, run_job
from minsheng.projects import jobs, reports, supervision
from minsheng.projects.models import WarningColour
from minsheng.projects.schemas_reports import NoteCreate
from tests import projects as make
from tests.projects.reporting import HANDLER_PHONE, World, events, on, report, sms_to, world


@pytest.fixture
def w(db) -> World:
    return world(db)


def test_the_round_is_declared_daily():
    assert registered()["projects.daily_round"].schedule == "0 8 * * *"


def test_the_unit_is_reminded_three_days_before_the_report_day_once(db, w):
    second = make.project(db, w.batch, w.bureau, "2026-1-002", title="公证档案信息互联互通")
    db.commit()
    with on(dt.date(2026, 4, 1)):  # four days before the 5th: too early
        assert jobs.sweep(db).reminded == 0
    assert sms_to(db, HANDLER_PHONE) == []
    with on(dt.date(2026, 4, 2)):
        assert jobs.sweep(db).reminded == 2
    db.commit()
    told = sms_to(db, HANDLER_PHONE)
    assert len(told) == 1  # one message for the unit's two projects
    assert "2 个实事项目（2026-1-001、2026-1-002）尚未填报2026年3月月报" in told[0]
    assert "2026-04-05 前" in told[0]
    with on(dt.date(2026, 4, 3)):
        assert jobs.sweep(db).reminded == 0
    db.commit()
    assert len(sms_to(db, HANDLER_PHONE)) == 1
    reminders = events(db, second, "report_reminder")
    assert [e.public for e in reminders] == [False]
    assert "短信发给 1 位承办人" in reminders[0].text


def test_a_project_already_reported_is_not_reminded_and_next_month_is(db, w):
    with on(dt.date(2026, 4, 1)):
        reports.file_report(db, w.project, report(10), staff=w.as_(db, w.handler))
    with on(dt.date(2026, 4, 2)):
        assert jobs.sweep(db).reminded == 0
    with on(dt.date(2026, 5, 3)):
        assert jobs.sweep(db).reminded == 1
    db.commit()
    told = sms_to(db, HANDLER_PHONE)
    assert len(told) == 1 and "2026年4月月报" in told[0]


def test_a_unit_without_handler_phones_is_reminded_on_its_workbench(db, w):
    w.handler.phone = ""
    db.commit()
    with on(dt.date(2026, 4, 3)):
        assert jobs.sweep(db).reminded == 1
    db.commit()
    assert sms_to(db, HANDLER_PHONE) == []
    assert "提醒见月报工作台" in events(db, w.project, "report_reminder")[0].text


def test_a_project_that_starts_later_owes_nothing_yet(db, w):
    w.project.start_on = dt.date(2026, 5, 1)
    db.commit()
    with on(dt.date(2026, 4, 6)):
        result = jobs.sweep(db)
    assert (result.reminded, result.missing) == (0, 0)


def test_a_missing_report_is_flagged_in_public_once_after_the_day(db, w):
    with on(dt.date(2026, 4, 6)):
        assert jobs.sweep(db).missing == 1
    with on(dt.date(2026, 4, 7)):
        assert jobs.sweep(db).missing == 0
    db.commit()
    missing = events(db, w.project, "report_missing")
    assert [(e.text, e.public) for e in missing] == [
        ("逾期未报：2026年3月月报应于 2026-04-05 前填报", True)
    ]


def test_the_round_recomputes_warnings(db, w):
    with on(dt.date(2026, 4, 6)):
        result = jobs.sweep(db)
    assert result.warnings_changed == 1
    assert w.project.warning == WarningColour.yellow  # planned 11.8%, nothing reported


def test_an_overdue_instruction_is_flagged_and_the_unit_told_once(db, w):
    with on(dt.date(2026, 4, 10)):
        note = supervision.add_note(
            db,
            w.project,
            NoteCreate(kind="instruction", text="请说明进度滞后原因", answer_by="2026-04-15"),
            staff=w.as_(db, w.supervisor),
        )
    db.commit()
    assert len(sms_to(db, HANDLER_PHONE)) == 1  # told of the instruction itself
    with on(dt.date(2026, 4, 15)):
        assert jobs.sweep(db).overdue_instructions == 0  # the deadline day is still in time
    with on(dt.date(2026, 4, 16)):
        assert jobs.sweep(db).overdue_instructions == 1
    with on(dt.date(2026, 4, 17)):
        assert jobs.sweep(db).overdue_instructions == 0
    db.commit()
    flagged = events(db, w.project, "instruction_overdue")
    assert [(e.public, f"#{note.id}" in e.text) for e in flagged] == [(False, True)]
    assert "已超过答复期限" in sms_to(db, HANDLER_PHONE)[-1]


def test_the_declared_job_runs_in_its_own_transaction(db, w, database):
    with on(dt.date(2026, 4, 6)):
        run_job(database, "projects.daily_round", {})
    db.expire_all()
    assert [e.kind for e in events(db, w.project) if e.public] == ["report_missing", "warning"]
