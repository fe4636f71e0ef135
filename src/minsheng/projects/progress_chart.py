"""Planned against actual progress of one project as a small line chart, drawn on the server as
inline SVG (no script), with the same figures in a table beside it."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from minsheng.projects import service
from minsheng.projects.models import Project
from minsheng.projects.models_progress import MonthlyReport

# About a phone's width in CSS pixels, so that the text is drawn near its own size there.
WIDTH = 320
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 36


@dataclass(frozen=True)
class MonthPoint:
    month: str  # "2026-03"
    planned: float
    actual: float | None  # None when no report was filed for the month

    @property
    def year(self) -> int:
        return int(self.month[:4])

    @property
    def number(self) -> int:
        return int(self.month[5:])


@dataclass(frozen=True)
class Dot:
    """A point drawn at (x, y) for a month's figure (or, on the axis, a percentage)."""

    x: float
    y: float
    point: MonthPoint | None = None
    value: float = 0


@dataclass(frozen=True)
class ProgressChart:
    width: int
    height: int
    planned_points: str  # for <polyline points="...">
    actual_points: str
    dots: list[Dot]
    x_labels: list[Dot]
    y_lines: list[Dot]
    plot_left: int
    plot_right: int
    months: list[MonthPoint]


def _month_end(month: str) -> dt.date:
    year, mon = (int(part) for part in month.split("-"))
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _months(first: str, last: str) -> list[str]:
    year, mon = (int(part) for part in first.split("-"))
    months = []
    while f"{year:04d}-{mon:02d}" <= last:
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return months


def points(project: Project, reports: list[MonthlyReport], today: dt.date) -> list[MonthPoint]:
    """Each month from the start to this month (or the planned end): the plan at the month's
    end, and the progress reported for it."""
    first = service.month_key(project.start_on)
    last = min(service.month_key(today), max(service.month_key(project.end_on), first))
    reported = {r.month: r.progress for r in reports}
    last = max([last, *[m for m in reported if m >= first]])
    return [
        MonthPoint(
            month=m,
            planned=round(service.planned_percent(project, _month_end(m)), 1),
            actual=reported.get(m),
        )
        for m in _months(first, last)
    ]


def chart(project: Project, reports: list[MonthlyReport], today: dt.date) -> ProgressChart:
    months = points(project, reports, today)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / (len(months) - 1) if len(months) > 1 else 0

    def x(i: int) -> float:
        return round(LEFT + (i * step if len(months) > 1 else plot_w / 2), 1)

    def y(percent: float) -> float:
        return round(TOP + plot_h * (1 - percent / 100), 1)

    planned = " ".join(f"{x(i)},{y(p.planned)}" for i, p in enumerate(months))
    dots = [
        Dot(x(i), y(p.actual), p, p.actual) for i, p in enumerate(months) if p.actual is not None
    ]
    every = max(1, (len(months) + 5) // 6)  # at most about six month labels under the axis
    x_labels = [
        Dot(x(i), HEIGHT - BOTTOM + 16, p)
        for i, p in enumerate(months)
        if i % every == 0 or i == len(months) - 1
    ]
    y_lines = [Dot(LEFT, y(p), None, p) for p in (0, 50, 100)]
    return ProgressChart(
        width=WIDTH,
        height=HEIGHT,
        planned_points=planned,
        actual_points=" ".join(f"{d.x},{d.y}" for d in dots),
        dots=dots,
        x_labels=x_labels,
        y_lines=y_lines,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        months=months,
    )
