"""Shared set-up for the booking API, rate-limit, idempotency and shedding tests: a mall
open every day, a service whose booking window is open NOW (real clock: the server under
test reads it), valid NIKs, and request bodies."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from mpp.bookings.calendar import bookable_dates
from mpp.bookings.models import Booking, Slot
from mpp.catalog.models import OpeningHours
from mpp.core.models import Event, IdempotencyRecord
from mpp.notifications.models import Message
from mpp.queueing.models import Ticket
from tests.factories import BookingPolicyFactory, OfferingFactory

PHONE = "0812-3456-7890"
NIK = "3210011505900001"  # Kabupaten Majalengka, man born 15-05-1990
NIK_2 = "3210015505900002"  # a woman (day + 40)


def niks(n: int, start: int = 0) -> list[str]:
    """n valid, distinct NIKs of Kabupaten Majalengka (32.10.01)."""
    return [
        f"321001{1 + i % 28:02d}{1 + (i // 28) % 12:02d}{80 + i // 336:02d}{i + 1:04d}"
        for i in range(start, start + n)
    ]


def open_every_day(mall, opens=dt.time(8), closes=dt.time(12)) -> None:
    for weekday in range(7):
        OpeningHours.objects.get_or_create(
            mall=mall, weekday=weekday, defaults={"opens": opens, "closes": closes}
        )


def bookable_policy(mall, **fields):
    """A service of `mall` with a policy whose window is open now; returns (policy, date):
    the last bookable date (days ahead, so none of its slots has started)."""
    open_every_day(mall)
    offering = OfferingFactory(booth__mall=mall)
    values = {"window_days": 30, "online_per_slot": 3, **fields}
    policy = BookingPolicyFactory(offering=offering, **values)
    date = bookable_dates(policy, timezone.now())[-1]
    return policy, date


def phone_for(nik: str) -> str:
    """The mobile number of the person with this NIK: one number per person, since one
    number may hold only a few places a day (bookings.limits)."""
    return PHONE if nik == NIK else f"0813{nik[-8:]}"


def body(policy, date, *, nik=NIK, slot="08:00", **extra) -> dict:
    return {
        "service": policy.offering.service.code,
        "date": date.isoformat(),
        "slot": slot,
        "nik": nik,
        "name": "Siti Aminah",
        "phone": phone_for(nik),
        **extra,
    }


def otp_for(code: str) -> str:
    """The one-time code last sent by SMS for the booking with this code (the outbox is
    the test's phone)."""
    booking = Booking.objects.get(code=code)
    message = (
        Message.objects.filter(
            template="booking_code", dedupe_key__startswith=f"booking:{booking.pk}:"
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return message.context["otp"]


def confirm_json(client, code: str, otp: str | None = None):
    """POST /bookings/{code}/confirm with the code from the outbox (or `otp`)."""
    return client.post(
        f"/api/v1/bookings/{code}/confirm",
        {"otp": otp if otp is not None else otp_for(code)},
        content_type="application/json",
    )


def counts() -> tuple:
    """Everything a booking request may write: equal before and after = nothing written."""
    return (
        Booking.objects.count(),
        Event.objects.count(),
        Message.objects.count(),
        Ticket.objects.count(),
        IdempotencyRecord.objects.count(),
        list(Slot.objects.order_by("pk").values_list("online_booked", flat=True)),
    )


def isolate_rate_limits(settings) -> None:
    """Counters of this test only (they live in Redis or the process's cache)."""
    settings.MPP_RATELIMIT_PREFIX = f"rl-test-{uuid.uuid4().hex}"
