"""Filing monthly reports: every rule of the issue, and what a report changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.projects import follow, reports
from minsheng.projects.models import Stage
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.schemas_reports import ReportCorrection, ReportCreate
from minsheng.web.forms import parse
from tests.projects.reporting import World, events, on, report, sms_to, world

FOLLOWER = "13812345678"


@pytest.fixture
def w(db) -> World:
    return world(db)


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(MonthlyReport))


def test_filing_updates_the_project_its_targets_timeline_and_followers(db, w):
    follow.add_follower(db, w.project, FOLLOWER)
    db.commit()
    target = w.project.targets[0]
    with on(dt.date(2026, 4, 2)):
        filed = reports.file_report(
            db,
            w.project,
            report(20, results=[{"target_id": target.id, "value": 300}]),
            staff=w.as_(db, w.handler),
        )
        db.commit()
    assert filed.month == "2026-03"  # the previous month by default
    assert filed.due_on == dt.date(2026, 4, 5)
    assert filed.late is False
    assert filed.filed_by_id == w.handler.id
    assert w.project.progress == 20 and w.project.progress_month == "2026-03"
    assert w.project.started_on == dt.date(2026, 3, 1)
    assert target.achieved == 300
    public = [e.text for e in events(db, w.project, "report") if e.public]
    assert public == ["月报：进度20%（2026年3月）"]
    told = sms_to(db, FOLLOWER)
    assert len(told) == 1 and "20%" in told[0] and "农村自建房消防隐患排查" in told[0]


def test_followers_are_not_told_when_progress_does_not_move(db, w):
    follow.add_follower(db, w.project, FOLLOWER)
    staff = w.as_(db, w.handler)
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(20), staff=staff)
    with on(dt.date(2026, 5, 2)):
        reports.file_report(db, w.project, report(20), staff=staff)
    db.commit()
    assert len(sms_to(db, FOLLOWER)) == 1


def test_a_second_report_for_the_same_month_is_refused_and_says_how_to_correct(db, w):
    staff = w.as_(db, w.handler)
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(20), staff=staff)
        db.commit()
        with pytest.raises(Conflict) as refused:
            reports.file_report(db, w.project, report(25, month="2026-03"), staff=staff)
    db.rollback()
    assert refused.value.code == "already_reported"
    assert "2026年3月的月报已于 2026-04-02 填报，每个月只能填报一次" in refused.value.message
    assert "更正" in refused.value.message
    assert refused.value.details == [{"field": "month", "message": refused.value.message}]
    assert _count(db) == 1
    assert w.project.progress == 20


def test_progress_going_backwards_needs_a_reason(db, w):
    staff = w.as_(db, w.handler)
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(30), staff=staff)
    db.commit()
    with on(dt.date(2026, 5, 2)):
        with pytest.raises(InvalidInput) as refused:
            reports.file_report(db, w.project, report(25), staff=staff)
        assert refused.value.fields == {
            "regress_reason": "累计进度 25% 低于上次报告（2026年3月）的 30%，请填写进度回退原因"
        }
        db.rollback()
        assert _count(db) == 1
        reports.file_report(
            db, w.project, report(25, regress_reason="重新核定排查范围"), staff=staff
        )
    db.commit()
    assert w.project.progress == 25 and w.project.progress_month == "2026-04"


def test_a_target_figure_going_backwards_needs_a_reason(db, w):
    staff = w.as_(db, w.handler)
    target = w.project.targets[1]
    with on(dt.date(2026, 4, 2)):
        reports.file_report(
            db, w.project, report(10, results=[{"target_id": target.id, "value": 50}]), staff=staff
        )
    db.commit()
    with on(dt.date(2026, 5, 2)), pytest.raises(InvalidInput) as refused:
        reports.file_report(
            db, w.project, report(20, results=[{"target_id": target.id, "value": 40}]), staff=staff
        )
    db.rollback()
    assert "“整改消防隐患”累计 40处，少于上次报告的 50处" in refused.value.fields["regress_reason"]
    assert target.achieved == 50


@pytest.mark.parametrize("value", ["101", "-1", "150%"])
def test_percentages_outside_0_to_100_are_refused(value):
    with pytest.raises(InvalidInput) as refused:
        parse(ReportCreate, {"progress": value, "done": "做了一些事"})
    assert refused.value.fields == {"progress": "进度百分比应在 0 到 100 之间"}


def test_a_percentage_that_is_not_a_number_and_an_empty_done_are_refused():
    with pytest.raises(InvalidInput) as refused:
        parse(ReportCreate, {"progress": "一半", "done": " "})
    assert refused.value.fields == {"progress": "请填写数字", "done": "请填写本月完成情况"}


def test_a_future_month_and_a_month_before_the_start_are_refused(db, w):
    staff = w.as_(db, w.handler)
    with on(dt.date(2026, 4, 20)):
        with pytest.raises(InvalidInput) as future:
            reports.file_report(db, w.project, report(5, month="2026-05"), staff=staff)
        with pytest.raises(InvalidInput) as early:
            reports.file_report(db, w.project, report(5, month="2026-02"), staff=staff)
        # The month under way may be reported before it ends.
        current = reports.file_report(db, w.project, report(15, month="2026-04"), staff=staff)
    assert future.value.fields == {"month": "不能填报未来月份（2026年5月）的月报"}
    assert early.value.fields == {"month": "项目 2026年3月开始实施，不能填报2026年2月的月报"}
    assert current.month == "2026-04"


def test_another_units_project_is_forbidden(db, w):
    with on(dt.date(2026, 4, 2)), pytest.raises(Forbidden) as refused:
        reports.file_report(db, w.project, report(10), staff=w.as_(db, w.other_handler))
    assert "不由您的单位牵头" in refused.value.message
    db.rollback()
    assert _count(db) == 0


def test_the_programme_office_may_file_on_the_units_behalf_which_is_recorded(db, w):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(10), staff=w.as_(db, w.supervisor))
    db.commit()
    behalf = events(db, w.project, "report_on_behalf")
    assert [e.public for e in behalf] == [False]
    assert "督查员代牵头单位填报" in behalf[0].text


def test_a_report_filed_after_the_report_day_is_late(db, w):
    with on(dt.date(2026, 4, 6)):
        filed = reports.file_report(db, w.project, report(10), staff=w.as_(db, w.handler))
    db.commit()
    assert filed.late is True
    assert [e.public for e in events(db, w.project, "report_late")] == [False]
    with on(
        dt.date(
            2026,
            5,
            5,
        ),
        hour=23,
    ):  # the report day itself is still on time
        on_time = reports.file_report(db, w.project, report(20), staff=w.as_(db, w.handler))
    assert on_time.late is False


def test_only_running_projects_report(db, w):
    w.project.stage = Stage.completed
    db.commit()
    with on(dt.date(2026, 4, 2)), pytest.raises(Conflict) as refused:
        reports.file_report(db, w.project, report(10), staff=w.as_(db, w.handler))
    assert "只有实施中的项目填报月报" in refused.value.message


def test_results_for_another_projects_target_are_refused(db, w):
    with on(dt.date(2026, 4, 2)), pytest.raises(InvalidInput) as refused:
        reports.file_report(
            db,
            w.project,
            report(10, results=[{"target_id": 99999, "value": 1}]),
            staff=w.as_(db, w.handler),
        )
    assert refused.value.fields == {"results": f"指标 #99999 不属于项目 {w.project.code}"}


def test_history_is_newest_first(db, w):
    staff = w.as_(db, w.handler)
    for day, pct in (
        (dt.date(2026, 4, 2), 10),
        (dt.date(2026, 5, 2), 20),
        (dt.date(2026, 6, 2), 35),
    ):
        with on(day):
            reports.file_report(db, w.project, report(pct), staff=staff)
    db.commit()
    assert [r.month for r in reports.history(db, w.project)] == ["2026-05", "2026-04", "2026-03"]


def test_a_correction_is_for_the_programme_office_with_a_public_reason(db, w):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(30), staff=w.as_(db, w.handler))
        db.commit()
        fix = ReportCorrection(
            progress=12, done="按实际入户数核减。", reason="误把计划数当作完成数"
        )
        with pytest.raises(Forbidden):
            reports.correct_report(db, w.project, "2026-03", fix, staff=w.as_(db, w.handler))
        db.rollback()
        fixed = reports.correct_report(db, w.project, "2026-03", fix, staff=w.as_(db, w.supervisor))
        db.commit()
    assert fixed.progress == 12 and w.project.progress == 12
    corrected = events(db, w.project, "report_corrected")
    assert [e.public for e in corrected] == [True]
    assert "更正原因：误把计划数当作完成数" in corrected[0].text
    assert _count(db) == 1
