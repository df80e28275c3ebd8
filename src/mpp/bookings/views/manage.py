"""The booking page (code, QR code, check-in time, what to bring) and "my booking".

Why: after booking, a citizen needs one page to show at the mall or print: the code in
big letters, a QR code the kiosk scans, the day and time, and what to bring. The page is
reached by the code alone, so it shows nothing personal: the name, the masked NIK (last
4 digits) and the masked phone number appear only after the NIK is given in a POST form
(the second factor). Changing a booking needs the same: "my booking" asks for the code
and the NIK (a wrong NIK looks exactly like a wrong code), and the NIK then travels in
the hidden fields of each following form, never in a URL. Wrong NIKs are counted per
code and lock it for a while (bookings.proof). Cancel has a confirm step; a reschedule
chooses a day, then a time, like a new booking.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.bookings.calendar import slot_end, slot_start
from mpp.bookings.confirm import booking_hold_state
from mpp.bookings.forms import QR_PREFIX, LookupForm, code_from_scan
from mpp.bookings.models import Booking
from mpp.bookings.proof import BookingLocked, proof_require
from mpp.bookings.records import policy_of
from mpp.bookings.selectors import booking_by_code
from mpp.bookings.services import booking_cancel, booking_reschedule
from mpp.bookings.validation import code_clean, date_clean, time_clean
from mpp.bookings.views.common import Problem, code_grouped, problem, problem_of, too_many
from mpp.bookings.views.days import booking_days, day_slots, is_bookable
from mpp.catalog.hours import ZONE_ABBR
from mpp.catalog.pages import fee_label
from mpp.core.errors import DomainError, Invalid
from mpp.core.pii import phone_mask
from mpp.core.qr import qr_svg
from mpp.core.ratelimit import ratelimit_check


def booking_facts(booking: Booking) -> dict:
    """What every page about one booking shows (nothing unmasked that is personal)."""
    mall = booking.mall
    policy = policy_of(booking)
    start, end = slot_start(booking.slot, mall), slot_end(booking.slot, mall)
    opens = (start - dt.timedelta(minutes=policy.checkin_early_minutes)).astimezone(mall.tz)
    closes = (end + dt.timedelta(minutes=policy.grace_minutes)).astimezone(mall.tz)
    return {
        "booking": booking,
        "mall": mall,
        "service": booking.service,
        "booth": booking.offering.booth,
        "code_grouped": code_grouped(booking.code),
        "checkin_opens": opens,
        "checkin_closes": closes,
        "checkin_other_day": opens.date() != booking.date,
        "zone": ZONE_ABBR.get(mall.timezone, ""),
        "phone_masked": phone_mask(booking.phone),
        "fee": fee_label(booking.service.fee, varies=booking.service.fee_varies),
        "is_booked": booking.status == Booking.Status.BOOKED,
        "is_pending": booking.status == Booking.Status.PENDING,
        "show_personal": True,  # pages that were given the NIK (detail: see _personal)
        "reschedules_left": max(policy.reschedule_limit - booking.reschedule_count, 0),
    }


def _personal(request, booking: Booking) -> tuple[bool, Problem | None, int]:
    """(show the personal details, the problem to show, status) for the detail page's
    POST with the NIK (the second factor); GET never shows them."""
    if request.method != "POST":
        return False, None, 200
    limited = ratelimit_check(request, name="lookup")
    if not limited.allowed:
        return False, problem_of("rate_limited"), 429
    nik = str(request.POST.get("nik", ""))[:40]
    try:
        proof_require(booking.code, nik=nik)
    except BookingLocked as exc:
        return False, problem(exc), exc.status
    except DomainError:
        text = _("This NIK does not match the booking. Check it and try again.")
        return False, Problem("booking_not_found", text), 404
    return True, None, 200


@never_cache
def booking_detail(request, code: str):
    """GET /booking/<code>/: the booking to show at the mall, print or save (nothing
    personal). POST with the NIK: the same page with the name, masked NIK and phone."""
    canonical = code_clean(code)
    if canonical is not None and canonical != code:
        return redirect("booking-detail", code=canonical)
    booking = booking_by_code(code, None)
    if booking is None:
        raise Http404(_("No booking with this code."))
    booking = booking_hold_state(booking)
    show_personal, error, status = _personal(request, booking)
    context = booking_facts(booking)
    payload = QR_PREFIX + booking.code
    context.update(
        {
            # segno draws the QR code itself; the payload is the code's alphabet only.
            "qr": mark_safe(qr_svg(payload)),
            "qr_payload": payload,
            "ics_url": reverse("booking-ics", args=[booking.code]),
            "manage_url": reverse("booking-lookup") + f"?kode={booking.code}",
            "ticket_url": (
                reverse("ticket", args=[booking.ticket.secret]) if booking.ticket_id else ""
            ),
            "confirm_url": reverse("booking-confirm", args=[booking.code]),
            "detail_url": reverse("booking-detail", args=[booking.code]),
            "show_personal": show_personal,
            "error": error,
        }
    )
    return render(request, "bookings/detail.html", context, status=status)


# My booking -----------------------------------------------------------------------


@never_cache
def booking_lookup(request):
    """GET: the form (code, NIK). POST: find the booking, then cancel or reschedule it."""
    if request.method != "POST":
        code = code_from_scan(request.GET.get("kode", "")) or ""
        return _lookup_page(request, LookupForm(initial={"code": code}))
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _lookup_page(request, form)
    limited = ratelimit_check(request, name="lookup")
    if not limited.allowed:
        return too_many(request, limited, back_url=reverse("booking-lookup"))
    code, nik = form.cleaned_data["code"], form.cleaned_data["nik"]
    try:
        proof_require(code, nik=nik)  # counts wrong NIKs; locks the code after too many
    except BookingLocked as exc:
        return _lookup_page(request, form, error=problem(exc), status=exc.status)
    except DomainError:
        return _lookup_page(request, form, error=problem_of("booking_not_found"), status=404)
    booking = booking_by_code(code, nik)
    if booking is None:
        return _lookup_page(request, form, error=problem_of("booking_not_found"), status=404)
    booking = booking_hold_state(booking)
    action = request.POST.get("action", "find")
    proof = {"code": booking.code, "nik": nik}
    if action == "cancel":
        if booking.status not in (Booking.Status.BOOKED, Booking.Status.PENDING):
            error = problem_of("invalid_state")
            return _page(request, "bookings/manage.html", booking, proof, error=error, status=409)
        return _page(request, "bookings/cancel_confirm.html", booking, proof)
    if action == "cancel_yes":
        return _cancel(request, booking, proof)
    if action == "reschedule":
        return _reschedule_days(request, booking, proof)
    if action == "reschedule_day":
        return _reschedule_slots(request, booking, proof, request.POST.get("date"))
    if action == "reschedule_do":
        return _reschedule(request, booking, proof)
    return _page(request, "bookings/manage.html", booking, proof)


def _lookup_page(request, form, *, error: Problem | None = None, status: int = 200):
    return render(request, "bookings/lookup.html", {"form": form, "error": error}, status=status)


def _page(request, template, booking, proof, *, error=None, status=200, **extra):
    context = booking_facts(booking)
    context.update({"proof": proof, "error": error, **extra})
    return render(request, template, context, status=status)


def _cancel(request, booking, proof):
    try:
        booking_cancel(code=proof["code"], nik=proof["nik"])
    except DomainError as exc:
        return _page(
            request, "bookings/manage.html", booking, proof, error=problem(exc), status=exc.status
        )
    messages.success(request, _("Your booking is cancelled. Its place is free for someone else."))
    return redirect("booking-detail", code=booking.code)


def _can_move(request, booking, proof):
    """None if the booking may be moved now, else the page that says why not."""
    if booking.status != Booking.Status.BOOKED:
        return _page(
            request,
            "bookings/manage.html",
            booking,
            proof,
            error=problem_of("invalid_state"),
            status=409,
        )
    if booking_facts(booking)["reschedules_left"] <= 0:
        return _page(
            request,
            "bookings/manage.html",
            booking,
            proof,
            error=problem_of("reschedule_limit"),
            status=409,
        )
    return None


def _reschedule_days(request, booking, proof, *, error=None, status=200):
    refusal = _can_move(request, booking, proof)
    if refusal is not None:
        return refusal
    policy = policy_of(booking)
    days = booking_days(policy, timezone.now()) if policy.is_enabled else []
    return _page(
        request,
        "bookings/reschedule_days.html",
        booking,
        proof,
        error=error,
        status=status,
        days=days,
        any_open=any(d.is_open for d in days),
    )


def _date(value) -> dt.date | None:
    try:
        return date_clean(value) if value else None
    except Invalid:
        return None


def _reschedule_slots(request, booking, proof, value, *, error=None, status=200):
    refusal = _can_move(request, booking, proof)
    if refusal is not None:
        return refusal
    policy = policy_of(booking)
    day = _date(value)
    now = timezone.now()
    if day is None or not is_bookable(policy, day, now):
        return _reschedule_days(
            request, booking, proof, error=problem_of("window_closed"), status=409
        )
    slots = day_slots(policy, day, now)
    for slot in slots:
        slot.is_current = slot.pk == booking.slot_id
    return _page(
        request,
        "bookings/reschedule_slots.html",
        booking,
        proof,
        error=error,
        status=status,
        day=day,
        slots=slots,
        any_free=any(not s.is_full and not s.is_current for s in slots),
    )


def _reschedule(request, booking, proof):
    value = request.POST.get("date")
    try:
        start = time_clean(request.POST.get("slot", ""))
    except Invalid:
        error = Problem("no_slot", _("Please choose a time."))
        return _reschedule_slots(request, booking, proof, value, error=error)
    try:
        moved = booking_reschedule(
            code=proof["code"], nik=proof["nik"], date=value, slot_start=start
        )
    except DomainError as exc:
        if exc.code in ("slot_full", "invalid_slot", "duplicate_booking"):
            return _reschedule_slots(
                request, booking, proof, value, error=problem(exc), status=exc.status
            )
        if exc.code in ("reschedule_limit", "invalid_state"):
            return _page(
                request,
                "bookings/manage.html",
                booking,
                proof,
                error=problem(exc),
                status=exc.status,
            )
        return _reschedule_days(request, booking, proof, error=problem(exc), status=exc.status)
    when = formats.date_format(moved.date, "l, j F Y")
    messages.success(
        request,
        _("Your booking is moved to %(date)s, %(time)s.")
        % {"date": when, "time": moved.slot.label},
    )
    return redirect("booking-detail", code=moved.code)
