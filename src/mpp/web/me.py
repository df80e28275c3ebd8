"""/me/ ("Urusan saya"): every application and booking of the signed-in mobile number.

Why: a citizen who applied for a birth certificate at one mall, a business licence at
another and booked a passport slot at a third should not need three numbers and three
NIK checks to see where each stands. Once the number is proven by a one-time code
(mpp.web.phone_signin), this page lists, across malls, the applications made with it
(mpp.cases.selectors.cases_for_phone_digest, from the session's digest) with their
status in plain words, and its bookings (mpp.bookings.selectors.bookings_for_phone),
each linking to its own page.
Web sits above both apps, so it may read both. Nothing personal is shown beyond the
masked number; no JavaScript needed; a 360 px phone shows it as one column.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from mpp.bookings.models import Booking
from mpp.bookings.selectors import bookings_for_phone
from mpp.cases.models import Case
from mpp.cases.numbers import number_display
from mpp.cases.selectors import cases_for_phone_digest
from mpp.cases.workflow import TERMINAL, status_explained
from mpp.core.pii import phone_mask
from mpp.web.phone_signin import notice_pop, signed_in_number

ACTIVE_BOOKINGS = (Booking.Status.PENDING, Booking.Status.BOOKED)


def _case_rows(digest: str) -> list[dict]:
    rows = []
    for case in cases_for_phone_digest(digest):
        rows.append(
            {
                "case": case,
                "number": number_display(case.number),
                "status": case.get_status_display(),
                "explained": status_explained(case.status),
                "is_open": case.status not in TERMINAL,
                "needs_me": case.status in (Case.Status.DRAFT, Case.Status.RETURNED),
                "url": reverse("cases:citizen_case", args=[case.number]),
            }
        )
    return rows


def _booking_rows(phone: str, today) -> list[dict]:
    return [
        {
            "booking": booking,
            "is_coming": booking.status in ACTIVE_BOOKINGS and booking.date >= today,
            "url": reverse("booking-detail", args=[booking.code]),
        }
        for booking in bookings_for_phone(phone, today=today)
    ]


@never_cache
def me(request):
    """The signed-in number's applications and bookings (sign in first)."""
    signed = signed_in_number(request)
    if signed is None:
        return redirect("web:me_signin")
    digest, phone = signed
    today = timezone.localdate()
    context = {
        "phone_masked": phone_mask(phone),
        "cases": _case_rows(digest),
        "bookings": _booking_rows(phone, today),
        "notice": notice_pop(request),
    }
    return render(request, "web/me.html", context)
