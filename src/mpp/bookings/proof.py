"""What proves a booking: its code plus the NIK (or, at the kiosk, the NIK's last digits),
counted and locked after too many wrong tries.

Why: a booking code alone is not secret enough to show a citizen's name or to turn a
booking into a queue ticket: codes are printed, photographed, and a tout who books with
invented NIKs could sell them. So the citizen's pages and the API ask for the NIK, and
the kiosk for its last CHECKIN_NIK_DIGITS digits. Every wrong NIK given with an existing
code is counted on the booking row itself (not only in a cache, so it holds across
server processes and restarts); after LOCK_AFTER wrong tries the code is locked for
LOCK_MINUTES: the NIK is not even compared, and the answer is 429 booking_locked. A
successful proof resets the count. Staff (an officer who sees the KTP) are not locked.

A wrong NIK looks exactly like a wrong code (404 booking_not_found) until the lock.

Run proof_require OUTSIDE the caller's transaction: the failure is written in its own
statement (autocommit) and must survive the refusal that follows it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import re

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.bookings.models import Booking
from mpp.bookings.records import booking_event, not_found
from mpp.bookings.validation import code_clean, nik_digits
from mpp.core.errors import DomainError
from mpp.core.pii import keyed_digest, nik_digest_matches

LOCK_AFTER = 5  # wrong NIKs (or NIK digits) in a row before the code is locked
LOCK_MINUTES = 60
CHECKIN_NIK_DIGITS = 6  # the kiosk asks for this many last digits (the mask shows 4)


class BookingLocked(DomainError):
    """429 booking_locked: too many wrong NIKs were given with this code."""

    status = 429
    code = "booking_locked"

    def __init__(self, retry_after: int):
        self.retry_after = max(int(retry_after), 1)
        minutes = max(1, math.ceil(self.retry_after / 60))
        super().__init__(
            _(
                "Too many wrong NIKs were given for this booking. Try again in %(minutes)d "
                "minutes, or ask an officer at the mall (bring your KTP)."
            )
            % {"minutes": minutes}
        )


def tail_digest(booking_id, digits: str) -> str:
    """The keyed digest of a NIK's last digits, salted with the booking's id (so equal
    tails of two bookings do not look alike)."""
    return keyed_digest(f"booking-nik-tail:{booking_id}:{digits}")


def tail_of(nik: str) -> str:
    return nik[-CHECKIN_NIK_DIGITS:]


def tail_clean(value: str) -> str | None:
    """The NIK's last digits as typed (spaces ignored), or None if not the right count."""
    digits = re.sub(r"[\s.\-]", "", str(value or ""))
    return digits if re.fullmatch(rf"[0-9]{{{CHECKIN_NIK_DIGITS}}}", digits) else None


def lock_left(booking: Booking, now: dt.datetime) -> int:
    """Seconds the booking's code stays locked (0: not locked)."""
    if booking.locked_until is None or booking.locked_until <= now:
        return 0
    return max(1, math.ceil((booking.locked_until - now).total_seconds()))


def _matches(booking: Booking, nik: str | None, tail: str | None) -> bool:
    if nik is not None:
        digits = nik_digits(nik)
        return digits is not None and nik_digest_matches(booking.nik_digest, digits)
    digits = tail_clean(tail)
    if digits is None or not booking.nik_tail_digest:
        return False
    return hmac.compare_digest(booking.nik_tail_digest, tail_digest(booking.pk, digits))


def _failed(booking: Booking, now: dt.datetime) -> None:
    """Count one wrong proof; the LOCK_AFTER-th locks the code (one statement each)."""
    Booking.objects.filter(pk=booking.pk).update(proof_failures=F("proof_failures") + 1)
    failures = Booking.objects.filter(pk=booking.pk).values_list("proof_failures", flat=True)
    if (failures.first() or 0) >= LOCK_AFTER:
        until = now + dt.timedelta(minutes=LOCK_MINUTES)
        Booking.objects.filter(pk=booking.pk).update(proof_failures=0, locked_until=until)
        booking.locked_until = until
        booking_event(booking, "locked", until=until.isoformat())


def proof_require(
    code: str,
    *,
    nik: str | None = None,
    tail: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """The booking with this code if `nik` (16 digits) or `tail` (its last digits)
    proves it; else NotFound booking_not_found (counted), or BookingLocked."""
    now = now or timezone.now()
    canonical = code_clean(code)
    if canonical is None:
        raise not_found()
    booking = (
        Booking.objects.select_related("mall", "offering__service", "service", "slot")
        .filter(code=canonical)
        .first()
    )
    if booking is None:
        raise not_found()
    left = lock_left(booking, now)
    if left:
        raise BookingLocked(left)
    if not _matches(booking, nik, tail):
        _failed(booking, now)
        left = lock_left(booking, now)
        if left:
            raise BookingLocked(left)
        raise not_found()
    if booking.proof_failures or booking.locked_until is not None:
        Booking.objects.filter(pk=booking.pk).update(proof_failures=0, locked_until=None)
        booking.proof_failures, booking.locked_until = 0, None
    return booking
