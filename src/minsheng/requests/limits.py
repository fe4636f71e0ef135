"""Time limits by category and priority, counted on the working calendar.

Emergencies and urgent outages run on the clock (nobody waits for Monday when gas leaks);
normal and complex requests count working days, skipping holidays and counting make-up days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from minsheng.core.settings import get_settings
from minsheng.core.workdays import default_calendar
from minsheng.requests.models import Priority
from minsheng.routing import service as routing
from minsheng.routing.models import Category


@dataclass(frozen=True)
class Limits:
    response_hours: float
    resolve_days: int = 0  # working days, when resolve_hours is None
    resolve_hours: float | None = None  # clock hours, for emergency and urgent
    on_clock: bool = False

    def response_due(self, start: dt.datetime) -> dt.datetime:
        if self.on_clock:
            return (start + dt.timedelta(hours=self.response_hours)).astimezone(dt.UTC)
        due = default_calendar().add_working_hours(start, hours=self.response_hours)
        return due.astimezone(dt.UTC)

    def resolve_due(self, start: dt.datetime) -> dt.datetime:
        if self.resolve_hours is not None:
            return (start + dt.timedelta(hours=self.resolve_hours)).astimezone(dt.UTC)
        due = default_calendar().add_working_days(start, days=self.resolve_days)
        return due.astimezone(dt.UTC)

    def describe(self) -> str:
        """For people: 响应 24 小时，办结 7 个工作日."""
        if self.resolve_hours is not None:
            return f"响应 {self.response_hours:g} 小时，办结 {self.resolve_hours:g} 小时"
        return f"响应 {self.response_hours:g} 个工作小时，办结 {self.resolve_days} 个工作日"


def limits_for(db: Session, *, category: Category, priority: Priority) -> Limits:
    settings = get_settings()
    response_hours, resolve_days = routing.effective_limits(db, category=category)
    if priority == Priority.emergency:
        return Limits(
            response_hours=settings.emergency_response_hours,
            resolve_hours=settings.emergency_resolve_hours,
            on_clock=True,
        )
    if priority == Priority.urgent:
        return Limits(
            response_hours=min(response_hours, 2),
            resolve_hours=settings.urgent_resolve_hours,
            on_clock=True,
        )
    if priority == Priority.complex:
        days = max(resolve_days, settings.complex_resolve_days)
        return Limits(response_hours=response_hours, resolve_days=days)
    return Limits(response_hours=response_hours, resolve_days=resolve_days)
