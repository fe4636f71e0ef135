"""The plan curve and the lag warning every step of the method reads."""

import datetime as dt

from sqlalchemy.orm import Session

from minsheng.core.settings import get_settings
from minsheng.projects.models import Stage, WarningColour
from minsheng.projects.service import lag_warning, planned_percent, report_due_on
from tests import projects as make


def test_plan_runs_through_milestones_and_warns_by_lag(db: Session) -> None:
    lead = make.unit(db, make.HOUSING_BUREAU)
    plan = make.project(
        db,
        make.batch(db),
        lead,
        start_on=dt.date(2026, 3, 1),
        end_on=dt.date(2026, 12, 31),
        milestones=(("完成排查", dt.date(2026, 5, 1), 50.0),),
    )
    assert planned_percent(plan, dt.date(2026, 2, 1)) == 0
    assert planned_percent(plan, dt.date(2026, 5, 1)) == 50
    assert 24 < planned_percent(plan, dt.date(2026, 4, 1)) < 26
    assert planned_percent(plan, dt.date(2027, 1, 1)) == 100
    settings = get_settings()
    # April's report (due 5 May) against the plan for 30 April: 49%.
    plan.progress, plan.started_on, plan.progress_month = 45.0, dt.date(2026, 3, 5), "2026-04"
    assert lag_warning(plan, dt.date(2026, 5, 20), settings) == WarningColour.none
    plan.progress = 35.0
    assert lag_warning(plan, dt.date(2026, 5, 20), settings) == WarningColour.yellow
    plan.progress = 15.0
    assert lag_warning(plan, dt.date(2026, 5, 20), settings) == WarningColour.red
    plan.stage = Stage.completed
    assert lag_warning(plan, dt.date(2026, 5, 20), settings) == WarningColour.none


def test_a_report_on_time_is_judged_against_the_plan_for_its_month(db: Session) -> None:
    """Late November, the October report at the October plan is on schedule, although the
    plan for today is ten points further on; once May's report is overdue, the lag shows."""
    plan = make.project(
        db,
        make.batch(db),
        make.unit(db, "某单位"),
        start_on=dt.date(2026, 1, 1),
        end_on=dt.date(2026, 12, 31),
    )
    plan.started_on, plan.progress, plan.progress_month = dt.date(2026, 1, 5), 83.0, "2026-10"
    settings = get_settings()
    assert lag_warning(plan, dt.date(2026, 11, 26), settings) == WarningColour.none
    plan.progress, plan.progress_month = 30.0, "2026-04"  # April's figure, May's report missing
    assert lag_warning(plan, dt.date(2026, 6, 4), settings) == WarningColour.none  # not yet due
    assert lag_warning(plan, dt.date(2026, 6, 10), settings) == WarningColour.yellow


def test_a_project_not_started_a_month_after_its_start_is_yellow(db: Session) -> None:
    # A five-year plan: barely a point is due after a month, so only the late start can warn.
    lead = make.unit(db, "某单位")
    plan = make.project(
        db, make.batch(db), lead, start_on=dt.date(2026, 3, 1), end_on=dt.date(2030, 12, 31)
    )
    settings = get_settings()
    assert lag_warning(plan, dt.date(2026, 3, 20), settings) == WarningColour.none
    assert lag_warning(plan, dt.date(2026, 4, 5), settings) == WarningColour.yellow


def test_a_months_report_is_due_on_the_report_day_of_the_next_month(db: Session) -> None:
    batch = make.batch(db, report_day=5)
    assert report_due_on(batch, "2026-10") == dt.date(2026, 11, 5)
    assert report_due_on(batch, "2026-12") == dt.date(2027, 1, 5)
