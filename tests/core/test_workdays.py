"""Working days: the real 2026 schedule (holidays and make-up working weekends), the deadline
convention, estimates for unpublished years, local overrides, time zones, office hours and how
much of a limit is used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from minsheng.core.settings import get_settings
from minsheng.core.workdays import WorkCalendar, default_calendar, known
from minsheng.web.forms import field_message

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
OFFICE_HOURS = ((dt.time(8, 30), dt.time(12)), (dt.time(13, 30), dt.time(17, 30)))
OFFICE = WorkCalendar(office_hours=OFFICE_HOURS)  # 7.5 hours a working day


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A moment on Kunshan's wall clock."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


# The official 2026 schedule, as chinese-calendar has it


def test_national_day_2026_is_off_and_saturday_october_10_is_a_make_up_workday():
    assert not any(CAL.is_workday(day) for day in days(dt.date(2026, 10, 1), dt.date(2026, 10, 7)))
    assert dt.date(2026, 10, 10).weekday() == 5
    assert CAL.is_workday(dt.date(2026, 10, 10))
    assert dt.date(2026, 9, 20).weekday() == 6
    assert CAL.is_workday(dt.date(2026, 9, 20))


def test_spring_festival_2026_is_off_with_two_make_up_saturdays():
    festival = days(dt.date(2026, 2, 15), dt.date(2026, 2, 23))
    assert not any(CAL.is_workday(day) for day in festival)
    assert CAL.is_workday(dt.date(2026, 2, 14))  # Saturday
    assert CAL.is_workday(dt.date(2026, 2, 28))  # Saturday


def test_mid_autumn_2026_is_friday_to_sunday_september_25_to_27():
    assert not any(CAL.is_workday(day) for day in days(dt.date(2026, 9, 25), dt.date(2026, 9, 27)))
    assert CAL.is_workday(dt.date(2026, 9, 24))
    assert CAL.is_workday(dt.date(2026, 9, 28))


def test_ordinary_weekends_are_off():
    assert not CAL.is_workday(dt.date(2026, 11, 28))
    assert not CAL.is_workday(dt.date(2026, 11, 29))
    assert CAL.is_workday(dt.date(2026, 11, 27))


# add_working_days: the deadline convention


def test_filed_on_september_30_with_7_working_days_is_not_due_during_national_day():
    # Counted: Oct 8, 9, 10 (make-up Saturday), 12, 13, 14, 15.
    deadline = CAL.add_working_days(at(2026, 9, 30, 10), days=7)
    assert deadline == at(2026, 10, 16)
    assert CAL.last_day(deadline) == dt.date(2026, 10, 15)
    assert deadline.tzinfo == SHANGHAI


def test_filed_before_spring_festival_counts_the_make_up_saturday():
    # Counted: Feb 14 (make-up Saturday), 24, 25.
    assert CAL.add_working_days(at(2026, 2, 13, 16), days=3) == at(2026, 2, 26)


def test_limit_ending_on_friday_is_due_at_the_end_of_friday():
    assert CAL.add_working_days(at(2026, 11, 26, 9), days=1) == at(2026, 11, 28)


def test_limit_running_over_a_weekend_skips_it():
    assert CAL.add_working_days(at(2026, 11, 27, 9), days=1) == at(2026, 12, 1)
    assert CAL.add_working_days(at(2026, 11, 27, 9), days=5) == at(2026, 12, 5)


def test_received_on_a_holiday_counts_from_the_next_working_day():
    on_holiday = CAL.add_working_days(at(2026, 10, 3, 11), days=1)
    first_day_back = CAL.add_working_days(at(2026, 10, 8, 8), days=1)
    assert on_holiday == first_day_back == at(2026, 10, 10)  # the end of Friday Oct 9


def test_received_on_a_weekend_counts_as_received_on_monday():
    assert CAL.add_working_days(at(2026, 11, 28, 14), days=1) == at(2026, 12, 2)


def test_received_late_in_the_evening_still_counts_as_that_day():
    late = CAL.add_working_days(at(2026, 11, 26, 23, 59), days=2)
    early = CAL.add_working_days(at(2026, 11, 26, 0, 1), days=2)
    assert late == early == at(2026, 12, 1)


def test_zero_days_is_the_end_of_the_working_day_of_receipt():
    assert CAL.add_working_days(at(2026, 11, 26, 15), days=0) == at(2026, 11, 27)
    assert CAL.add_working_days(at(2026, 11, 28, 15), days=0) == at(2026, 12, 1)


def test_negative_limits_are_refused():
    with pytest.raises(ValueError, match="days must be zero or more"):
        CAL.add_working_days(at(2026, 11, 26), days=-1)
    with pytest.raises(ValueError, match="days must be zero or more"):
        CAL.extend(at(2026, 11, 26), days=-1)
    with pytest.raises(ValueError, match="hours must be zero or more"):
        CAL.add_working_hours(at(2026, 11, 26), hours=-0.5)
    with pytest.raises(ValueError, match="finite"):
        CAL.add_working_hours(at(2026, 11, 26), hours=float("nan"))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_days(dt.datetime(2026, 11, 26, 9), days=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_days_between(at(2026, 11, 26), dt.datetime(2026, 11, 27))


# Years without a published schedule


def test_years_the_library_knows():
    assert known(2004)
    assert known(2026)
    assert not known(2027)
    assert not known(2003)


def test_an_unknown_year_falls_back_to_monday_to_friday_and_says_so():
    assert CAL.is_workday(dt.date(2027, 10, 1))  # a Friday; the real 2027 holiday is unknown
    assert not CAL.is_workday(dt.date(2027, 10, 2))
    assert CAL.is_estimate(dt.date(2027, 10, 1))
    assert CAL.is_estimate(dt.date(2003, 10, 1))
    assert not CAL.is_estimate(dt.date(2026, 10, 1))


def test_a_limit_running_into_an_unknown_year_is_computed_and_flagged():
    deadline = CAL.add_working_days(at(2026, 12, 30, 10), days=5)
    assert deadline == at(2027, 1, 7)  # Dec 31, then Jan 1 (a Friday: estimated), 4, 5, 6
    assert CAL.is_estimate(CAL.last_day(deadline))
    assert CAL.working_days_between(at(2026, 12, 31), at(2027, 1, 7)) == 5


# Local overrides


def test_a_local_day_off_pushes_the_deadline():
    local = WorkCalendar(overrides={dt.date(2026, 11, 27): False})
    assert not local.is_workday(dt.date(2026, 11, 27))
    assert local.add_working_days(at(2026, 11, 26, 9), days=1) == at(2026, 12, 1)
    assert CAL.add_working_days(at(2026, 11, 26, 9), days=1) == at(2026, 11, 28)


def test_an_extra_working_day_shortens_the_wait():
    local = WorkCalendar(overrides={dt.date(2026, 11, 28): True})
    assert local.add_working_days(at(2026, 11, 27, 9), days=1) == at(2026, 11, 29)


def test_an_override_in_an_unknown_year_is_not_an_estimate():
    local = WorkCalendar(overrides={dt.date(2027, 2, 5): False})
    assert not local.is_workday(dt.date(2027, 2, 5))
    assert not local.is_estimate(dt.date(2027, 2, 5))
    assert local.is_estimate(dt.date(2027, 2, 4))


# Time zones


def test_utc_just_before_local_midnight_belongs_to_the_next_local_day():
    just_after_local_midnight = dt.datetime(2026, 9, 30, 16, 30, tzinfo=dt.UTC)  # Oct 1, 00:30
    assert CAL.local_day(just_after_local_midnight) == dt.date(2026, 10, 1)
    assert not CAL.is_workday(just_after_local_midnight)
    assert CAL.add_working_days(just_after_local_midnight, days=7) == at(2026, 10, 17)

    thursday_evening = dt.datetime(2026, 11, 26, 15, 59, tzinfo=dt.UTC)  # 23:59 Thursday
    friday_early = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # 00:00 Friday
    assert CAL.add_working_days(thursday_evening, days=1) == at(2026, 11, 28)
    assert CAL.add_working_days(friday_early, days=1) == at(2026, 12, 1)
    assert at(2026, 12, 1) == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_default_calendar_uses_the_installation_time_zone(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
):
    monkeypatch.delenv("MINSHENG_TIMEZONE", raising=False)
    assert default_calendar().tz == SHANGHAI

    monkeypatch.setenv("MINSHENG_TIMEZONE", "Asia/Urumqi")
    get_settings.cache_clear()
    local = default_calendar(overrides={dt.date(2026, 11, 27): False})
    assert local.tz == ZoneInfo("Asia/Urumqi")
    assert not local.is_workday(dt.date(2026, 11, 27))
    # 23:30 in Kunshan is still 21:30 on Thursday in Urumqi (UTC+6).
    assert local.local_day(at(2026, 11, 26, 23, 30)) == dt.date(2026, 11, 26)


# Working hours, elapsed working days, extensions


def test_working_hours_skip_days_off():
    assert CAL.add_working_hours(at(2026, 11, 26, 10), hours=2) == at(2026, 11, 26, 12)
    assert CAL.add_working_hours(at(2026, 11, 27, 15), hours=24) == at(2026, 11, 30, 15)
    assert CAL.add_working_hours(at(2026, 10, 3, 10), hours=2.5) == at(2026, 10, 8, 2, 30)
    assert CAL.add_working_hours(at(2026, 11, 26, 10), hours=0) == at(2026, 11, 26, 10)


def test_working_hours_ending_exactly_at_midnight_end_that_day():
    assert CAL.add_working_hours(at(2026, 11, 27), hours=24) == at(2026, 11, 28)


def test_working_days_between_counts_whole_working_days():
    deadline = at(2026, 11, 25)  # the end of Tuesday
    assert CAL.working_days_between(deadline, deadline) == 0
    assert CAL.working_days_between(deadline, at(2026, 11, 25, 15)) == 0
    assert CAL.working_days_between(deadline, at(2026, 11, 26, 9)) == 1
    assert CAL.working_days_between(deadline, at(2026, 11, 30, 9)) == 3  # weekend not counted


def test_working_days_between_is_negative_when_the_end_is_earlier():
    pairs = [
        (at(2026, 11, 25), at(2026, 11, 26, 9)),
        (at(2026, 9, 30), at(2026, 10, 16)),
        (at(2026, 2, 13, 16), at(2026, 2, 26)),
        (at(2026, 11, 28, 10), at(2026, 11, 29, 10)),
    ]
    for start, end in pairs:
        assert CAL.working_days_between(end, start) == -CAL.working_days_between(start, end)
    assert CAL.working_days_between(at(2026, 9, 30), at(2026, 10, 16)) == 8
    assert CAL.working_days_between(at(2026, 10, 16), at(2026, 9, 30)) == -8
    assert CAL.working_days_between(at(2026, 11, 28, 10), at(2026, 11, 29, 10)) == 0


def test_working_days_between_undoes_working_hours():
    start = at(2026, 9, 29, 14)
    for n in range(12):
        assert CAL.working_days_between(start, CAL.add_working_hours(start, hours=24 * n)) == n


def test_extension_moves_a_deadline_by_working_days():
    deadline = at(2026, 10, 1)  # the end of Sept 30
    assert CAL.extend(deadline, days=3) == at(2026, 10, 11)  # Oct 8, 9, 10
    assert CAL.extend(deadline, days=0) == deadline
    assert CAL.extend(at(2026, 11, 28), days=1) == at(2026, 12, 1)  # end of Friday → of Monday
    assert CAL.extend(at(2026, 11, 27, 15), days=1) == at(2026, 11, 30, 15)


def test_extension_equals_a_longer_limit():
    received = at(2026, 9, 28, 10)
    assert CAL.extend(CAL.add_working_days(received, days=7), days=5) == CAL.add_working_days(
        received, days=12
    )


# Properties over all of 2026


def test_every_2026_deadline_ends_a_working_day_and_grows_with_the_limit():
    for received_day in days(dt.date(2026, 1, 1), dt.date(2026, 12, 31)):
        received = at(received_day.year, received_day.month, received_day.day, 13, 45)
        counting_from = CAL.next_workday(received_day)
        previous = received
        for limit in range(16):
            deadline = CAL.add_working_days(received, days=limit)
            last = CAL.last_day(deadline)
            assert deadline.timetz() == dt.time(0, tzinfo=SHANGHAI)
            assert CAL.is_workday(last), (received_day, limit)
            assert deadline > previous, (received_day, limit)
            counted = [day for day in days(counting_from, last)[1:] if CAL.is_workday(day)]
            assert len(counted) == limit, (received_day, limit)
            previous = deadline


# Office hours: 08:30–12:00 and 13:30–17:30


def test_office_hours_count_only_time_inside_the_windows():
    assert OFFICE.add_working_hours(at(2026, 11, 26, 10), hours=1) == at(2026, 11, 26, 11)
    assert OFFICE.add_working_hours(at(2026, 11, 26, 11), hours=2) == at(2026, 11, 26, 14, 30)
    assert OFFICE.add_working_hours(at(2026, 11, 26, 9), hours=7.5) == at(2026, 11, 27, 9)
    assert OFFICE.add_working_hours(at(2026, 11, 26, 10), hours=0) == at(2026, 11, 26, 10)


def test_office_hours_received_friday_at_17_run_on_monday_morning():
    # Half an hour on Friday (17:00–17:30), the other 1.5 from Monday 08:30.
    assert OFFICE.add_working_hours(at(2026, 11, 27, 17), hours=2) == at(2026, 11, 30, 10)


def test_office_hours_ending_at_closing_time_end_that_day():
    assert OFFICE.add_working_hours(at(2026, 11, 26, 16, 30), hours=1) == at(2026, 11, 26, 17, 30)
    assert OFFICE.add_working_hours(at(2026, 11, 26, 11), hours=1) == at(2026, 11, 26, 12)


def test_office_hours_received_during_lunch_start_at_13_30():
    assert OFFICE.add_working_hours(at(2026, 11, 26, 12, 30), hours=2) == at(2026, 11, 26, 15, 30)
    assert OFFICE.add_working_hours(at(2026, 11, 26, 12), hours=0.5) == at(2026, 11, 26, 14)


def test_office_hours_received_before_opening_or_after_closing_start_at_the_next_window():
    assert OFFICE.add_working_hours(at(2026, 11, 26, 7), hours=1) == at(2026, 11, 26, 9, 30)
    assert OFFICE.add_working_hours(at(2026, 11, 26, 20), hours=1) == at(2026, 11, 27, 9, 30)
    assert OFFICE.add_working_hours(at(2026, 11, 28, 10), hours=1) == at(2026, 11, 30, 9, 30)


def test_office_hours_received_on_a_holiday_start_on_the_first_day_back():
    assert OFFICE.add_working_hours(at(2026, 10, 3, 10), hours=2) == at(2026, 10, 8, 10, 30)
    # Mid-Autumn: half an hour on Thursday Sept 24, then Monday the 28th.
    assert OFFICE.add_working_hours(at(2026, 9, 24, 17), hours=1) == at(2026, 9, 28, 9)


def test_office_hours_count_make_up_working_weekends():
    # Sept 30 1.5 h, Oct 8 and 9 7.5 h each, Oct 10 (a make-up Saturday) the last 7.5 h.
    assert OFFICE.add_working_hours(at(2026, 9, 30, 16), hours=24) == at(2026, 10, 10, 17, 30)
    # Received on Saturday Sept 19: Sunday the 20th is a make-up working day.
    assert OFFICE.add_working_hours(at(2026, 9, 19, 10), hours=2) == at(2026, 9, 20, 10, 30)


def test_office_hours_leave_working_day_limits_alone():
    # Counted: Oct 8, 9, 10 (make-up Saturday), 12, 13, 14, 15; due by the end of Oct 15.
    for received in (at(2026, 9, 30, 10), at(2026, 9, 30, 17, 45), at(2026, 9, 30, 23, 59)):
        deadline = OFFICE.add_working_days(received, days=7)
        assert deadline == at(2026, 10, 16)
        assert OFFICE.last_day(deadline) == dt.date(2026, 10, 15)
        assert not OFFICE.is_workday(dt.date(2026, 10, 1))


def test_office_hours_working_days_between_counts_days_of_7_5_hours():
    deadline = at(2026, 11, 25)  # the end of Tuesday
    assert OFFICE.working_days_between(deadline, at(2026, 11, 25, 17, 29)) == 0
    assert OFFICE.working_days_between(deadline, at(2026, 11, 25, 17, 30)) == 1
    assert OFFICE.working_days_between(deadline, at(2026, 11, 26, 9)) == 1
    assert OFFICE.working_days_between(deadline, at(2026, 11, 30, 9)) == 3  # 23 office hours
    assert OFFICE.working_days_between(at(2026, 11, 30, 9), deadline) == -3
    start = at(2026, 9, 29, 14)
    for n in range(12):
        assert (
            OFFICE.working_days_between(start, OFFICE.add_working_hours(start, hours=7.5 * n)) == n
        )


def test_office_hours_extension_of_a_mid_day_deadline_moves_by_office_days():
    assert OFFICE.extend(at(2026, 11, 27, 15), days=1) == at(2026, 11, 30, 15)
    # Sept 30 from 10:00 has 6 office hours; the other 1.5 run on Oct 8.
    assert OFFICE.extend(at(2026, 9, 30, 10), days=1) == at(2026, 10, 8, 10)
    response_due = OFFICE.add_working_hours(at(2026, 11, 27, 17), hours=2)  # Monday 10:00
    assert OFFICE.extend(response_due, days=1) == at(2026, 12, 1, 10)


def test_office_hours_extension_of_an_end_of_day_deadline_moves_by_whole_days():
    assert OFFICE.extend(at(2026, 10, 1), days=3) == at(2026, 10, 11)  # Oct 8, 9, 10
    assert OFFICE.extend(at(2026, 11, 28), days=1) == at(2026, 12, 1)
    received = at(2026, 9, 28, 10)
    assert OFFICE.extend(OFFICE.add_working_days(received, days=7), days=5) == (
        OFFICE.add_working_days(received, days=12)
    )


@pytest.mark.parametrize(
    "windows",
    [
        ((dt.time(17, 30), dt.time(8, 30)),),
        ((dt.time(8, 30), dt.time(8, 30)),),
        ((dt.time(8, 30), dt.time(12)), (dt.time(11), dt.time(17, 30))),
        ((dt.time(13, 30), dt.time(17, 30)), (dt.time(8, 30), dt.time(12))),
    ],
)
def test_office_hours_out_of_order_or_overlapping_are_refused(windows):
    with pytest.raises(ValueError, match="每段要先开始后结束，各段按时间先后排列、不能重叠"):
        WorkCalendar(office_hours=windows)


def test_office_hours_setting_is_read_by_the_default_calendar(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
):
    monkeypatch.delenv("MINSHENG_OFFICE_HOURS", raising=False)
    assert default_calendar().office_hours == ()
    assert default_calendar().add_working_hours(at(2026, 11, 27, 17), hours=2) == at(
        2026, 11, 27, 19
    )

    monkeypatch.setenv("MINSHENG_OFFICE_HOURS", " 8:30-12:00, 13:30 - 17:30 ")
    get_settings.cache_clear()
    assert default_calendar().office_hours == OFFICE_HOURS
    assert default_calendar().add_working_hours(at(2026, 11, 27, 17), hours=2) == at(
        2026, 11, 30, 10
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8:30~12:00", "办公时间“8:30~12:00”写法不对，应写成“08:30-12:00,13:30-17:30”这样的时段"),
        ("08:30-12:00;13:30-17:30", "办公时间“08:30-12:00;13:30-17:30”写法不对"),
        ("08:30-12:00,", "办公时间“”写法不对"),
        ("24:00-25:00", "办公时间“24:00-25:00”写法不对"),
        ("08:30", "办公时间“08:30”写法不对"),
        ("17:30-08:30", "办公时段 17:30-08:30 不对：每段要先开始后结束"),
        ("08:30-12:00,11:00-17:30", "办公时段 11:00-17:30 不对"),
    ],
)
def test_invalid_office_hours_setting_is_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None, value: str, message: str
):
    monkeypatch.setenv("MINSHENG_OFFICE_HOURS", value)
    with pytest.raises(ValidationError) as refused:
        get_settings()
    [error] = refused.value.errors()
    assert error["loc"] == ("office_hours",)
    assert field_message(error).startswith(message)  # what `minsheng` prints after 配置错误


# How much of a limit is used


def test_fraction_used_counts_working_time_only():
    start = at(2026, 11, 26, 10)
    deadline = CAL.add_working_hours(start, hours=24)  # Friday 10:00
    assert CAL.fraction_used(start, deadline, at(2026, 11, 26, 9)) == 0
    assert CAL.fraction_used(start, deadline, start) == 0
    assert CAL.fraction_used(start, deadline, at(2026, 11, 26, 22)) == 0.5
    assert CAL.fraction_used(start, deadline, deadline) == 1
    assert CAL.fraction_used(start, deadline, at(2026, 12, 3)) == 1  # overdue: used up

    friday, monday = at(2026, 11, 27, 15), at(2026, 11, 30, 15)
    assert CAL.fraction_used(friday, monday, at(2026, 11, 29, 12)) == 9 / 24
    assert CAL.fraction_used(friday, monday, at(2026, 11, 30, 9)) == 18 / 24


def test_fraction_used_stands_still_during_national_day():
    start = at(2026, 9, 30, 10)
    deadline = CAL.add_working_days(start, days=7)  # Oct 16 00:00: 14 h + 7 days of 24 h
    for now in (at(2026, 10, 1, 10), at(2026, 10, 7, 20), at(2026, 10, 8)):
        assert CAL.fraction_used(start, deadline, now) == pytest.approx(14 / 182)
    assert CAL.fraction_used(start, deadline, at(2026, 10, 15, 12)) == pytest.approx(170 / 182)


def test_fraction_used_of_a_limit_of_no_working_time():
    instant = at(2026, 11, 26, 10)
    assert CAL.fraction_used(instant, instant, at(2026, 11, 26, 9)) == 0
    assert CAL.fraction_used(instant, instant, instant) == 1
    saturday, evening = at(2026, 11, 28, 10), at(2026, 11, 28, 20)
    assert CAL.fraction_used(saturday, evening, at(2026, 11, 28, 15)) == 0
    assert CAL.fraction_used(saturday, evening, evening) == 1
    after_closing, later = at(2026, 11, 26, 18), at(2026, 11, 26, 20)
    assert OFFICE.fraction_used(after_closing, later, at(2026, 11, 26, 19)) == 0
    assert OFFICE.fraction_used(after_closing, later, later) == 1


def test_fraction_used_with_office_hours():
    start = at(2026, 11, 27, 17)
    deadline = OFFICE.add_working_hours(start, hours=2)  # Monday 10:00
    assert OFFICE.fraction_used(start, deadline, at(2026, 11, 28, 12)) == 0.25
    assert OFFICE.fraction_used(start, deadline, at(2026, 11, 30, 8)) == 0.25
    assert OFFICE.fraction_used(start, deadline, at(2026, 11, 30, 9)) == 0.5
    assert OFFICE.fraction_used(start, deadline, at(2026, 11, 30, 9, 30)) == 0.75
    # A resolution limit: only its office hours count, so it is used up at Oct 15's closing.
    received = at(2026, 9, 30, 10)
    resolve_due = OFFICE.add_working_days(received, days=7)
    assert OFFICE.fraction_used(received, resolve_due, at(2026, 10, 15, 17, 30)) == 1
    assert OFFICE.fraction_used(received, resolve_due, at(2026, 10, 8, 8, 30)) == 6 / 58.5


def test_fraction_used_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        CAL.fraction_used(at(2026, 11, 26), at(2026, 11, 27), dt.datetime(2026, 11, 26, 12))
