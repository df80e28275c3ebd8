"""Online booking endpoints (antrean online): a day's slots, book, confirm with the SMS
code, look up, cancel, reschedule, check in; and the staff's check-in by booking id.

A new booking holds its place for a few minutes (status "pending") and takes it for
good only when the one-time code sent by SMS to its phone is posted to
/bookings/{code}/confirm (docs/bookings-security.md). The booking code plus the NIK is
the citizen's proof; too many wrong NIKs with one code lock it (429 booking_locked).
The NIK travels only in the X-NIK header (or the create body), never in a URL, and is
never logged. Staff never put a booking code in a URL (URLs end up in server logs):
they find a booking with the code in a POST body and act on its id. Writes are
rate-limited per client IP and per NIK (mpp.core.ratelimit: 429 rate_limited with
Retry-After), shed under overload (mpp.core.shedding: 503 overloaded with
Retry-After), and safe to retry with an Idempotency-Key (mpp.api.idempotency).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils.translation import gettext as _
from ninja import Header, Path, Router, Status

from mpp.accounts import access
from mpp.api.auth import OFFICER_AUTH, STAFF_OR_CITIZEN_AUTH, Citizen
from mpp.api.idempotency import IdempotencyKey, idempotent
from mpp.api.lookups import mall_or_404
from mpp.api.render import ticket_out
from mpp.api.render_bookings import booking_out, slots_out, staff_booking_out
from mpp.api.schemas import (
    CODE_MAX,
    NIK_DESCRIPTION,
    BookingIn,
    ErrorOut,
    MallCode,
    RescheduleIn,
    SlotsOut,
    TicketOut,
    ValidationErrorOut,
)
from mpp.api.schemas_bookings import (
    BookingStateOut,
    ConfirmIn,
    FindIn,
    ResendOut,
    StaffBookingOut,
)
from mpp.bookings import services
from mpp.bookings.confirm import RESEND_SECONDS, booking_hold_state
from mpp.bookings.limits import confirm_limit
from mpp.bookings.models import Booking
from mpp.bookings.proof import proof_require
from mpp.bookings.selectors import booking_by_code
from mpp.bookings.validation import date_in_range
from mpp.catalog.selectors import offerings_for_mall
from mpp.core.errors import Forbidden, NotFound
from mpp.core.ratelimit import RateLimited, client_ip, ratelimit_enforce, ratelimit_hit

router = Router(tags=["booking"])

BookingCode = Path(..., max_length=32, description="The booking code (8 characters).")
ServiceCode = Path(..., description="The service's code (see listMallServices).")


def _nik_header():
    return Header(..., alias="X-NIK", max_length=32, description=NIK_DESCRIPTION)


def _not_found() -> NotFound:
    return NotFound(_("No booking with this code and NIK."), code="booking_not_found")


def _booking_page(booking: Booking) -> dict:
    out = booking_out(booking_hold_state(booking))
    out["hold_until"] = booking.hold_until if booking.status == Booking.Status.PENDING else None
    return out


# Rate limits, run before anything is written (see mpp.api.idempotency).
def _throttle_create(request, payload: BookingIn, **kwargs) -> None:
    ratelimit_enforce(request, name="booking", nik=payload.nik)


def _throttle_nik(request, nik: str = "", code: str = "", **kwargs) -> None:
    ratelimit_enforce(request, name="booking", nik=nik)
    proof_require(code, nik=nik)  # outside any transaction: a wrong NIK stays counted


def _throttle_checkin(request, code: str = "", **kwargs) -> None:
    if isinstance(request.auth, Citizen):
        ratelimit_enforce(request, name="booking", nik=request.auth.nik)
        proof_require(code, nik=request.auth.nik)
    else:  # staff act on the booking's id, never its code in a URL (server logs)
        raise Forbidden(
            _("Staff check in a booking by its id: POST /api/v1/staff/bookings/{id}/check-in."),
            code="use_booking_id",
        )


def _throttle_confirm(request) -> None:
    count, seconds = confirm_limit()
    result = ratelimit_hit(
        scope="booking_confirm_ip", key=client_ip(request), limit=count, window_seconds=seconds
    )
    if not result.allowed:
        raise RateLimited(result.retry_after)


_WRITE_ERRORS = {
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut | ErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}


@router.get(
    "/malls/{mall}/services/{service}/slots",
    response={200: SlotsOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="listSlots",
)
def list_slots(request, date: dt.date, mall: str = MallCode, service: str = ServiceCode):
    """A day's slots of a service with their online places left, the day's walk-in and
    priority places left, whether the date can be booked now and when its window opens.

    Cheap and read-only (never shed): poll it while waiting for 07:00. A date before
    2000-01-01 or after 2199-12-31 is 422 invalid_date.
    """
    date_in_range(date)
    found = mall_or_404(mall)
    offering = None
    if len(service) <= CODE_MAX:
        offering = offerings_for_mall(found).filter(service__code=service).first()
    if offering is None:
        raise NotFound(
            _("Service %(code)s is not offered in this mall.") % {"code": service[:CODE_MAX]},
            code="service_not_found",
        )
    return slots_out(found, offering, date)


@router.post(
    "/malls/{mall}/bookings",
    response={201: BookingStateOut, **_WRITE_ERRORS},
    operation_id="createBooking",
)
@idempotent(BookingStateOut, status=201, throttle=_throttle_create)
def create_booking(
    request, payload: BookingIn, mall: str = MallCode, idempotency_key: str | None = IdempotencyKey
):
    """Hold a place in a slot (no sign-in). 201 with the booking code (keep it with the
    NIK) and status "pending": the place is held until hold_until (10 minutes) and taken
    for good only when the 6-digit code sent by SMS to `phone` is posted to
    /bookings/{code}/confirm. A hold nobody confirms is freed.

    409: slot_full, duplicate_booking (one active booking per NIK, service and day),
    phone_limit (one mobile number holds at most 3 places a day and starts at most 6
    bookings in 24 hours),
    window_closed (not open yet, ended, or the slot has started). 422: invalid_nik,
    invalid_name, invalid_phone, invalid_email, invalid_date, invalid_slot (or
    validation_error for a malformed body). 429 rate_limited (per IP and per NIK) and
    503 overloaded come with Retry-After. A sold-out slot is refused from a read.
    """
    booking = services.booking_create(
        mall=mall_or_404(mall),
        service_code=payload.service,
        date=payload.date,
        slot_start=payload.slot,
        nik=payload.nik,
        name=payload.name,
        phone=payload.phone,
        email=payload.email,
        channel="api",
    )
    return Status(201, _booking_page(booking))


@router.post(
    "/bookings/{code}/confirm",
    response={
        200: BookingStateOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut | ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },  # fmt: skip
    operation_id="confirmBooking",
)
def confirm_booking(request, payload: ConfirmIn, code: str = BookingCode):
    """Confirm a pending booking with the one-time code sent by SMS: it takes its place
    for good (status "booked"), and the confirmation and the day-before reminder are sent.

    Confirming again returns the booking (safe to retry). 422 invalid_otp (with the tries
    left; 5 per code); 409 otp_attempts_exhausted or otp_expired (ask for a new code),
    slot_full (the hold ended and the place was taken), invalid_state (cancelled);
    429 rate_limited (per IP).
    """
    _throttle_confirm(request)
    return _booking_page(services.booking_confirm(code=code, otp=payload.otp))


@router.post(
    "/bookings/{code}/confirm/resend",
    response={202: ResendOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    operation_id="resendBookingCode",
)
def resend_booking_code(request, code: str = BookingCode):
    """Send a new one-time code to the booking's phone (the old one stops working): at
    most 3 codes per booking (409 otp_sends_exhausted), one a minute (429 rate_limited
    with Retry-After)."""
    _throttle_confirm(request)
    services.booking_code_resend(code=code)
    return Status(202, {"sent": True, "resend_after": RESEND_SECONDS})


@router.get(
    "/bookings/{code}",
    response={200: BookingStateOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    operation_id="getBooking",
)
def get_booking(request, code: str = BookingCode, nik: str = _nik_header()):
    """A booking by its code, with its NIK (header X-NIK) as proof. A wrong code and a
    wrong NIK are the same 404 booking_not_found; after 5 wrong NIKs the code is locked
    for an hour (429 booking_locked with Retry-After)."""
    ratelimit_enforce(request, name="lookup")
    proof_require(code, nik=nik)
    booking = booking_by_code(code, nik)
    if booking is None:
        raise _not_found()
    return _booking_page(booking)


@router.delete(
    "/bookings/{code}",
    response={200: BookingStateOut, **_WRITE_ERRORS},
    operation_id="cancelBooking",
)
def cancel_booking(request, code: str = BookingCode, nik: str = _nik_header()):
    """Cancel a booking, or a hold not confirmed yet (NIK in the X-NIK header); its place
    goes back to the quota. 409 invalid_state when it is no longer booked (e.g.
    cancelled already); 429 booking_locked after too many wrong NIKs."""
    ratelimit_enforce(request, name="booking", nik=nik)
    return _booking_page(services.booking_cancel(code=code, nik=nik))


@router.post(
    "/bookings/{code}/reschedule",
    response={200: BookingStateOut, **_WRITE_ERRORS},
    operation_id="rescheduleBooking",
)
@idempotent(BookingStateOut, throttle=_throttle_nik)
def reschedule_booking(
    request,
    payload: RescheduleIn,
    code: str = BookingCode,
    nik: str = _nik_header(),
    idempotency_key: str | None = IdempotencyKey,
):
    """Move a booking to another date and slot (NIK in the X-NIK header), as often as
    the service allows (409 reschedule_limit), into a slot with places left."""
    booking = services.booking_reschedule(
        code=code, nik=nik, date=payload.date, slot_start=payload.slot
    )
    return _booking_page(booking)


@router.post(
    "/bookings/{code}/check-in",
    response={201: TicketOut, 401: ErrorOut, 403: ErrorOut, **_WRITE_ERRORS},
    auth=STAFF_OR_CITIZEN_AUTH,
    operation_id="checkInBooking",
)
@idempotent(TicketOut, status=201, throttle=_throttle_checkin)
def check_in_booking(
    request, code: str = BookingCode, idempotency_key: str | None = IdempotencyKey
):
    """The citizen checks in on their own with the NIK in the X-NIK header (e.g. from the
    phone on arrival): the booking becomes a queue ticket, within its check-in window
    (409 checkin_too_early / checkin_too_late), called ahead of walk-ins from the slot's
    start. 409 invalid_state for a booking never confirmed with its SMS code.

    Staff do not use this path (403 use_booking_id): a booking code in a URL ends up in
    server logs. They find the booking with POST /malls/{mall}/bookings/find and check it
    in with POST /staff/bookings/{id}/check-in.
    """
    caller = request.auth
    if not isinstance(caller, Citizen):
        raise Forbidden(_("Staff check in a booking by its id."), code="use_booking_id")
    ticket = services.booking_check_in(code=code, nik=caller.nik)
    return Status(201, ticket_out(ticket, reload=False))


def _staff_booking(request, booking_id: uuid.UUID) -> Booking:
    booking = (
        Booking.objects.select_related("mall", "offering__booth", "service", "slot", "ticket")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not access.allowed(request.auth, "booking.check_in", booking):
        raise NotFound(_("No booking with this id in your mall."), code="booking_not_found")
    return booking


@router.post(
    "/malls/{mall}/bookings/find",
    response={
        200: StaffBookingOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ValidationErrorOut,
    },  # fmt: skip
    auth=OFFICER_AUTH,
    operation_id="findBookingByCode",
)
def find_booking(request, payload: FindIn, mall: str = MallCode):
    """Staff of the mall (officers at a counter, the kiosk's operator): the booking with
    this code (typed, or scanned as MPPB:<code>), sent in the body, never in a URL. The
    answer carries the booking's id to act on, the name and the masked NIK to compare
    with the KTP. Another mall's booking: 404."""
    from mpp.bookings.forms import code_from_scan

    found = mall_or_404(mall)
    access.require(request.auth, "booking.check_in", found)
    code = code_from_scan(payload.code)
    booking = booking_by_code(code, None) if code else None
    if booking is None or booking.mall_id != found.pk:
        raise NotFound(_("No booking with this code in this mall."), code="booking_not_found")
    return staff_booking_out(booking_hold_state(booking))


@router.post(
    "/staff/bookings/{booking_id}/check-in",
    response={201: TicketOut, 401: ErrorOut, 403: ErrorOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="checkInBookingById",
)
@idempotent(TicketOut, status=201)
def check_in_booking_by_id(
    request, booking_id: uuid.UUID, idempotency_key: str | None = IdempotencyKey
):
    """Staff of the booking's mall check it in by its id (an officer who has seen the
    KTP): a queue ticket, within the check-in window (409 checkin_too_early /
    checkin_too_late, invalid_state). Another mall's booking: 404."""
    booking = _staff_booking(request, booking_id)
    ticket = services.booking_check_in(
        code=booking.code, actor_id=request.auth.pk, mall=booking.mall
    )
    return Status(201, ticket_out(ticket, reload=False))
