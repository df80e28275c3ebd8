"""The days and times a booking page offers, each with the reason it can or cannot be chosen.

Why: a citizen choosing a day must see at once which days are open, which are full,
which are closed and why (a weekend, a national holiday or cuti bersama, the mall's own
closed day), and when the next day's booking opens ("Booking for 9 December opens at
07:00 on 2 December"). The rules stay in bookings.calendar (bookable_dates, window_opens)
and the places in the slots (bookings.services.slots_ensure, selectors.slots_for); this
module only puts them side by side for the pages, in one pass over the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mpp.bookings.calendar import (
    bookable_dates,
    holiday_name,
    open_days,
    slot_times,
    window_opens,
)
from mpp.bookings.confirm import holds_expire
from mpp.bookings.models import BookingPolicy, ClosedDay, Slot
from mpp.bookings.selectors import slots_for
from mpp.bookings.services import slots_ensure

OPEN, FULL, CLOSED, NOT_YET, OVER = "open", "full", "closed", "not_yet", "over"
LOOK_AHEAD_DAYS = 31  # how far to look for the next day whose booking opens


@dataclass
class DayChoice:
    """One day of the booking window as the pages show it."""

    date: dt.date
    state: str  # OPEN, FULL, CLOSED, NOT_YET or OVER
    places: int = 0  # online places left in slots not started yet (OPEN and FULL)
    reason: str = ""  # why it is closed: a holiday's name or the mall's reason
    opens_at: dt.datetime | None = None  # NOT_YET: when its booking opens (mall-local)

    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def iso(self) -> str:
        return self.date.isoformat()


def _today(policy: BookingPolicy, now: dt.datetime) -> dt.date:
    return now.astimezone(policy.offering.mall.tz).date()


def _closed_reasons(policy: BookingPolicy, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    mall = policy.offering.mall
    return dict(
        ClosedDay.objects.filter(mall=mall, date__range=(start, end)).values_list("date", "reason")
    )


def _places(policy: BookingPolicy, dates: list[dt.date], now: dt.datetime) -> dict:
    """Online places left per date, counting only slots that have not started."""
    offering = policy.offering
    for date in dates:
        slots_ensure(offering_id=offering.pk, date=date)
    holds_expire(now=now, offering_id=offering.pk, date__in=dates)
    left = dict.fromkeys(dates, 0)
    mall = offering.mall
    for slot in Slot.objects.filter(offering=offering, date__in=dates):
        starts = dt.datetime.combine(slot.date, slot.starts_at, tzinfo=mall.tz)
        if now < starts:
            left[slot.date] += slot.online_left
    return left


def booking_days(policy: BookingPolicy, now: dt.datetime) -> list[DayChoice]:
    """Every day from today to the end of the booking window, plus the next day whose
    booking opens if it lies beyond; each with its state."""
    today = _today(policy, now)
    end = today + dt.timedelta(days=policy.window_days)
    bookable = bookable_dates(policy, now)
    places = _places(policy, bookable, now)
    days = _states(policy, today, end, now, set(bookable), places)
    upcoming = next_opening(policy, now)
    if upcoming is not None and upcoming.date > end:
        days.append(upcoming)
    return days


def _states(policy, start, end, now, bookable, places) -> list[DayChoice]:
    mall = policy.offering.mall
    opened = open_days(mall, start, end)
    reasons = _closed_reasons(policy, start, end)
    days = []
    day = start
    while day <= end:
        if day in bookable:
            left = places.get(day, 0)
            days.append(DayChoice(day, OPEN if left > 0 else FULL, places=left))
        elif day not in opened or not slot_times(policy, opened[day]):
            reason = holiday_name(day) or reasons.get(day, "")
            days.append(DayChoice(day, CLOSED, reason=reason))
        elif now < window_opens(policy, day):
            opens = window_opens(policy, day).astimezone(mall.tz)
            days.append(DayChoice(day, NOT_YET, opens_at=opens))
        else:
            days.append(DayChoice(day, OVER))
        day += dt.timedelta(days=1)
    return days


def next_opening(policy: BookingPolicy, now: dt.datetime) -> DayChoice | None:
    """The first open day whose booking has not opened yet, with the time it opens."""
    mall = policy.offering.mall
    today = _today(policy, now)
    opened = open_days(mall, today, today + dt.timedelta(days=LOOK_AHEAD_DAYS))
    for day in sorted(opened):
        if slot_times(policy, opened[day]) and now < window_opens(policy, day):
            opens = window_opens(policy, day).astimezone(mall.tz)
            return DayChoice(day, NOT_YET, opens_at=opens)
    return None


def day_slots(policy: BookingPolicy, date: dt.date, now: dt.datetime) -> list[Slot]:
    """The date's slots that have not started, each with `online_left` and `is_full`."""
    offering = policy.offering
    slots_ensure(offering_id=offering.pk, date=date)
    holds_expire(now=now, offering_id=offering.pk, date=date)  # free places nobody confirmed
    slots = [s for s in slots_for(offering, date, now=now) if not s.has_started]
    for slot in slots:
        slot.is_full = slot.online_left <= 0
    return slots


def is_bookable(policy: BookingPolicy, date: dt.date, now: dt.datetime) -> bool:
    return date in bookable_dates(policy, now)
