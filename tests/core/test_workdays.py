"""Working days in Indonesia: weekends, national holidays and cuti bersama are not counted,
around Idul Fitri 2026 (cuti bersama 20, 23 and 24 March; Nyepi 18-19 March) and
weekends; deadlines end at the end of the day, in the given time zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mpp.core import workdays
from mpp.core.workdays import (
    add_working_days,
    is_working_day,
    national_days_off,
    working_day_after,
    working_days_between,
)

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")


def at(y, m, d, h=10, minute=0, tz=WIB):
    return dt.datetime(y, m, d, h, minute, tzinfo=tz)


def test_weekends_holidays_and_cuti_bersama_are_days_off():
    off = national_days_off(2026)
    assert dt.date(2026, 3, 20) in off  # Idul Fitri cuti bersama (a Friday)
    assert dt.date(2026, 3, 23) in off and dt.date(2026, 3, 24) in off
    assert not is_working_day(dt.date(2026, 3, 18))  # Nyepi cuti bersama
    assert not is_working_day(dt.date(2026, 3, 19))  # Nyepi
    assert not is_working_day(dt.date(2026, 3, 21))  # Idul Fitri, a Saturday anyway
    assert not is_working_day(dt.date(2026, 6, 6))  # a plain Saturday
    assert not is_working_day(dt.date(2026, 8, 17))  # Independence Day, a Monday
    assert is_working_day(dt.date(2026, 3, 17))  # Tuesday before Nyepi
    assert is_working_day(dt.date(2026, 3, 25))  # back to work after Lebaran
    assert is_working_day(dt.date(2026, 6, 2))


def test_deadline_jumps_over_nyepi_and_idul_fitri():
    # Friday 13 March: Mon 16, Tue 17, then nine days off until Wednesday 25 March.
    due = add_working_days(at(2026, 3, 13), 3)
    assert due == dt.datetime.combine(dt.date(2026, 3, 25), dt.time.max, tzinfo=WIB)
    assert add_working_days(at(2026, 3, 13), 5).date() == dt.date(2026, 3, 27)
    assert add_working_days(at(2026, 3, 17, 16), 1).date() == dt.date(2026, 3, 25)


def test_deadline_is_the_end_of_the_nth_working_day_after_receipt():
    monday = at(2026, 6, 8, 8, 5)
    due = add_working_days(monday, 3)
    assert due.date() == dt.date(2026, 6, 11)  # Thursday
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    # Received on Friday or on the weekend: counting starts on Monday.
    assert add_working_days(at(2026, 6, 12), 1).date() == dt.date(2026, 6, 15)
    assert add_working_days(at(2026, 6, 13), 1).date() == dt.date(2026, 6, 15)
    # Sunday 14 June, five days: 15, 17 (16 is Islamic New Year), 18, 19, 22.
    assert add_working_days(at(2026, 6, 14), 5).date() == dt.date(2026, 6, 22)
    # Pancasila Day (Monday 1 June) is skipped; Vesak (31 May) is a Sunday.
    assert add_working_days(at(2026, 5, 29), 1).date() == dt.date(2026, 6, 2)


def test_the_day_of_receipt_is_the_local_day():
    # 23:30 WIB on Friday is 16:30 UTC; in UTC and in WIB it is Friday 12 June.
    late_friday = at(2026, 6, 12, 23, 30)
    assert add_working_days(late_friday.astimezone(dt.UTC), 1).date() == dt.date(2026, 6, 15)
    # 00:30 WITA on Saturday is still Friday 23:30 in Jakarta: the mall's zone decides.
    saturday_wita = at(2026, 6, 13, 0, 30, tz=WITA)
    assert add_working_days(saturday_wita, 1, WIB).date() == dt.date(2026, 6, 15)
    due = add_working_days(saturday_wita, 1, WITA)
    assert due.tzinfo == WITA and due.date() == dt.date(2026, 6, 15)


def test_sixty_working_days_skip_every_day_off():
    due = add_working_days(at(2026, 3, 2), 60)
    days = working_days_between(at(2026, 3, 2), due)
    assert days == 60
    assert due.date() == dt.date(2026, 6, 10)  # 16 in March, 21 in April, 16 in May, 7 in June


def test_working_days_between():
    assert working_days_between(at(2026, 6, 8, 8), at(2026, 6, 8, 17)) == 0
    assert working_days_between(at(2026, 6, 12), at(2026, 6, 15)) == 1  # Fri -> Mon
    assert working_days_between(at(2026, 3, 17), at(2026, 3, 25)) == 1  # over Lebaran
    assert working_days_between(at(2026, 3, 25), at(2026, 3, 17)) == -1
    assert working_days_between(dt.date(2026, 6, 1), dt.date(2026, 6, 5)) == 4
    start = at(2026, 12, 21)
    for n in (1, 3, 5, 14):  # over Christmas and its cuti bersama, into 2027
        assert working_days_between(start, add_working_days(start, n)) == n


def test_working_day_after_and_bounds():
    assert working_day_after(dt.date(2026, 6, 8), 0) == dt.date(2026, 6, 8)
    with pytest.raises(ValueError):
        working_day_after(dt.date(2026, 6, 8), -1)
    with pytest.raises(ValueError):
        working_days_between(dt.date(2000, 1, 1), dt.date(2030, 1, 1))


def test_working_day_before_steps_back_over_days_off():
    # Tuesday 16 March 2027: Nyepi (8), Idul Fitri and its cuti bersama (9-15) lie behind.
    assert workdays.working_day_before(dt.date(2027, 3, 16), 1) == dt.date(2027, 3, 5)
    assert workdays.working_day_before(dt.date(2027, 3, 16), 0) == dt.date(2027, 3, 16)
    # The inverse of working_day_after on working days.
    for n in (1, 3, 5, 14):
        day = dt.date(2026, 12, 28)
        assert workdays.working_day_after(workdays.working_day_before(day, n), n) == day
    with pytest.raises(ValueError):
        workdays.working_day_before(dt.date(2027, 3, 16), -1)
