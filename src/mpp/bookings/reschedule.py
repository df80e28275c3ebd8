"""Moving a booking to another slot (code + NIK as proof), up to the policy's limit.

Why its own module: bookings.services stays small; the rules are the same (reads first,
the seat taken by the conditional UPDATE, the NIK's proof counted by bookings.proof).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.bookings import notify
from mpp.bookings.confirm import holds_expire
from mpp.bookings.limits import phone_check
from mpp.bookings.models import Booking
from mpp.bookings.proof import proof_require
from mpp.bookings.records import booking_event, booking_locked, policy_of, require_booked
from mpp.bookings.rules import (
    duplicate_error,
    has_active,
    slot_for,
    slot_full_error,
    window_check,
)
from mpp.bookings.slots import seat_release, seat_take
from mpp.bookings.validation import date_clean, time_clean
from mpp.core.errors import Conflict, Invalid


def booking_reschedule(
    *,
    code: str,
    nik: str,
    date: dt.date | str,
    slot_start: dt.time | str,
    now: dt.datetime | None = None,
) -> Booking:
    """Move a booking to another slot (code + NIK as proof), up to the policy's limit.

    The new place is taken and the old one given back in the same transaction (in
    slot id order, so two reschedules crossing each other cannot deadlock).
    """
    now = now or timezone.now()
    day = date_clean(date)
    start = time_clean(slot_start)
    proof_require(code, nik=nik, now=now)  # outside the transaction: failures stay counted
    return _reschedule(code, day, start, now)


@transaction.atomic
def _reschedule(code: str, day: dt.date, start: dt.time, now: dt.datetime) -> Booking:
    booking = booking_locked(code, None, proof=False)
    require_booked(booking)
    policy = policy_of(booking)
    if booking.reschedule_count >= policy.reschedule_limit:
        raise Conflict(
            _("This booking cannot be rescheduled again; cancel it and book anew."),
            code="reschedule_limit",
        )
    window_check(policy, day, now)
    old = booking.slot
    new = slot_for(policy, day, start, now)
    if new.pk == old.pk:
        raise Invalid(_("The booking is already in this slot."), code="invalid_slot")
    if day != booking.date and has_active(
        [booking.nik_digest], booking.service_id, day, exclude=booking.pk
    ):
        raise duplicate_error()
    if new.online_left <= 0 and holds_expire(now=now, slot_id=new.pk):
        new.refresh_from_db(fields=["online_booked"])
    if new.online_left <= 0:
        raise slot_full_error()
    if day != booking.date:
        phone_check(booking.phone, day, now, exclude=booking.pk)
    if new.pk < old.pk:
        if not seat_take(new.pk):
            raise slot_full_error()
        seat_release(old.pk)
    else:
        seat_release(old.pk)
        if not seat_take(new.pk):
            raise slot_full_error()
    from_date, from_slot = booking.date, old.label
    booking.slot, booking.date = new, day
    booking.reschedule_count += 1
    try:
        with transaction.atomic():
            booking.save(update_fields=["slot", "date", "reschedule_count"])
    except IntegrityError:
        raise duplicate_error() from None
    booking_event(booking, "rescheduled", from_date=from_date.isoformat(), from_slot=from_slot)
    notify.booking_rescheduled(booking, now=now)
    return booking
