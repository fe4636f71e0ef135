"""The working-day calendar that every time limit in Minsheng is counted on.

Which days are working days comes from `chinese-calendar`: it transcribes the State Council
General Office's (国务院办公厅) yearly notice on public holidays, including the make-up working
weekends (调休) that a plain Monday–Friday rule gets wrong, and it is maintained and released
each year when the notice appears. It knows 2004–2026. For a year it does not know yet (2027
before the notice is published), days fall back to Monday–Friday and `is_estimate` says so.
An installation may override single days (a local day off, an extra working day), and may
set office hours (`MINSHENG_OFFICE_HOURS`) so that limits in hours count only time the offices
are open.

Every moment is a time-zone-aware datetime; days are the installation's local calendar days
(`MINSHENG_TIMEZONE`, Asia/Shanghai by default), and results are in that time zone.

A deadline is the first instant after the last day allowed, so a request is overdue when
`now >= deadline`: "7 working days" for a request received on Wednesday 2026-09-30 ends with
Thursday 2026-10-15, and the deadline is 2026-10-16 00:00 (+08:00). `last_day(deadline)`
gives the day to print ("办理期限：2026年10月15日").
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import chinese_calendar

from minsheng.core.settings import get_settings

ONE_DAY = dt.timedelta(days=1)
_MIDNIGHT = dt.time(0)
_WHOLE_DAY = ((dt.timedelta(), ONE_DAY),)  # a window as offsets from local midnight

OfficeHours = tuple[tuple[dt.time, dt.time], ...]
_Windows = tuple[tuple[dt.timedelta, dt.timedelta], ...]


@functools.cache
def known(year: int) -> bool:
    """Whether the official holiday schedule of this year is known (to chinese-calendar)."""
    return _official_workday(dt.date(year, 1, 1)) is not None


# Cached: the library checks the year against its whole table on every call.
@functools.lru_cache(maxsize=8192)
def _official_workday(day: dt.date) -> bool | None:
    """Whether the official schedule makes this a working day; None for an unknown year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


class WorkCalendar:
    """Working days in one time zone: the official schedule plus this installation's overrides.

    `overrides` maps a date to whether it is a working day (True: an extra working day; False:
    a local day off); it wins over the official schedule and over the Monday–Friday fallback.
    `office_hours` are local (start, end) windows, in order; without them a working day counts
    whole, from midnight to midnight.
    """

    def __init__(
        self,
        *,
        tz: str = "Asia/Shanghai",
        overrides: Mapping[dt.date, bool] | None = None,
        office_hours: Sequence[tuple[dt.time, dt.time]] = (),
    ) -> None:
        self.tz = ZoneInfo(tz)
        self.overrides: Mapping[dt.date, bool] = dict(overrides or {})
        self.office_hours: OfficeHours = _checked(tuple(office_hours))
        self._windows = tuple((_offset(a), _offset(b)) for a, b in self.office_hours) or _WHOLE_DAY
        self._day_length = sum((end - start for start, end in self._windows), dt.timedelta())

    def local_day(self, moment: dt.datetime) -> dt.date:
        """The local calendar day a moment falls on."""
        return self._local(moment, "moment").date()

    def last_day(self, deadline: dt.datetime) -> dt.date:
        """The last local day a deadline allows: the day it is the end of."""
        local = self._local(deadline, "deadline")
        return local.date() - ONE_DAY if local.time() == _MIDNIGHT else local.date()

    def is_workday(self, day: dt.date) -> bool:
        """Whether people work on this day (a datetime is first read as its local day)."""
        if isinstance(day, dt.datetime):
            day = self.local_day(day)
        if day in self.overrides:
            return self.overrides[day]
        official = _official_workday(day)
        return day.weekday() < 5 if official is None else official

    def is_estimate(self, day: dt.date) -> bool:
        """Whether this day is guessed as Monday–Friday because its year is not known yet."""
        if isinstance(day, dt.datetime):
            day = self.local_day(day)
        return day not in self.overrides and not known(day.year)

    def next_workday(self, day: dt.date) -> dt.date:
        """This day if people work on it, else the first working day after it."""
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: dt.datetime, *, days: int) -> dt.datetime:
        """The deadline for a limit of `days` working days on something received at `start`.

        The day of receipt does not count; the limit ends with the `days`-th working day after
        it, and the deadline is the first instant of the following day. Received on a day off,
        it counts as received on the next working day. With days=0 the deadline is the end of
        the (working) day of receipt.

        Received Friday 2026-11-27 at 23:30, 1 working day: due by the end of Monday the 30th,
        the deadline is 2026-12-01 00:00; received Saturday the 28th: the end of Tuesday.
        """
        _refuse_negative(days, "days")
        day = self.next_workday(self.local_day(start))
        for _ in range(days):
            day = self.next_workday(day + ONE_DAY)
        return self._start_of(day + ONE_DAY)

    def extend(self, deadline: dt.datetime, *, days: int) -> dt.datetime:
        """The deadline moved `days` working days later, as for an approved extension.

        A deadline at the end of a working day moves to the end of the `days`-th working day
        after it; one in the middle of a day keeps its time of day (with office hours: moves by
        `days` days' worth of them).
        """
        _refuse_negative(days, "days")
        if self._local(deadline, "deadline").time() == _MIDNIGHT:
            return self._add_working_time(deadline, days * ONE_DAY, _WHOLE_DAY)
        return self._add_working_time(deadline, days * self._day_length, self._windows)

    def add_working_hours(self, start: dt.datetime, *, hours: float) -> dt.datetime:
        """The deadline for a limit of `hours` counted only on working days.

        Each working day counts its 24 local hours, from midnight to midnight; days off are
        skipped, and time received on a day off starts counting at the next working day's
        midnight. Received Friday 2026-11-27 at 15:00 with 24 hours: 9 hours are left on
        Friday, the other 15 run on Monday, so the deadline is Monday the 30th at 15:00.

        With office hours only their windows count, and time received outside them starts at the
        next one. With 08:30–12:00 and 13:30–17:30, received Friday 2026-11-27 at 17:00 with 2
        hours: half an hour is left on Friday, the rest runs from Monday 08:30 to 10:00.
        """
        if not math.isfinite(hours):
            raise ValueError(f"hours must be a finite number, got {hours!r}")
        _refuse_negative(hours, "hours")
        return self._add_working_time(start, dt.timedelta(hours=hours), self._windows)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole working days elapsed from `start` to `end`; negative when `end` is earlier.

        Working time is counted as in `add_working_hours` and rounded towards zero: a deadline
        at the end of Tuesday, seen on Thursday at 09:00, is overdue by 1 working day
        (Wednesday and 9 hours), and by 0 during Wednesday. With office hours a working day is
        the sum of their windows, so that deadline is overdue by 1 from Wednesday's closing.
        """
        first, last = self._local(start, "start"), self._local(end, "end")
        if last < first:
            return -(self._working_time(last, first) // self._day_length)
        return self._working_time(first, last) // self._day_length

    def fraction_used(self, start: dt.datetime, deadline: dt.datetime, now: dt.datetime) -> float:
        """How much of the limit from `start` to `deadline` is used at `now`, from 0 to 1.

        Working time is counted as in `add_working_hours`. A limit of no working time at all is
        unused (0) before its deadline and used up (1) from it.
        """
        first, due = self._local(start, "start"), self._local(deadline, "deadline")
        seen = self._local(now, "now")
        limit = self._working_time(first, due)
        if not limit:
            return 0.0 if seen < due else 1.0
        return min(self._working_time(first, seen) / limit, 1.0)

    def _add_working_time(
        self, start: dt.datetime, amount: dt.timedelta, windows: _Windows
    ) -> dt.datetime:
        local = self._local(start, "start")
        if not amount:
            return local
        # Counted on the local wall clock, on which days and office hours are defined.
        cursor, day = local.replace(tzinfo=None), local.date()
        while True:
            for opens, closes in self._periods(day, windows):
                cursor = max(cursor, opens)
                if cursor >= closes:
                    continue
                if amount <= closes - cursor:
                    return (cursor + amount).replace(tzinfo=self.tz)
                amount -= closes - cursor
                cursor = closes
            day += ONE_DAY

    def _working_time(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        first, last = start.replace(tzinfo=None), end.replace(tzinfo=None)  # local wall clock
        total = dt.timedelta()
        day = first.date()
        while day <= last.date():
            for opens, closes in self._periods(day, self._windows):
                total += max(min(last, closes) - max(first, opens), dt.timedelta())
            day += ONE_DAY
        return total

    def _periods(self, day: dt.date, windows: _Windows) -> list[tuple[dt.datetime, dt.datetime]]:
        """The windows of this day on the local wall clock; none on a day off."""
        if not self.is_workday(day):
            return []
        midnight = dt.datetime.combine(day, _MIDNIGHT)
        return [(midnight + opens, midnight + closes) for opens, closes in windows]

    def _start_of(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, _MIDNIGHT, tzinfo=self.tz)

    def _local(self, moment: dt.datetime, name: str) -> dt.datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment}")
        return moment.astimezone(self.tz)


def parse_office_hours(text: str) -> OfficeHours:
    """Office hours written as in the setting, "08:30-12:00,13:30-17:30"; "" means none."""
    if not text.strip():
        return ()
    windows = []
    for part in text.split(","):
        try:
            start, end = (dt.datetime.strptime(t.strip(), "%H:%M").time() for t in part.split("-"))
        except ValueError:
            raise ValueError(
                f"办公时间“{part.strip()}”写法不对，应写成“08:30-12:00,13:30-17:30”这样的时段"
            ) from None
        windows.append((start, end))
    return _checked(tuple(windows))


def _checked(windows: OfficeHours) -> OfficeHours:
    previous_end = _MIDNIGHT
    for start, end in windows:
        if not previous_end <= start < end:
            raise ValueError(
                f"办公时段 {start:%H:%M}-{end:%H:%M} 不对："
                "每段要先开始后结束，各段按时间先后排列、不能重叠"
            )
        previous_end = end
    return windows


def _offset(moment: dt.time) -> dt.timedelta:
    return dt.timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _refuse_negative(amount: float, name: str) -> None:
    if amount < 0:
        raise ValueError(f"{name} must be zero or more, got {amount}")


def default_calendar(*, overrides: Mapping[dt.date, bool] | None = None) -> WorkCalendar:
    """The calendar of this installation: its time zone and office hours from its settings."""
    settings = get_settings()
    return WorkCalendar(
        tz=settings.timezone,
        overrides=overrides,
        office_hours=parse_office_hours(settings.office_hours),
    )
