"""Limits per mobile number: how many places one phone may hold for a day, and how many
bookings it may start in 24 hours.

Why: before, any number could be given, so one person (or one script) filled an 80-place
day in three minutes with invented NIKs. Now a booking takes its place only once the
one-time code sent to its phone is entered (bookings.confirm), and one phone number may
hold at most PER_DAY places on one day (a parent booking for the family) and start at
most STARTED_PER_24H bookings in 24 hours (cancelled and unconfirmed ones count too, so
holding and dropping places in a loop is also capped). Both are counted in the database,
so they hold across server processes; settings.MPP_BOOKINGS_PER_PHONE_PER_DAY and
MPP_BOOKINGS_PER_PHONE_PER_24H change them.

On PostgreSQL a transaction-scoped advisory lock per phone number makes the count and
the insert one step (two requests for one number wait for each other); SQLite has one
writer at a time anyway.
"""

from __future__ import annotations

import datetime as dt
import zlib

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from mpp.bookings.models import Booking
from mpp.core.errors import Conflict

PER_DAY_DEFAULT = 3
STARTED_PER_24H_DEFAULT = 6


def per_day() -> int:
    return int(getattr(settings, "MPP_BOOKINGS_PER_PHONE_PER_DAY", PER_DAY_DEFAULT))


def started_per_24h() -> int:
    return int(getattr(settings, "MPP_BOOKINGS_PER_PHONE_PER_24H", STARTED_PER_24H_DEFAULT))


def phone_lock(phone: str) -> None:
    """Serialise bookings of one phone number until the transaction ends (PostgreSQL)."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"booking-phone:{phone}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7411, key - (1 << 31)])


def phone_check(
    phone: str, date: dt.date, now: dt.datetime, *, exclude: object | None = None
) -> None:
    """Conflict phone_limit when this number already holds PER_DAY places on `date`, or
    started STARTED_PER_24H bookings in the last 24 hours."""
    held = Booking.objects.filter(phone=phone, date=date, status__in=Booking.ACTIVE_STATUSES)
    if exclude is not None:
        held = held.exclude(pk=exclude)
    if held.count() >= per_day():
        raise Conflict(
            _("This mobile number already has %(n)d bookings on that day.") % {"n": per_day()},
            code="phone_limit",
        )
    if exclude is None:
        since = now - dt.timedelta(hours=24)
        started = Booking.objects.filter(phone=phone, created_at__gte=since).count()
        if started >= started_per_24h():
            raise Conflict(
                _("This mobile number has made too many bookings today. Please try tomorrow."),
                code="phone_limit",
            )


CONFIRM_LIMIT_DEFAULT = (30, 600)  # SMS codes typed (and new ones asked for) per IP


def confirm_limit() -> tuple[int, int]:
    """(count, seconds) of confirm attempts per client IP: settings.MPP_RATE_LIMITS
    ["booking_confirm_ip"] when set, else 30 per 10 minutes (a 6-digit code)."""
    value = getattr(settings, "MPP_RATE_LIMITS", {}).get("booking_confirm_ip")
    if not value:
        return CONFIRM_LIMIT_DEFAULT
    return int(value[0]), int(value[1])
