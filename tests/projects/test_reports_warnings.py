"""Colour warnings: yellow and red by the lag behind the plan, with the settings' thresholds."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.settings import get_settings
from minsheng.projects import reports
from minsheng.projects.models import WarningColour
from tests.projects.reporting import World, events, on, report, world

# The project runs 2026-03-01 to 2026-12-31 without milestones: a straight plan of 305 days.
# A figure is judged against the plan for the month it stands for (service.measured_on):
# 30 April 19.7%, 31 May 29.8%, 31 July 49.8%.


@pytest.fixture
def w(db) -> World:
    return world(db)


def _warnings(db, w: World) -> list[str]:
    return [e.text for e in events(db, w.project, "warning") if e.public]


def test_lagging_turns_yellow_then_red_and_clears_each_a_public_step(db, w):
    staff = w.as_(db, w.handler)
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(10), staff=staff)
    assert w.project.warning == WarningColour.none
    with on(dt.date(2026, 6, 2)):
        reports.file_report(db, w.project, report(15), staff=staff)
    db.commit()
    assert w.project.warning == WarningColour.yellow
    assert _warnings(db, w) == ["黄色预警：计划应达 29.8%，实际 15%，滞后 14.8 个百分点"]
    # June's and July's reports missing: judged against July's plan, beyond the red threshold.
    assert reports.refresh_warning(db, w.project, dt.date(2026, 8, 10), get_settings()) == (
        WarningColour.red
    )
    with on(dt.date(2026, 8, 11)):
        reports.file_report(db, w.project, report(48, month="2026-07"), staff=staff)
    db.commit()
    assert w.project.warning == WarningColour.none
    assert _warnings(db, w)[1:] == [
        "红色预警：计划应达 49.8%，实际 15%，滞后 34.8 个百分点",
        "进度预警解除：计划应达 49.8%，实际 48%",
    ]


def test_the_thresholds_are_settings(db, w, monkeypatch):
    monkeypatch.setenv("MINSHENG_PROJECT_YELLOW_LAG", "5")
    monkeypatch.setenv("MINSHENG_PROJECT_RED_LAG", "15")
    get_settings.cache_clear()
    # May's figures after May's report was due: judged against May's plan, 29.8%.
    w.project.progress, w.project.started_on = 24.0, dt.date(2026, 3, 5)
    settings = get_settings()
    assert reports.refresh_warning(db, w.project, dt.date(2026, 6, 10), settings) == (
        WarningColour.yellow
    )
    w.project.progress = 14.0
    assert reports.refresh_warning(db, w.project, dt.date(2026, 6, 10), settings) == (
        WarningColour.red
    )
    # With the default thresholds (10 and 30) the same lag of 15.8 points is only yellow.
    monkeypatch.delenv("MINSHENG_PROJECT_YELLOW_LAG")
    monkeypatch.delenv("MINSHENG_PROJECT_RED_LAG")
    get_settings.cache_clear()
    assert reports.refresh_warning(db, w.project, dt.date(2026, 6, 10), get_settings()) == (
        WarningColour.yellow
    )


def test_an_unchanged_colour_writes_nothing(db, w):
    w.project.progress, w.project.started_on = 5.0, dt.date(2026, 3, 5)
    settings = get_settings()
    reports.refresh_warning(db, w.project, dt.date(2026, 6, 2), settings)
    reports.refresh_warning(db, w.project, dt.date(2026, 6, 3), settings)
    db.commit()
    assert len(_warnings(db, w)) == 1


def test_a_project_not_started_a_month_after_its_start_is_yellow(db, w):
    w.project.end_on = dt.date(2030, 12, 31)  # a long plan: the lag alone would not warn
    colour = reports.refresh_warning(db, w.project, dt.date(2026, 4, 5), get_settings())
    db.commit()
    assert colour == WarningColour.yellow
    assert _warnings(db, w) == ["黄色预警：计划开始已满一个月，尚未报告开工"]
