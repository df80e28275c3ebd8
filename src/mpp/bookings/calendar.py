"""Which days a mall serves, which slots a day has, and which days can be booked now.

Why: the booking window, the slots and the walk-in quota all depend on the same
answer to "is the mall open that day, and when": a weekday with opening hours
(catalog.OpeningHours), not a national holiday or cuti bersama (the `holidays`
package, categories public and government), and not one of the mall's own closed
days (ClosedDay). Times are the mall's local time (Mall.timezone).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists

from mpp.bookings.models import BookingPolicy, ClosedDay, Slot
from mpp.catalog.models import Mall, OpeningHours
from mpp.core.hotcache import HotCache
from mpp.core.workdays import national_days_off


def holiday_name(date: dt.date) -> str | None:
    """The name of the national holiday or cuti bersama on `date`, or None (the one
    cached table of core.workdays: complaint deadlines count the same days)."""
    return national_days_off(date.year).get(date)


def open_days(mall: Mall, start: dt.date, end: dt.date) -> dict[dt.date, OpeningHours]:
    """The days from `start` to `end` (inclusive) the mall is open, with their hours."""
    hours = {h.weekday: h for h in OpeningHours.objects.filter(mall=mall)}
    closed = set(
        ClosedDay.objects.filter(mall=mall, date__range=(start, end)).values_list("date", flat=True)
    )
    days = {}
    day = start
    while day <= end:
        h = hours.get(day.weekday())
        if h is not None and day not in closed and holiday_name(day) is None:
            days[day] = h
        day += dt.timedelta(days=1)
    return days


_hours_cache = HotCache("bookings.day_hours", seconds=5).watch(OpeningHours, ClosedDay)


def _day_hours_read(mall_id: int, date: dt.date) -> OpeningHours | None:
    if holiday_name(date) is not None:
        return None
    closed = ClosedDay.objects.filter(mall_id=mall_id, date=date)
    hours = (
        OpeningHours.objects.filter(mall_id=mall_id, weekday=date.weekday())
        .annotate(closed=Exists(closed))
        .first()
    )
    return None if hours is None or hours.closed else hours


def day_hours(mall: Mall, date: dt.date) -> OpeningHours | None:
    """The mall's hours on one `date`, or None when it is closed.

    The same answer as open_days(mall, date, date).get(date), read on the booking path
    where every statement counts: one query (the weekday's hours with "is it a closed
    day" folded in), kept a few seconds in this process (core.hotcache).
    """
    return _hours_cache.get((mall.pk, date), lambda: _day_hours_read(mall.pk, date))


def is_open_day(mall: Mall, date: dt.date) -> bool:
    """Does the mall serve on `date`: opening hours that weekday, no holiday, not closed?"""
    return day_hours(mall, date) is not None


def slot_times(policy: BookingPolicy, hours: OpeningHours) -> list[tuple[dt.time, dt.time]]:
    """The (start, end) of each whole slot of `policy` within one day's opening hours."""
    length = dt.timedelta(minutes=max(policy.slot_minutes, 5))
    day = dt.date(2000, 1, 1)  # any date: only the times matter
    start = dt.datetime.combine(day, hours.opens)
    closes = dt.datetime.combine(day, hours.closes)
    times = []
    while start + length <= closes:
        times.append((start.time(), (start + length).time()))
        start += length
    return times


def local_datetime(mall: Mall, date: dt.date, time: dt.time) -> dt.datetime:
    """An aware datetime for a mall-local date and time."""
    return dt.datetime.combine(date, time, tzinfo=mall.tz)


def slot_start(slot: Slot, mall: Mall) -> dt.datetime:
    return local_datetime(mall, slot.date, slot.starts_at)


def slot_end(slot: Slot, mall: Mall) -> dt.datetime:
    return local_datetime(mall, slot.date, slot.ends_at)


def window_opens(policy: BookingPolicy, date: dt.date) -> dt.datetime:
    """When `date` becomes bookable: `window_days` before it, at `window_opens_at`."""
    mall = policy.offering.mall
    return local_datetime(
        mall, date - dt.timedelta(days=policy.window_days), policy.window_opens_at
    )


def _bookable(policy: BookingPolicy) -> bool:
    offering = policy.offering
    return (
        policy.is_enabled
        and offering.is_active
        and offering.service.is_active
        and offering.mall.status == Mall.Status.OPERATING
    )


def date_refusal(policy: BookingPolicy, date: dt.date, now: dt.datetime) -> str | None:
    """Why `date` cannot be booked at `now` ("not_offered", "closed", "not_yet",
    "past"), or None when it can."""
    if not _bookable(policy):
        return "not_offered"
    mall = policy.offering.mall
    hours = day_hours(mall, date)
    times = slot_times(policy, hours) if hours else []
    if not times:
        return "closed"
    if now < window_opens(policy, date):
        return "not_yet"
    if now >= local_datetime(mall, date, times[-1][0]):
        return "past"
    return None


def bookable_dates(policy: BookingPolicy, now: dt.datetime) -> list[dt.date]:
    """The days that can be booked at `now`, earliest first.

    A day D is bookable from (D - window_days) at window_opens_at, mall-local time,
    until its last slot starts; only days the mall is open count.
    """
    if not _bookable(policy):
        return []
    mall = policy.offering.mall
    today = now.astimezone(mall.tz).date()
    dates = []
    for date, hours in open_days(
        mall, today, today + dt.timedelta(days=policy.window_days)
    ).items():
        times = slot_times(policy, hours)
        if not times:
            continue
        if window_opens(policy, date) <= now < local_datetime(mall, date, times[-1][0]):
            dates.append(date)
    return dates
