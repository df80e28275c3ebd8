"""The booking rules that creating and rescheduling share: the booking window, the slot
asked for, one active booking per NIK, service and day, and the refusals they give.

Why its own module: bookings.services (booking_create) and bookings.reschedule
(booking_reschedule) apply the same rules with the same messages and codes;
reschedule used to import them as private names of services, inside a function to
dodge the import cycle. Both now import them from here.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from mpp.bookings.calendar import date_refusal, slot_start
from mpp.bookings.models import Booking, BookingPolicy, Slot
from mpp.bookings.records import day_label
from mpp.bookings.slots import slots_ensure
from mpp.core.errors import Conflict, Invalid


def slot_full_error() -> Conflict:
    return Conflict(_("This slot is fully booked; choose another time."), code="slot_full")


def duplicate_error() -> Conflict:
    return Conflict(
        _("This NIK already has a booking for this service on that day."),
        code="duplicate_booking",
    )


def no_slot_error(start: dt.time) -> Invalid:
    return Invalid(
        _("There is no slot starting at %(time)s on that day.") % {"time": f"{start:%H:%M}"},
        code="invalid_slot",
    )


def has_active(digests: list[str], service_id: int, date: dt.date, *, exclude=None) -> bool:
    """Does one of these NIK digests hold an active booking of the service that day?"""
    qs = Booking.objects.filter(
        nik_digest__in=digests, service_id=service_id, date=date, status__in=Booking.ACTIVE_STATUSES
    )
    return qs.exclude(pk=exclude).exists() if exclude else qs.exists()


def window_check(policy: BookingPolicy, date: dt.date, now: dt.datetime) -> None:
    """Refuse (Conflict window_closed) a day outside the policy's booking window."""
    refusal = date_refusal(policy, date, now)
    if refusal is None:
        return
    messages = {
        "not_offered": _("Online booking is not open for this service."),
        "closed": _("The mall is closed on %(date)s."),
        "not_yet": _("Booking for %(date)s is not open yet; it opens %(days)d day(s) before."),
        "past": _("Booking for %(date)s has ended."),
    }
    message = messages[refusal] % {"date": day_label(date), "days": policy.window_days}
    raise Conflict(message, code="window_closed")


def slot_for(policy: BookingPolicy, date: dt.date, start: dt.time, now: dt.datetime) -> Slot:
    """The slot of the day starting at `start` (the day's slots made when missing); refused
    when there is none or it has already started."""
    slots = slots_ensure(offering_id=policy.offering_id, date=date)
    slot = next((s for s in slots if s.starts_at == start), None)
    if slot is None:
        raise no_slot_error(start)
    if now >= slot_start(slot, policy.offering.mall):
        raise Conflict(_("This slot has already started."), code="window_closed")
    return slot
