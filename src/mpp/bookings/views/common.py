"""Shared parts of the booking pages: finding the mall, service and booking policy, the
plain sentences for the service's error codes, the "too many attempts" page.

Why: every booking page answers bad input with a readable message, never a 500, and
never repeats the NIK or the phone number. The services' error codes are stable, so
the pages map them to short sentences of their own, written for people who do not read
much; the service's own message is added where it carries a useful detail (a date, a
time, a status).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.bookings.models import BookingPolicy
from mpp.bookings.selectors import policy_for
from mpp.catalog.models import Mall, Offering
from mpp.catalog.pages import mall_or_404
from mpp.catalog.selectors import offerings_for_mall
from mpp.core.errors import DomainError
from mpp.core.ratelimit import RateLimitResult

# The plain sentence shown for each error code of bookings.services.
MESSAGES = {
    "invalid_date": gettext_lazy("Please choose a day again."),
    "invalid_slot": gettext_lazy("Please choose a time again."),
    "slot_full": gettext_lazy("Sorry, this time has just become full. Please choose another time."),
    "duplicate_booking": gettext_lazy(
        "This NIK already has a booking for this service on that day. "
        "Open My booking to see it or change it."
    ),
    "window_closed": gettext_lazy("This day cannot be booked now. Please choose another day."),
    "reschedule_limit": gettext_lazy(
        "This booking has already been moved once. "
        "To change it again, cancel it and make a new booking."
    ),
    "invalid_state": gettext_lazy("This booking can no longer be changed."),
    "booking_not_found": gettext_lazy(
        "We could not find a booking with this code and NIK. Check both and try again."
    ),
    "checkin_too_early": gettext_lazy("It is too early to check in."),
    "checkin_too_late": gettext_lazy("The check-in time of this booking has passed."),
    "service_not_found": gettext_lazy("This service is not offered at this mall."),
    "code_exhausted": gettext_lazy("Something went wrong. Please try again."),
    "rate_limited": gettext_lazy("Too many attempts. Please wait a moment and try again."),
    "invalid_otp": gettext_lazy("This code is not right. Check the SMS and type it again."),
    "otp_expired": gettext_lazy("This code has expired. Ask for a new code."),
    "otp_attempts_exhausted": gettext_lazy("Too many wrong codes. Ask for a new code."),
    "otp_sends_exhausted": gettext_lazy(
        "No more codes can be sent for this booking. Please make a new booking."
    ),
    "phone_limit": gettext_lazy(
        "This mobile number has reached its limit of bookings. "
        "Each person needs to book with their own mobile number."
    ),
    "booking_locked": gettext_lazy(
        "Too many wrong NIKs were given for this booking, so it is locked for a while. "
        "An officer at the mall can help you: bring your KTP."
    ),
}
# Codes whose service message adds something the plain sentence lacks.
DETAILED = {
    "window_closed",
    "checkin_too_early",
    "invalid_state",
    "invalid_otp",
    "phone_limit",
    "booking_locked",
}


@dataclass
class Problem:
    """A refusal as the pages show it: a plain headline and maybe a detail line."""

    code: str
    text: str
    detail: str = ""


def problem(exc: DomainError) -> Problem:
    text = MESSAGES.get(exc.code)
    if text is None:
        return Problem(exc.code, exc.message)
    return Problem(exc.code, str(text), exc.message if exc.code in DETAILED else "")


def problem_of(code: str) -> Problem:
    return Problem(code, str(MESSAGES[code]))


@dataclass
class Place:
    """The mall, the offered service and its booking policy (None: no online booking)."""

    mall: Mall
    offering: Offering
    policy: BookingPolicy | None

    @property
    def service(self):
        return self.offering.service


def place_or_404(mall_code: str, service_code: str) -> Place:
    """The service as offered in the mall (active), with its enabled policy or None."""
    mall = mall_or_404(mall_code)
    offering = offerings_for_mall(mall).filter(service__code=service_code).first()
    if offering is None:
        raise Http404(_("This service is not offered at this mall."))
    offering.mall = mall
    policy = policy_for(offering)
    if policy is not None:
        policy.offering = offering
    return Place(mall=mall, offering=offering, policy=policy)


def too_many(request, result: RateLimitResult, *, back_url: str):
    """The friendly 429 page: wait N seconds, then try again."""
    response = render(
        request,
        "bookings/too_many.html",
        {"seconds": result.retry_after, "back_url": back_url},
        status=429,
    )
    response["Retry-After"] = str(result.retry_after)
    return response


def code_grouped(code: str) -> str:
    """A booking code in two groups of four, as it is printed: K7M2 QX9P."""
    return f"{code[:4]} {code[4:]}" if len(code) == 8 else code
