"""The queue day of a mall: when it starts, and how a number of another day is named.

A ticket belongs to one service day, in the mall's own time zone (WIB, WITA or
WIT). At the mall's midnight that day is over, whether or not the worker's
expiry job or anyone else has run: reads compare with `mall.today()` and the
first write of the new day records it (queueing.dayend.mall_day_roll).
Numbers restart every day, so "B-001" of yesterday and of today are different
tickets: wherever both can be meant, the number carries its day.
"""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall


def day_start(mall: Mall, day: dt.date | None = None) -> dt.datetime:
    """The mall's local midnight that starts `day` (default today), as an aware datetime."""
    return dt.datetime.combine(day or mall.today(), dt.time.min, tzinfo=mall.tz)


def counter_open_today(counter, start: dt.datetime) -> bool:
    """Whether a counter is open in the day that began at `start`.

    A counter left open at the end of an earlier day is closed for today until an
    officer opens it (the first write of the day closes it for good). A counter
    without an opening time (set open by hand) counts as open.
    """
    return counter.is_open and (counter.opened_at is None or counter.opened_at >= start)


def day_label(day: dt.date, today: dt.date) -> str:
    """'' for today, else the day as the mall says it: 'yesterday, 6 Dec', '1 Dec', '6 Dec 2025'."""
    if day == today:
        return ""
    if day.year != today.year:
        return date_format(day, "j M Y")
    text = date_format(day, "j M")
    if day == today - dt.timedelta(days=1):
        return _("yesterday, %(date)s") % {"date": text}
    return text


def number_with_day(number: str, day: dt.date, today: dt.date) -> str:
    """A ticket number, followed by its day when that is not today: 'B-001 (yesterday, 6 Dec)'."""
    label = day_label(day, today)
    return f"{number} ({label})" if label else number
