"""Writes of online booking (antrean online): slots, bookings, check-in, no-shows, walk-ins.

Why: when a day's quota opens at 07:00 thousands try at once. A seat is taken with
ONE conditional UPDATE (online_booked < online_capacity), and a partial unique
index allows one active booking per NIK, service and day, so the database itself
never gives out more than the quota nor two bookings to one person. Requests that
cannot succeed (sold out, already booked) are answered from a read, without writing.

The functions (keyword-only; each is one transaction and records a `booking.*`
event; no NIK or phone number ever goes into an event, a message context or a log):

    slots_ensure(*, offering_id, date) -> list[Slot]
    booking_create(*, mall, service_code, date, slot_start, nik, name, phone, email="",
                   channel, now=None) -> Booking   (PENDING: holds its place, sends a code)
    booking_confirm(*, code, otp, now=None) -> Booking   (BOOKED: the place for good)
    booking_code_resend(*, code, now=None) -> Booking
    holds_expire(*, now=None, **filters) -> int
    booking_cancel(*, code, nik) -> Booking
    booking_reschedule(*, code, nik, date, slot_start, now=None) -> Booking
    booking_check_in(*, code, nik=None, nik_tail=None, actor_id=None, mall=None,
                     now=None) -> Ticket
    bookings_mark_no_shows(*, now=None) -> int
    walkin_ticket_issue(*, mall, service_code, priority="regular", source="kiosk",
                        actor_id=None) -> Ticket

`date` is a date or "YYYY-MM-DD", `slot_start` a time or "HH:MM" (mall-local).
`now` exists for tests and batch jobs; callers normally leave it out. The booking
code plus the NIK is the citizen's proof; staff (officer console, kiosk) check in
with the code alone (nik=None), passing their `mall` so another mall's code is not
found. Codes are 8 characters of 23456789ABCDEFGHJKMNPQRSTUVWXYZ, typed in any case
with spaces or dashes. booking_create/cancel/reschedule queue SMS (and e-mail) through
the notification outbox (bookings.notify); a new booking is confirmed by the one-time
code sent to its phone (bookings.confirm), and one phone number may hold only a few
places a day (bookings.limits). Proof by NIK is counted and locked after too many wrong
tries (bookings.proof). Reads for pages and the API are in
bookings.selectors: slots_for, booking_by_code, walkin_left, priority_left,
day_booking_summary; dates in bookings.calendar: bookable_dates, is_open_day.

Errors (core.errors, turned into {"code", "message"} by the API):
  Invalid 422: invalid_nik, nik_not_verified (population register), invalid_name,
    invalid_phone, invalid_email, invalid_date, invalid_slot, invalid_channel, invalid_otp;
  Conflict 409: phone_limit, otp_expired, otp_attempts_exhausted, otp_sends_exhausted,
    slot_full, duplicate_booking, window_closed, reschedule_limit,
    checkin_too_early, checkin_too_late, invalid_state, walkin_full (and, in theory,
    code_exhausted when 8 random codes in a row were taken);
  NotFound 404: service_not_found, booking_not_found (also when the NIK does not
    match: the answer does not say which);
  429: booking_locked (too many wrong NIKs with this code), rate_limited (a new code
    asked for too soon).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.bookings import notify
from mpp.bookings.calendar import slot_start
from mpp.bookings.checkin import booking_check_in, bookings_mark_no_shows
from mpp.bookings.confirm import (
    HOLD_MINUTES,
    booking_code_resend,
    booking_confirm,
    holds_expire,
    otp_issue,
)
from mpp.bookings.limits import phone_check, phone_lock
from mpp.bookings.models import Booking, BookingPolicy, Slot
from mpp.bookings.proof import proof_require, tail_digest, tail_of
from mpp.bookings.records import (
    booking_event,
    booking_locked,
    require_booked,
)
from mpp.bookings.reschedule import booking_reschedule
from mpp.bookings.rules import (
    duplicate_error,
    has_active,
    no_slot_error,
    slot_for,
    slot_full_error,
    window_check,
)
from mpp.bookings.slots import seat_release, seat_take, slots_ensure
from mpp.bookings.validation import (
    code_new,
    date_clean,
    email_clean,
    name_clean,
    nik_clean,
    phone_clean,
    time_clean,
)
from mpp.bookings.walkin import walkin_ticket_issue
from mpp.catalog.models import Mall, Offering, Service
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.hotcache import HotCache
from mpp.core.identity import nik_verify
from mpp.core.pii import nik_digest_candidates, nik_mask

# Part of this module's interface, kept in their own modules for size.
__all__ = [
    "booking_cancel",
    "booking_check_in",
    "booking_code_resend",
    "booking_confirm",
    "booking_create",
    "booking_reschedule",
    "holds_expire",
    "booking_reschedule",
    "bookings_mark_no_shows",
    "slots_ensure",
    "walkin_ticket_issue",
]

CODE_ATTEMPTS = 8  # new random codes tried when one is taken (about 1 in 10^6 at 10^6 bookings)


_policy_cache = HotCache("bookings.policy", seconds=5).watch(BookingPolicy, Offering, Service, Mall)


def _policy_read(mall: Mall, service_code: str) -> tuple[BookingPolicy | None, bool]:
    """(the policy with its offering, service, booth and mall; is the service offered)."""
    policy = (
        BookingPolicy.objects.select_related("offering__service", "offering__booth")
        .filter(
            offering__mall=mall,
            offering__service__code=service_code,
            offering__is_active=True,
            offering__service__is_active=True,
        )
        .order_by("offering_id")
        .first()
    )
    if policy is not None:
        policy.offering.mall = mall
        return policy, True
    offered = Offering.objects.filter(
        mall=mall, service__code=service_code, is_active=True, service__is_active=True
    ).exists()
    return None, offered


def _policy(mall: Mall, service_code: str) -> BookingPolicy:
    """The service's booking policy with its offering, service and booth: one query, kept
    a few seconds in this process (core.hotcache) for the rush. Treat it as read-only."""
    policy, offered = _policy_cache.get(
        (mall.pk, service_code), lambda: _policy_read(mall, service_code)
    )
    if not offered:
        raise NotFound(
            _("Service %(code)s is not offered in this mall.") % {"code": service_code},
            code="service_not_found",
        )
    if policy is None or not policy.is_enabled:
        raise Conflict(_("Online booking is not open for this service."), code="window_closed")
    return policy


_SLOT_WITH_DUPLICATE = """
SELECT s.*, EXISTS (
    SELECT 1 FROM bookings_booking b
    WHERE b.nik_digest IN ({digests}) AND b.service_id = %s AND b.date = %s
      AND b.status IN (%s, %s, %s)
) AS duplicate
FROM bookings_slot s
WHERE s.offering_id = %s AND s.date = %s AND s.starts_at = %s
"""


def _slot_row(
    policy: BookingPolicy, date: dt.date, start: dt.time, digests: list[str]
) -> Slot | None:
    """The slot, read with "does this NIK already hold an active booking of the service
    that day" (slot.duplicate), in ONE hand-written statement: the hottest read of the
    rush, where building the query with the ORM cost more than running it. Portable
    (only %s placeholders; values adapted by the backend)."""
    ops = connection.ops
    day, at = ops.adapt_datefield_value(date), ops.adapt_timefield_value(start)
    params = [*digests, policy.offering.service_id, day, *Booking.ACTIVE_STATUSES]
    params += [policy.offering_id, day, at]
    sql = _SLOT_WITH_DUPLICATE.format(digests=", ".join(["%s"] * len(digests)))
    rows = list(Slot.objects.raw(sql, params))
    if not rows:
        return None
    slot = rows[0]
    slot.duplicate = bool(slot.duplicate)
    return slot


def _slot_with_duplicate(
    policy: BookingPolicy, date: dt.date, start: dt.time, now: dt.datetime, digests: list[str]
) -> Slot:
    """The slot with slot.duplicate; the day's slots are made first when this is the
    day's first booking."""
    slot = _slot_row(policy, date, start, digests)
    if slot is None:
        slot_for(policy, date, start, now)  # makes the day, or refuses the time
        slot = _slot_row(policy, date, start, digests)
        if slot is None:
            raise no_slot_error(start)
    if now >= slot_start(slot, policy.offering.mall):
        raise Conflict(_("This slot has already started."), code="window_closed")
    return slot


def booking_create(
    *,
    mall: Mall,
    service_code: str,
    date: dt.date | str,
    slot_start: dt.time | str,
    nik: str,
    name: str,
    phone: str,
    email: str = "",
    channel: str,
    now: dt.datetime | None = None,
) -> Booking:
    """Hold a place in a slot for a citizen (NIK), within the service's published quota.

    Everything is checked from reads first (input, window, slot, one booking per NIK,
    the phone number's limits, places left); only then is the seat taken, by the single
    conditional UPDATE, and the booking inserted as PENDING: it holds the place for
    HOLD_MINUTES, and the one-time code that confirms it is sent to the phone
    (booking_confirm). Stale holds of the slot are expired first when it looks full.
    """
    now = now or timezone.now()
    day = date_clean(date)
    start = time_clean(slot_start)
    nik = nik_clean(nik, today=now.astimezone(mall.tz).date())
    name = name_clean(name)
    phone = phone_clean(phone)
    email = email_clean(email)
    if channel not in Booking.Channel.values:
        raise Invalid(_("Unknown booking channel."), code="invalid_channel")
    policy = _policy(mall, service_code)
    window_check(policy, day, now)
    # The digest stored now, and every form an older key left (core.pii key rotation),
    # so a NIK booked before a rotation is still one NIK.
    digests = nik_digest_candidates(nik)
    digest = digests[0]
    slot = _slot_with_duplicate(policy, day, start, now, digests)
    looks_taken = slot.duplicate or slot.online_left <= 0  # maybe holds nobody confirmed
    if looks_taken and holds_expire(now=now, service_id=policy.offering.service_id, date=day):
        slot = _slot_with_duplicate(policy, day, start, now, digests)
    if slot.duplicate:
        raise duplicate_error()
    if slot.online_left <= 0:
        raise slot_full_error()
    phone_check(phone, day, now)
    # The population register, when configured (docs/nik-register.md): after every
    # refusal a read can give, before the insert's transaction, so the remote call
    # holds no lock of this request's.
    nik_verify(nik=nik, name=name, purpose="booking", mall_id=mall.pk)
    offering = policy.offering
    booking = Booking(
        mall=mall,
        offering=offering,
        service=offering.service,
        slot=slot,
        date=day,
        nik_digest=digest,
        nik_masked=nik_mask(nik),
        name=name,
        phone=phone,
        email=email,
        channel=channel,
        status=Booking.Status.PENDING,
        hold_until=now + dt.timedelta(minutes=HOLD_MINUTES),
    )
    booking.nik_tail_digest = tail_digest(booking.pk, tail_of(nik))
    for _attempt in range(CODE_ATTEMPTS):
        booking.code = code_new()
        try:
            return _booking_insert(booking, now=now)
        except IntegrityError:
            # The whole transaction rolled back, the seat with it. Either the same NIK
            # won a race a moment ago, or (about 1 in 10^6) the random code was taken.
            booking._state.adding = True
            if has_active(digests, offering.service_id, day):
                raise duplicate_error() from None
    raise Conflict(_("Please try again."), code="code_exhausted")


@transaction.atomic
def _booking_insert(booking: Booking, *, now: dt.datetime) -> Booking:
    """Take the seat and write the booking, its event and its one-time code: one
    transaction, no savepoints (a unique violation aborts it whole and booking_create
    decides). The phone number's limits are counted again under its lock."""
    phone_lock(booking.phone)
    phone_check(booking.phone, booking.date, now)
    if not seat_take(booking.slot_id):
        raise slot_full_error()
    booking.otp_sends = 0
    otp_issue(booking, now=now)
    booking.save(force_insert=True)
    booking.slot.online_booked += 1
    booking_event(booking, "created")
    return booking


def booking_cancel(*, code: str, nik: str) -> Booking:
    """The citizen cancels (code + NIK as proof); the place goes back to the quota.
    A booking not confirmed yet can be cancelled too (its hold is let go)."""
    proof_require(code, nik=nik)  # outside the transaction: a wrong NIK stays counted
    return _cancel(code)


@transaction.atomic
def _cancel(code: str) -> Booking:
    booking = booking_locked(code, None, proof=False)
    if booking.status != Booking.Status.PENDING:
        require_booked(booking)
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at"])
    seat_release(booking.slot_id)
    booking_event(booking, "cancelled")
    notify.booking_cancelled(booking)
    return booking
