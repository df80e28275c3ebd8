"""Step 4 of booking: the one-time code sent by SMS confirms the booking.

Why: a booking holds its place for a few minutes and takes it for good only when the
citizen types the 6-digit code sent to the phone they gave (bookings.confirm). This
page is a plain form (no JavaScript needed): type the code and send it, or ask for a new
one after a minute. It is reached by the booking code alone and shows nothing personal
(not even the masked phone number). Attempts are rate-limited per IP.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.bookings.confirm import (
    HOLD_MINUTES,
    OTP_DIGITS,
    booking_code_resend,
    booking_confirm,
    booking_hold_state,
    resend_wait,
)
from mpp.bookings.demo import demo_code_shown
from mpp.bookings.limits import confirm_limit
from mpp.bookings.models import Booking
from mpp.bookings.selectors import booking_by_code
from mpp.bookings.validation import code_clean
from mpp.bookings.views.common import Problem, code_grouped, problem
from mpp.core.errors import DomainError
from mpp.core.ratelimit import client_ip, ratelimit_hit


def _page(request, booking: Booking, *, error=None, status=200, sent=False):
    now = timezone.now()
    context = {
        "booking": booking,
        "mall": booking.mall,
        "service": booking.service,
        "code_grouped": code_grouped(booking.code),
        "otp_digits": OTP_DIGITS,
        "hold_minutes": HOLD_MINUTES,
        "hold_until": booking.hold_until,
        "is_pending": booking.status == Booking.Status.PENDING,
        "resend_wait": resend_wait(booking, now),
        "error": error,
        "sent": sent,
        "action_url": reverse("booking-confirm", args=[booking.code]),
        "demo_code": demo_code_shown(booking),
    }
    return render(request, "bookings/confirm_code.html", context, status=status)


@never_cache
def booking_confirm_page(request, code: str):
    """GET: the code field. POST action=confirm: check the code; action=resend: a new one."""
    canonical = code_clean(code)
    if canonical is not None and canonical != code:
        return redirect("booking-confirm", code=canonical)
    booking = booking_by_code(code, None)
    if booking is None:
        raise Http404(_("No booking with this code."))
    booking = booking_hold_state(booking)
    done = (Booking.Status.BOOKED, Booking.Status.CHECKED_IN)
    if booking.status in done:
        return redirect("booking-detail", code=booking.code)
    if request.method != "POST":
        return _page(request, booking)
    count, seconds = confirm_limit()
    limited = ratelimit_hit(
        scope="booking_confirm_ip", key=client_ip(request), limit=count, window_seconds=seconds
    )
    if not limited.allowed:
        error = Problem(
            "rate_limited",
            _("Too many attempts. Please try again in %(seconds)d seconds.")
            % {"seconds": limited.retry_after},
        )
        return _page(request, booking, error=error, status=429)
    if request.POST.get("action") == "resend":
        try:
            booking = booking_code_resend(code=booking.code)
        except DomainError as exc:
            return _page(request, booking, error=problem(exc), status=exc.status)
        return _page(request, booking, sent=True)
    try:
        booking = booking_confirm(code=booking.code, otp=request.POST.get("otp", ""))
    except DomainError as exc:
        booking.refresh_from_db()
        return _page(request, booking, error=problem(exc), status=exc.status)
    messages.success(request, _("Your booking is confirmed."))
    return redirect("booking-detail", code=booking.code)
