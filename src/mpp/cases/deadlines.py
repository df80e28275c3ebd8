"""An application's deadline in working days of its mall: when it is due, how a pause
moves it, when it is overdue, and the day its booth's supervisors are warned.

Why: a service standard promises a product within N working days (hari kerja), counted
from the day after submission. Working days are the national ones (core.workdays:
Monday to Friday without national holidays and cuti bersama) minus the mall's own
closed days (catalog.hours.closed_days). Days are the mall's local days: a case sent at
23:30 WIB on Friday was sent on Friday in Jakarta, whatever the server's clock says.

- due_date(*, mall, start, days): the `days`-th working day after start's day (0: that day).
- extend_for_pause(*, mall, due_on, paused_from, resumed_at): while a case is returned
  (incomplete) the clock stands still; the working days after the day it was returned
  up to and including the day it came back are added to the due date. (Returned and
  resubmitted on the same day: nothing is added. Counting resumes the day after, as it
  started the day after submission.)
- is_overdue(case, today): still with the mall (submitted, verification, processing)
  and its due date passed.
- escalation_day(*, mall, due_on): the working day before the due date.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mpp.cases.workflow import CLOCK_RUNNING
from mpp.catalog.hours import closed_days
from mpp.core.workdays import MAX_DAYS, is_working_day, local_date


class MallCalendar:
    """The working days of one mall, with its closed days read a year at a time."""

    def __init__(self, mall):
        self.mall = mall
        self._closed: dict[int, set[dt.date]] = {}

    def _closed_in(self, year: int) -> set[dt.date]:
        if year not in self._closed:
            self._closed[year] = closed_days(self.mall, dt.date(year, 1, 1), dt.date(year, 12, 31))
        return self._closed[year]

    def is_working_day(self, day: dt.date) -> bool:
        return is_working_day(day) and day not in self._closed_in(day.year)

    def after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n = 0: `day` itself)."""
        if n < 0 or n > MAX_DAYS:
            raise ValueError(f"n must be between 0 and {MAX_DAYS}")
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def before(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day before `day` (n = 0: `day` itself)."""
        if n < 0 or n > MAX_DAYS:
            raise ValueError(f"n must be between 0 and {MAX_DAYS}")
        while n > 0:
            day -= dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def between(self, first: dt.date, last: dt.date) -> int:
        """Working days after `first` up to and including `last` (negative if last < first)."""
        if last < first:
            return -self.between(last, first)
        if (last - first).days > MAX_DAYS:
            raise ValueError("the two dates are too far apart")
        count, day = 0, first
        while day < last:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def mall_calendar(mall) -> MallCalendar:
    return MallCalendar(mall)


def mall_day(mall, moment: dt.datetime | dt.date) -> dt.date:
    """The mall's local day of `moment`."""
    return local_date(moment, mall.tz)


def mall_today(mall, now: dt.datetime | None = None) -> dt.date:
    return mall_day(mall, now or timezone.now())


def due_date(*, mall, start: dt.datetime, days: int) -> dt.date:
    """The deadline of something submitted at `start`: the `days`-th working day of the
    mall after the (local) day of `start`."""
    return MallCalendar(mall).after(mall_day(mall, start), int(days))


def paused_days(*, mall, paused_from: dt.datetime, resumed_at: dt.datetime) -> int:
    """Working days the clock stood still: after the day it was returned up to and
    including the day it came back (0 when the same day)."""
    days = MallCalendar(mall).between(mall_day(mall, paused_from), mall_day(mall, resumed_at))
    return max(days, 0)


def extend_for_pause(
    *, mall, due_on: dt.date, paused_from: dt.datetime, resumed_at: dt.datetime
) -> dt.date:
    """The due date moved by the working days a returned case stood still."""
    days = paused_days(mall=mall, paused_from=paused_from, resumed_at=resumed_at)
    return MallCalendar(mall).after(due_on, days) if days else due_on


def is_overdue(case, today: dt.date | None = None) -> bool:
    """Is the case still with the mall or agency and past its due date? (`today`: the
    mall's local day; default: now.)"""
    if case.due_on is None or case.status not in CLOCK_RUNNING:
        return False
    return case.due_on < (today or mall_today(case.mall))


def escalation_day(*, mall, due_on: dt.date) -> dt.date:
    """The working day before the due date: the booth's supervisors are warned then."""
    return MallCalendar(mall).before(due_on, 1)


def working_days_between(*, mall, start, end) -> int:
    """Working days of the mall after start's day up to and including end's day."""
    return MallCalendar(mall).between(mall_day(mall, start), mall_day(mall, end))
