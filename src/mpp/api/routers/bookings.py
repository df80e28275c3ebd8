"""Online booking endpoints (antrean online): a day's slots, book, look up, cancel,
reschedule, check in.

The booking code plus the NIK is the citizen's proof. The NIK travels only in the
X-NIK header (or the create body), never in a URL, and is never logged. Writes are
rate-limited per client IP and per NIK (mpp.core.ratelimit: 429 rate_limited with
Retry-After), shed under overload (mpp.core.shedding: 503 overloaded with
Retry-After), and safe to retry with an Idempotency-Key (mpp.api.idempotency).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Header, Path, Router, Status

from mpp.api.auth import STAFF_OR_CITIZEN_AUTH, Citizen
from mpp.api.idempotency import IdempotencyKey, idempotent
from mpp.api.lookups import mall_or_404
from mpp.api.render import ticket_out
from mpp.api.render_bookings import booking_out, slots_out
from mpp.api.schemas import (
    CODE_MAX,
    NIK_DESCRIPTION,
    BookingIn,
    BookingOut,
    ErrorOut,
    MallCode,
    RescheduleIn,
    SlotsOut,
    TicketOut,
    ValidationErrorOut,
)
from mpp.bookings import services
from mpp.bookings.selectors import booking_by_code
from mpp.catalog.selectors import offerings_for_mall
from mpp.core.errors import Forbidden, NotFound
from mpp.core.ratelimit import ratelimit_enforce

router = Router(tags=["booking"])

BookingCode = Path(..., max_length=32, description="The booking code (8 characters).")
ServiceCode = Path(..., description="The service's code (see listMallServices).")


def _nik_header():
    return Header(..., alias="X-NIK", max_length=32, description=NIK_DESCRIPTION)


def _not_found() -> NotFound:
    return NotFound(_("No booking with this code and NIK."), code="booking_not_found")


# Rate limits, run before anything is written (see mpp.api.idempotency).
def _throttle_create(request, payload: BookingIn, **kwargs) -> None:
    ratelimit_enforce(request, name="booking", nik=payload.nik)


def _throttle_nik(request, nik: str = "", **kwargs) -> None:
    ratelimit_enforce(request, name="booking", nik=nik)


def _throttle_checkin(request, **kwargs) -> None:
    if isinstance(request.auth, Citizen):  # staff are not limited
        ratelimit_enforce(request, name="booking", nik=request.auth.nik)


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

    Cheap and read-only (never shed): poll it while waiting for 07:00.
    """
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
    response={201: BookingOut, **_WRITE_ERRORS},
    operation_id="createBooking",
)
@idempotent(BookingOut, status=201, throttle=_throttle_create)
def create_booking(
    request, payload: BookingIn, mall: str = MallCode, idempotency_key: str | None = IdempotencyKey
):
    """Book a place in a slot (no sign-in). 201 with the booking code, to keep with the NIK.

    409: slot_full, duplicate_booking (one active booking per NIK, service and day),
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
    return Status(201, booking_out(booking))


@router.get(
    "/bookings/{code}",
    response={200: BookingOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    operation_id="getBooking",
)
def get_booking(request, code: str = BookingCode, nik: str = _nik_header()):
    """A booking by its code, with its NIK (header X-NIK) as proof. A wrong code and a
    wrong NIK are the same 404 booking_not_found."""
    ratelimit_enforce(request, name="lookup")
    booking = booking_by_code(code, nik)
    if booking is None:
        raise _not_found()
    return booking_out(booking)


@router.delete(
    "/bookings/{code}",
    response={200: BookingOut, **_WRITE_ERRORS},
    operation_id="cancelBooking",
)
def cancel_booking(request, code: str = BookingCode, nik: str = _nik_header()):
    """Cancel a booking (NIK in the X-NIK header); its place goes back to the quota.
    409 invalid_state when it is no longer booked (e.g. cancelled already)."""
    _throttle_nik(request, nik=nik)
    return booking_out(services.booking_cancel(code=code, nik=nik))


@router.post(
    "/bookings/{code}/reschedule",
    response={200: BookingOut, **_WRITE_ERRORS},
    operation_id="rescheduleBooking",
)
@idempotent(BookingOut, throttle=_throttle_nik)
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
    return booking_out(booking)


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
    """Turn a booking into a queue ticket, within its check-in window (409
    checkin_too_early / checkin_too_late), called ahead of walk-ins from the slot's start.

    Kiosks and officers: staff API token or session of the booking's mall (another
    mall's booking: 404). The citizen may check in on their own with the NIK in the
    X-NIK header, within the same window (e.g. from the phone on arrival).
    """
    caller = request.auth
    if isinstance(caller, Citizen):
        ticket = services.booking_check_in(code=code, nik=caller.nik)
    elif caller.is_national:
        ticket = services.booking_check_in(code=code, actor_id=caller.pk)
    elif caller.mall_id is None:
        raise Forbidden(_("You may not check in bookings."), code="forbidden")
    else:
        ticket = services.booking_check_in(code=code, actor_id=caller.pk, mall=caller.mall)
    return Status(201, ticket_out(ticket, reload=False))
