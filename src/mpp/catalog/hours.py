"""When a mall is open: at an instant, on a day, when it opens next, and its week as shown.

Why: walk-in and phone tickets are refused when the mall is closed (a ticket taken at
17:08 for a mall that closed at 15:00 is a promise nobody keeps), and the refusal must
say when to come back. The booking calendar (bookings.calendar) answers "which days can
be booked"; this answers "is it open now, and until when", from the same rows:

- A mall with no OpeningHours row at all has not published its hours: nothing is
  refused for the time of day and the pages say the hours are not published. (Refusing
  every ticket of a mall whose manager has not filled in the hours yet would stop a
  working mall; the admin shows the empty table instead.)
- Otherwise a day is open when its weekday has a row, it is neither a national holiday
  nor cuti bersama (core.workdays, the table complaints and bookings count with), and it
  is not one of the mall's own closed days (bookings.ClosedDay, when that app is
  installed). The mall is open from `opens` (included) to `closes` (excluded), in the
  mall's own time zone.

    hours_state(mall, now=None) -> HoursState(published, is_open, closes_at, opens_at)
    hours_require_open(mall, now=None)   raises Conflict(code="mall_closed")
    week_hours(mall) -> [WeekdayHours(label, opens, closes)]  (closes None = closed)
    closed_days(mall, start, end) -> {date}  (the mall's own closed days, inclusive)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall, OpeningHours
from mpp.core.errors import Conflict
from mpp.core.hotcache import HotCache
from mpp.core.workdays import national_days_off

LOOK_AHEAD_DAYS = 60  # a mall closed longer than this "has no next opening"
ZONE_ABBR = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_abbr(tz_name: str) -> str:
    """WIB, WITA or WIT for an Indonesian time zone ('' for another)."""
    return ZONE_ABBR.get(tz_name, "")


def _closed_day_model():
    if not apps.is_installed("mpp.bookings"):
        return None
    return apps.get_model("bookings", "ClosedDay")


def _week_read(mall_id: int) -> dict[int, tuple[dt.time, dt.time]]:
    rows = OpeningHours.objects.filter(mall_id=mall_id).values_list("weekday", "opens", "closes")
    return {weekday: (opens, closes) for weekday, opens, closes in rows}


_week_cache = HotCache("catalog.hours.week", seconds=5).watch(OpeningHours)


def _week(mall: Mall) -> dict[int, tuple[dt.time, dt.time]]:
    return _week_cache.get(mall.pk, lambda: _week_read(mall.pk))


def closed_days(mall: Mall, start: dt.date, end: dt.date) -> set[dt.date]:
    """The mall's own closed days from `start` to `end` (inclusive): bookings.ClosedDay
    rows when that app is installed, else none. (Deadlines in working days skip them too:
    mpp.cases.deadlines.)"""
    model = _closed_day_model()
    if model is None:
        return set()
    return set(
        model.objects.filter(mall_id=mall.pk, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )


_closed_days = closed_days


def _day_open(week: dict, closed: set[dt.date], day: dt.date) -> tuple[dt.time, dt.time] | None:
    if day in closed or day in national_days_off(day.year):
        return None
    return week.get(day.weekday())


@dataclass(frozen=True)
class HoursState:
    """The mall's hours seen at one instant (times are aware, in the mall's zone)."""

    published: bool  # False: the mall has no opening hours; nothing is refused
    is_open: bool
    closes_at: dt.datetime | None = None  # today's closing, while open
    opens_at: dt.datetime | None = None  # the next opening, while closed (None: not soon)


def hours_state(mall: Mall, now: dt.datetime | None = None) -> HoursState:
    """Is the mall open at `now` (default: now), until when, or when does it open next."""
    week = _week(mall)
    if not week:
        return HoursState(published=False, is_open=True)
    local = (now or timezone.now()).astimezone(mall.tz)
    today = local.date()
    closed = _closed_days(mall, today, today + dt.timedelta(days=LOOK_AHEAD_DAYS))
    hours = _day_open(week, closed, today)
    if hours is not None:
        opens = dt.datetime.combine(today, hours[0], tzinfo=mall.tz)
        closes = dt.datetime.combine(today, hours[1], tzinfo=mall.tz)
        if opens <= local < closes:
            return HoursState(published=True, is_open=True, closes_at=closes)
        if local < opens:
            return HoursState(published=True, is_open=False, opens_at=opens)
    for ahead in range(1, LOOK_AHEAD_DAYS + 1):
        day = today + dt.timedelta(days=ahead)
        hours = _day_open(week, closed, day)
        if hours is not None:
            opens = dt.datetime.combine(day, hours[0], tzinfo=mall.tz)
            return HoursState(published=True, is_open=False, opens_at=opens)
    return HoursState(published=True, is_open=False)


def opens_label(mall: Mall, opens_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """'today at 08:00 WIB', 'tomorrow at 08:00 WIB' or 'Monday, 14 December at 08:00 WIB'."""
    local = opens_at.astimezone(mall.tz)
    today = (now or timezone.now()).astimezone(mall.tz).date()
    time = f"{local:%H:%M} {zone_abbr(mall.timezone)}".strip()
    if local.date() == today:
        return _("today at %(time)s") % {"time": time}
    if local.date() == today + dt.timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": time}
    day = date_format(local.date(), "l, j F")
    return _("%(day)s at %(time)s") % {"day": day, "time": time}


def closed_message(mall: Mall, state: HoursState, now: dt.datetime | None = None) -> str:
    """What a refused citizen reads: closed now, and when it opens next."""
    if state.opens_at is None:
        return _("%(mall)s is closed now and has no opening day in the coming weeks.") % {
            "mall": mall.name
        }
    return _("%(mall)s is closed now. It opens %(when)s.") % {
        "mall": mall.name,
        "when": opens_label(mall, state.opens_at, now),
    }


def hours_require_open(mall: Mall, now: dt.datetime | None = None) -> HoursState:
    """The mall's HoursState when open; Conflict(code="mall_closed") with when it opens next."""
    state = hours_state(mall, now)
    if not state.is_open:
        raise Conflict(closed_message(mall, state, now), code="mall_closed")
    return state


@dataclass(frozen=True)
class WeekdayHours:
    weekday: int
    label: str
    opens: dt.time | None
    closes: dt.time | None  # None: closed that weekday


def week_hours(mall: Mall) -> list[WeekdayHours]:
    """Monday to Sunday with their hours (empty when the mall has published none)."""
    week = _week(mall)
    if not week:
        return []
    return [
        WeekdayHours(day, str(label), *week.get(day, (None, None)))
        for day, label in OpeningHours.Weekday.choices
    ]
