"""Booking a place online in three steps, made for a cheap phone and no JavaScript.

    step 1  choose a day   GET  .../pesan/                 (links, one per open day)
            choose a time  GET  .../pesan/?tanggal=YYYY-MM-DD   (radio buttons)
    step 2  your data      POST step=slot  -> the form; POST step=data checks it
    step 3  check, confirm POST .../pesan/kirim/ holds the place and sends a code by SMS,
                           then redirects to /booking/<code>/konfirmasi/
    step 4  the SMS code   POST /booking/<code>/konfirmasi/ books for good (views/confirm.py),
                           then redirects to /booking/<code>/

Why this way: each screen asks one thing, and every step is a plain form. What was
chosen travels in hidden fields of the POST body, so the NIK and the phone number are
never in a URL (nor in the session or a log); only the day, which is not personal,
is in the address of the time step. The final POST is rate-limited per IP and per NIK
(mpp.core.ratelimit; one mobile number also holds only a few places a day:
bookings.limits) and carries a form key (mpp.core.formkeys, the records the API's
Idempotency-Key uses, in the database: it holds while Redis is down): sending the same
form twice (a double tap, a resend after a dropped connection) shows the booking it made
instead of a "duplicate".
Refusals (full, already booked, closed) send the citizen back to choose again, and the
service writes nothing when it refuses.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.bookings.forms import (
    FIELD_OF_CODE,
    CitizenForm,
    digits_grouped,
    field_error,
    phone_national,
)
from mpp.bookings.models import Slot
from mpp.bookings.services import booking_create
from mpp.bookings.validation import date_clean, time_clean
from mpp.bookings.views.common import (
    Place,
    Problem,
    place_or_404,
    problem,
    problem_of,
    too_many,
)
from mpp.bookings.views.days import booking_days, day_slots, is_bookable, next_opening
from mpp.core.errors import DomainError, Invalid
from mpp.core.formkeys import form_key_new, form_once
from mpp.core.ratelimit import ratelimit_check

STEP_SLOT, STEP_DATA, STEP_CONFIRM = "slot", "data", "confirm"
DATA_FIELDS = ("nik", "name", "phone", "email")


@never_cache
def booking_new(request, mall: str, service: str):
    """Steps 1 and 2: GET shows the days (or, with ?tanggal=, that day's times); POST
    step=slot shows the data form, POST step=data checks it and shows the summary."""
    place = place_or_404(mall, service)
    if place.policy is None:
        return render(request, "bookings/book_unavailable.html", _base(place), status=404)
    if request.method == "POST":
        step = request.POST.get("step")
        if step == STEP_SLOT:
            return _after_slot(request, place)
        if step == STEP_DATA:
            return _after_data(request, place)
        return _days(request, place)
    day = _date_or_none(request.GET.get("tanggal"))
    if day is not None:
        return _slots(request, place, day)
    return _days(request, place)


@never_cache
def booking_submit(request, mall: str, service: str):
    """The confirm form's POST: the one step that writes, on its own path so that load
    shedding (mpp.core.shedding, settings.MPP_SHED_PATHS) can tell it from the others."""
    place = place_or_404(mall, service)
    if request.method != "POST" or request.POST.get("step") != STEP_CONFIRM:
        return redirect("booking-new", mall=place.mall.code, service=place.service.code)
    if place.policy is None:
        return render(request, "bookings/book_unavailable.html", _base(place), status=404)
    return _after_confirm(request, place)


# Rendering each step ----------------------------------------------------------------


def _base(place: Place, **extra) -> dict:
    return {
        "mall": place.mall,
        "service": place.service,
        "offering": place.offering,
        "policy": place.policy,
        "book_url": reverse("booking-new", args=[place.mall.code, place.service.code]),
        "submit_url": reverse("booking-submit", args=[place.mall.code, place.service.code]),
        "service_url": reverse("service-detail", args=[place.mall.code, place.service.code]),
        **extra,
    }


def _days(request, place: Place, *, error: Problem | None = None, status: int = 200):
    now = timezone.now()
    days = booking_days(place.policy, now)
    context = _base(
        place,
        step=1,
        days=days,
        any_open=any(d.is_open for d in days),
        next_opening=next_opening(place.policy, now),
        error=error,
    )
    return render(request, "bookings/book_days.html", context, status=status)


def _slots(request, place: Place, day: dt.date, *, error=None, status=200, chosen=""):
    now = timezone.now()
    if not is_bookable(place.policy, day, now):
        return _days(request, place, error=problem_of("window_closed"), status=409)
    slots = day_slots(place.policy, day, now)
    context = _base(place, step=1, day=day, slots=slots, error=error, chosen=chosen)
    context["any_free"] = any(not s.is_full for s in slots)
    return render(request, "bookings/book_slots.html", context, status=status)


def _data(request, place: Place, choice, form: CitizenForm, *, error=None, status=200):
    day, start = choice
    context = _base(place, step=2, day=day, start=start, form=form, error=error)
    context["slot_label"] = _slot_label(place, day, start)
    return render(request, "bookings/book_data.html", context, status=status)


def _confirm(request, place: Place, choice, form: CitizenForm):
    day, start = choice
    data = form.cleaned_data
    context = _base(
        place,
        step=3,
        day=day,
        start=start,
        slot_label=_slot_label(place, day, start),
        values={k: data[k] for k in DATA_FIELDS},
        nik_shown=digits_grouped(data["nik"]),
        phone_shown=phone_national(data["phone"]),
        nonce=form_key_new(),
    )
    return render(request, "bookings/book_confirm.html", context)


def _slot_label(place: Place, day: dt.date, start: str) -> str:
    """ "08:00-09:00" for the chosen slot start."""
    slot = Slot.objects.filter(offering=place.offering, date=day, starts_at=time_clean(start))
    found = slot.first()
    return found.label if found is not None else start


# The steps' POSTs -------------------------------------------------------------------


def _date_or_none(value) -> dt.date | None:
    try:
        return date_clean(value) if value else None
    except Invalid:
        return None


def _choice(request) -> tuple[dt.date, str] | None:
    """The day and slot start chosen in step 1, from the POST body; None if unusable."""
    day = _date_or_none(request.POST.get("date"))
    try:
        start = time_clean(request.POST.get("slot", ""))
    except Invalid:
        return None
    return (day, f"{start:%H:%M}") if day else None


def _after_slot(request, place: Place):
    day = _date_or_none(request.POST.get("date"))
    if day is None:
        return _days(request, place, error=problem_of("invalid_date"), status=422)
    now = timezone.now()
    if not is_bookable(place.policy, day, now):  # before day_slots, which makes slots
        return _days(request, place, error=problem_of("window_closed"), status=409)
    choice = _choice(request)
    if choice is None:
        return _slots(request, place, day, error=Problem("no_slot", _("Please choose a time.")))
    slots = day_slots(place.policy, day, now)
    slot = next((s for s in slots if f"{s.starts_at:%H:%M}" == choice[1]), None)
    if slot is None:
        return _slots(request, place, day, error=problem_of("invalid_slot"), status=422)
    if slot.is_full:
        return _slots(request, place, day, error=problem_of("slot_full"), status=409)
    return _data(request, place, choice, CitizenForm(today=place.mall.today()))


def _after_data(request, place: Place):
    choice = _choice(request)
    if choice is None:
        return _days(request, place, error=problem_of("invalid_slot"), status=422)
    if "back" in request.POST:
        return _slots(request, place, choice[0], chosen=choice[1])
    form = CitizenForm(request.POST, today=place.mall.today())
    if not form.is_valid():
        return _data(request, place, choice, form)
    return _confirm(request, place, choice, form)


def _after_confirm(request, place: Place):
    choice = _choice(request)
    if choice is None:
        return _days(request, place, error=problem_of("invalid_slot"), status=422)
    if "back" in request.POST:
        initial = {k: request.POST.get(k, "") for k in DATA_FIELDS}
        return _data(request, place, choice, CitizenForm(initial=initial))
    form = CitizenForm(request.POST, today=place.mall.today())
    if not form.is_valid():
        return _data(request, place, choice, form)
    here = reverse("booking-new", args=[place.mall.code, place.service.code])
    limited = ratelimit_check(request, name="booking", nik=form.cleaned_data["nik"])
    if not limited.allowed:
        return too_many(request, limited, back_url=here)
    day, start = choice
    data = {k: form.cleaned_data[k] for k in DATA_FIELDS}

    def book() -> dict:
        booking = booking_create(
            mall=place.mall,
            service_code=place.service.code,
            date=day,
            slot_start=start,
            channel="web",
            **data,
        )
        return {"code": booking.code}

    fields = {"day": day.isoformat(), "start": str(start), **{k: str(v) for k, v in data.items()}}
    scope = f"booking:{place.mall.pk}:{place.service.code}"
    try:
        result, replayed = form_once(request, scope=scope, fields=fields, run=book)
    except DomainError as exc:
        return _refused(request, place, choice, form, exc)
    if not replayed:
        messages.info(request, _("Almost done: type the code we sent you by SMS."))
    return redirect("booking-confirm", code=result["code"])


def _refused(request, place: Place, choice, form: CitizenForm, exc: DomainError):
    day, start = choice
    if exc.code in FIELD_OF_CODE and isinstance(exc, Invalid):
        form.add_error(FIELD_OF_CODE[exc.code], field_error(exc))
        return _data(request, place, choice, form, status=exc.status)
    if exc.code == "phone_limit":
        form.add_error("phone", problem(exc).text)
        return _data(request, place, choice, form, status=exc.status)
    if exc.code == "slot_full":
        return _slots(request, place, day, error=problem(exc), status=exc.status)
    return _days(request, place, error=problem(exc), status=exc.status)
