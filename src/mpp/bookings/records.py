"""Shared steps of the booking services: finding a booking by its code (and NIK) under
a lock, checking its state, and recording its events.

Why: create, cancel, reschedule, check-in and the no-show sweep must agree on what
proves a booking (code plus NIK, compared as keyed digests in constant time; a wrong
NIK looks exactly like a wrong code) and on what an event carries (never the NIK or
the phone number).
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from mpp.bookings.models import Booking, BookingPolicy
from mpp.bookings.validation import code_clean, nik_digits
from mpp.core.errors import Conflict, NotFound
from mpp.core.events import event_record
from mpp.core.pii import nik_digest_matches


def booking_event(booking: Booking, kind: str, *, actor_id: int | None = None, **extra) -> None:
    data = {
        "code": booking.code,
        "service": booking.service.code,
        "date": booking.date.isoformat(),
        "slot": booking.slot.label,
        "status": booking.status,
        "channel": booking.channel,
        "booth_id": booking.offering.booth_id,
    }
    data.update(extra)
    event_record(
        kind=f"booking.{kind}",
        subject_type="booking",
        subject_id=booking.pk,
        mall_id=booking.mall_id,
        actor_id=actor_id,
        data=data,
    )


def not_found() -> NotFound:
    return NotFound(_("No booking with this code and NIK."), code="booking_not_found")


def day_label(date: dt.date) -> str:
    return formats.date_format(date, "DATE_FORMAT")


def policy_of(booking: Booking) -> BookingPolicy:
    """The booking's policy, or the default one if the policy was removed since."""
    policy = BookingPolicy.objects.filter(offering_id=booking.offering_id).first()
    policy = policy or BookingPolicy(offering_id=booking.offering_id, is_enabled=False)
    booking.offering.mall = booking.mall
    policy.offering = booking.offering
    return policy


def booking_locked(code: str, nik: str | None, *, proof: bool) -> Booking:
    """The booking with this code, locked; with `proof`, only if `nik` matches it."""
    canonical = code_clean(code)
    digits = nik_digits(nik) if nik is not None else None
    if canonical is None or (proof and digits is None):
        raise not_found()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mall", "offering__service", "offering__booth", "service", "slot")
        .filter(code=canonical)
        .first()
    )
    if booking is None:
        raise not_found()
    if digits is not None and not nik_digest_matches(booking.nik_digest, digits):
        raise not_found()
    return booking


def require_booked(booking: Booking) -> None:
    if booking.status != Booking.Status.BOOKED:
        raise Conflict(
            _("This booking is %(status)s; this is not possible now.")
            % {"status": booking.get_status_display().lower()},
            code="invalid_state",
        )
