"""Government working days in Indonesia (hari kerja), for deadlines counted in working days.

Why: public-service deadlines (SP4N-LAPOR! complaint handling: a first response within
3 working days, an answer within 5, 14 or 60) are counted in working days, not calendar
days: Monday to Friday, minus national holidays and cuti bersama (joint leave days, on
which government offices close). Both come from the `holidays` package (country ID,
categories public and government), as the booking calendar uses them.

Days are the days of a time zone: a complaint received at 23:30 WIB on Friday was
received on Friday in Jakarta, whatever the server's clock says. Regional holidays and
a mall's own closed days are not counted here: a deadline of the national rule.

    add_working_days(start, n, tz="Asia/Jakarta") -> datetime
        the end (23:59:59.999999, local) of the n-th working day after start's day
    working_days_between(a, b, tz="Asia/Jakarta") -> int
        working days after a's day up to and including b's day (negative when b < a),
        so working_days_between(s, add_working_days(s, n)) == n
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_TZ = "Asia/Jakarta"
WEEKEND = (5, 6)  # Saturday, Sunday
MAX_DAYS = 3660  # ten years: more is a mistake, not a deadline


@lru_cache(maxsize=32)
def national_days_off(year: int) -> dict[dt.date, str]:
    """National holidays and cuti bersama of one year, with their (English) names."""
    days = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return dict(days.items())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and neither a national holiday nor cuti bersama."""
    return day.weekday() not in WEEKEND and day not in national_days_off(day.year)


def _zone(tz) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    return ZoneInfo(str(tz or DEFAULT_TZ))


def local_date(moment: dt.datetime | dt.date, tz=DEFAULT_TZ) -> dt.date:
    """The calendar day of `moment` in `tz` (a naive datetime is taken as already local)."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(_zone(tz))
        return moment.date()
    return moment


def working_day_after(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 1); n = 0 gives `day` itself."""
    if n < 0 or n > MAX_DAYS:
        raise ValueError(f"n must be between 0 and {MAX_DAYS}")
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_day_before(day: dt.date, n: int) -> dt.date:
    """The n-th working day before `day` (n >= 1); n = 0 gives `day` itself."""
    if n < 0 or n > MAX_DAYS:
        raise ValueError(f"n must be between 0 and {MAX_DAYS}")
    while n > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def add_working_days(start: dt.datetime, n: int, tz=DEFAULT_TZ) -> dt.datetime:
    """The deadline of something received at `start`: the end of the n-th working day
    after the day of receipt, in `tz` (an aware datetime at 23:59:59.999999 local).

    Received on Friday 13 March 2026 with n = 3: Monday 16, Tuesday 17, and Wednesday
    18 March is Nyepi's cuti bersama, so Wednesday 25 March (after Idul Fitri's days
    off) is the third working day. Received on a day off, counting starts the same way:
    the first working day after it is day 1.
    """
    zone = _zone(tz)
    day = working_day_after(local_date(start, zone), n)
    return dt.datetime.combine(day, dt.time.max, tzinfo=zone)


def working_days_between(a: dt.datetime | dt.date, b: dt.datetime | dt.date, tz=DEFAULT_TZ) -> int:
    """How many working days lie after a's day up to and including b's day, in `tz`.

    Same day: 0. Friday to the next Monday: 1. Negative when b is before a.
    """
    zone = _zone(tz)
    first, last = local_date(a, zone), local_date(b, zone)
    if last < first:
        return -working_days_between(last, first, zone)
    if (last - first).days > MAX_DAYS:
        raise ValueError("the two dates are too far apart")
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count
