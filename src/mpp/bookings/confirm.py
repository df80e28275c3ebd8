"""A booking takes its place for good only when the one-time code sent to its phone is
entered; until then it holds the place for HOLD_MINUTES, and a hold nobody confirms
frees the place again.

Why: with any format-valid NIK and any phone number accepted, 10 invented NIKs took 10
places. Like the one-time codes of GOV.UK Notify and bank apps, the code proves the
citizen can receive messages at the number given (so one script cannot take a day), and
the hold keeps the place while the SMS arrives, without letting an abandoned form keep
it. The code is 6 digits, stored only as a keyed digest (salted with the booking's id),
valid OTP_VALID_MINUTES, good for OTP_MAX_ATTEMPTS wrong tries; a new one can be asked
for after RESEND_SECONDS, OTP_MAX_SENDS times per booking. Entering it after the hold
ended still books if the place is free (the conditional seat UPDATE decides, so two
late confirmations of the last place cannot both win).

Expiry does not depend on the worker: `mpp worker` sweeps every minute
(holds_expire), and every read that shows or takes places expires the stale holds it
touches first (slot lists, booking, a booking's page).

    booking_confirm(*, code, otp, now=None) -> Booking
    booking_code_resend(*, code, now=None) -> Booking
    holds_expire(*, now=None, **filters) -> int
    otp_issue(booking, *, now) (inside booking_create's transaction)
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.bookings import notify
from mpp.bookings.calendar import slot_start
from mpp.bookings.limits import phone_check, phone_lock
from mpp.bookings.models import Booking
from mpp.bookings.records import booking_event, booking_locked
from mpp.bookings.slots import seat_release, seat_take
from mpp.core.errors import Conflict, Invalid
from mpp.core.pii import keyed_digest
from mpp.core.ratelimit import RateLimited

HOLD_MINUTES = 10
OTP_VALID_MINUTES = 30
OTP_DIGITS = 6
OTP_MAX_ATTEMPTS = 5
OTP_MAX_SENDS = 3
RESEND_SECONDS = 60


def otp_digest(booking_id, otp: str) -> str:
    return keyed_digest(f"booking-otp:{booking_id}:{otp}")


def otp_clean(value: str) -> str | None:
    digits = re.sub(r"[\s\-]", "", str(value or ""))
    return digits if re.fullmatch(rf"[0-9]{{{OTP_DIGITS}}}", digits) else None


def otp_issue(booking: Booking, *, now: dt.datetime) -> None:
    """A new code for the booking (the old one stops working), sent by SMS through the
    outbox in the caller's transaction. The caller saves the booking's otp fields."""
    otp = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
    booking.otp_digest = otp_digest(booking.pk, otp)
    booking.otp_sent_at = now
    booking.otp_attempts = 0
    booking.otp_sends += 1
    notify.booking_code(booking, otp=otp, minutes=HOLD_MINUTES)


OTP_FIELDS = ["otp_digest", "otp_sent_at", "otp_attempts", "otp_sends"]


def _locked(code: str) -> Booking:
    return booking_locked(code, None, proof=False)


def _wrong(left: int) -> Invalid:
    return Invalid(
        _("This code is not right. %(left)d tries left.") % {"left": left}, code="invalid_otp"
    )


@transaction.atomic
def _check(code: str, otp: str | None, now: dt.datetime) -> tuple[str, Booking]:
    """("done" | "ok" | "wrong", booking); a wrong code is counted and committed."""
    booking = _locked(code)
    if booking.status in (Booking.Status.BOOKED, Booking.Status.CHECKED_IN):
        return "done", booking
    if booking.status not in (Booking.Status.PENDING, Booking.Status.EXPIRED):
        raise Conflict(
            _("This booking is %(status)s; it cannot be confirmed.")
            % {"status": booking.get_status_display().lower()},
            code="invalid_state",
        )
    if not booking.otp_digest or booking.otp_attempts >= OTP_MAX_ATTEMPTS:
        raise Conflict(
            _("Too many wrong codes. Ask for a new code."), code="otp_attempts_exhausted"
        )
    if booking.otp_sent_at + dt.timedelta(minutes=OTP_VALID_MINUTES) < now:
        raise Conflict(_("This code has expired. Ask for a new code."), code="otp_expired")
    if otp is None or not hmac.compare_digest(booking.otp_digest, otp_digest(booking.pk, otp)):
        booking.otp_attempts += 1
        booking.save(update_fields=["otp_attempts"])
        return "wrong", booking
    return "ok", booking


@transaction.atomic
def _take_for_good(booking: Booking, now: dt.datetime) -> Booking:
    booking = _locked(booking.code)
    if booking.status in (Booking.Status.BOOKED, Booking.Status.CHECKED_IN):
        return booking
    if booking.status == Booking.Status.EXPIRED:  # the hold ended: take a place again
        if now >= slot_start(booking.slot, booking.mall):
            raise Conflict(_("This slot has already started."), code="window_closed")
        phone_lock(booking.phone)
        phone_check(booking.phone, booking.date, now, exclude=booking.pk)
        if not seat_take(booking.slot_id):
            holds_expire(now=now, slot_id=booking.slot_id)
            if not seat_take(booking.slot_id):
                raise Conflict(
                    _("The time to confirm has passed and the place was taken. Please book again."),
                    code="slot_full",
                )
    booking.status = Booking.Status.BOOKED
    booking.confirmed_at = now
    booking.hold_until = None
    booking.otp_digest = ""  # single use
    try:
        with transaction.atomic():
            booking.save(update_fields=["status", "confirmed_at", "hold_until", "otp_digest"])
    except IntegrityError:  # the same NIK booked the service that day meanwhile
        raise Conflict(
            _("This NIK already has a booking for this service on that day."),
            code="duplicate_booking",
        ) from None
    booking_event(booking, "confirmed")
    notify.booking_confirmed(booking, now=now)
    return booking


def booking_confirm(*, code: str, otp: str, now: dt.datetime | None = None) -> Booking:
    """Confirm a pending (or expired) booking with the one-time code sent to its phone.

    Confirming a booking that is already confirmed returns it (a double tap, a retry).
    Errors: 404 booking_not_found; 422 invalid_otp (with the tries left); 409
    otp_attempts_exhausted, otp_expired, slot_full (hold ended, place taken),
    invalid_state, window_closed, duplicate_booking, phone_limit.
    """
    now = now or timezone.now()
    outcome, booking = _check(code, otp_clean(otp), now)
    if outcome == "wrong":  # raised after the count committed
        raise _wrong(max(OTP_MAX_ATTEMPTS - booking.otp_attempts, 0))
    if outcome == "done":
        return booking
    return _take_for_good(booking, now)


@transaction.atomic
def booking_code_resend(*, code: str, now: dt.datetime | None = None) -> Booking:
    """Send a new one-time code to the booking's phone (the old one stops working).
    429 rate_limited within RESEND_SECONDS of the last; 409 otp_sends_exhausted after
    OTP_MAX_SENDS codes; 409 invalid_state when there is nothing to confirm."""
    now = now or timezone.now()
    booking = _locked(code)
    if booking.status not in (Booking.Status.PENDING, Booking.Status.EXPIRED):
        raise Conflict(_("This booking has nothing to confirm."), code="invalid_state")
    if booking.otp_sends >= OTP_MAX_SENDS:
        raise Conflict(
            _("No more codes can be sent for this booking. Please book again."),
            code="otp_sends_exhausted",
        )
    wait = resend_wait(booking, now)
    if wait:
        raise RateLimited(wait)
    otp_issue(booking, now=now)
    booking.save(update_fields=OTP_FIELDS)
    booking_event(booking, "code_resent", sends=booking.otp_sends)
    return booking


def resend_wait(booking: Booking, now: dt.datetime) -> int:
    """Seconds until a new code may be sent (0: now)."""
    if booking.otp_sent_at is None:
        return 0
    ready = booking.otp_sent_at + dt.timedelta(seconds=RESEND_SECONDS)
    return max(0, math.ceil((ready - now).total_seconds()))


def holds_expire(*, now: dt.datetime | None = None, **filters) -> int:
    """Free the places of pending bookings whose hold has ended (all, or those matching
    `filters`, e.g. slot_id=, offering_id= and date=, pk=). Cheap when there are none:
    one read. Returns how many expired."""
    now = now or timezone.now()
    stale = Booking.objects.filter(status=Booking.Status.PENDING, hold_until__lte=now, **filters)
    if not stale.exists():
        return 0
    with transaction.atomic():
        count = 0
        rows = stale.select_for_update(of=("self",)).select_related("service", "slot", "offering")
        for booking in rows:
            booking.status = Booking.Status.EXPIRED
            booking.save(update_fields=["status"])
            seat_release(booking.slot_id)
            booking_event(booking, "expired")
            count += 1
        return count


def booking_hold_state(booking: Booking, now: dt.datetime | None = None) -> Booking:
    """The booking, with its hold expired first if it ended (for the pages and the API)."""
    over = booking.hold_until is not None and booking.hold_until <= (now or timezone.now())
    if booking.status == Booking.Status.PENDING and over:
        holds_expire(now=now, pk=booking.pk)
        booking.refresh_from_db(fields=["status"])
    return booking
