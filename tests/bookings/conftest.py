"""Fixtures for online booking: a mall open Monday to Friday 08:00-12:00 (four one-hour
slots a day), a service with a booking policy, and a clock in the mall's time."""

import datetime as dt

import pytest

from mpp.catalog.models import OpeningHours
from tests.factories import BookingPolicyFactory

MON_FRI = range(5)

# A few valid NIKs of Kabupaten Majalengka (32.10), district 01.
NIK_MALE = "3210011505900001"  # born 15-05-1990
NIK_FEMALE = "3210015505900002"  # born 15-05-1990, day + 40
NIK_OTHER = "3210012001850003"  # born 20-01-1985
PHONE = "0812-3456-7890"


def open_weekdays(mall, days=MON_FRI, opens=dt.time(8), closes=dt.time(12)):
    for weekday in days:
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=opens, closes=closes)


def at(mall, when: str) -> dt.datetime:
    """An aware datetime from "YYYY-MM-DD HH:MM" in the mall's local time."""
    return dt.datetime.fromisoformat(when).replace(tzinfo=mall.tz)


@pytest.fixture
def hours(mall):
    open_weekdays(mall)
    return mall


@pytest.fixture
def policy(hours, offering):
    return BookingPolicyFactory(offering=offering)


def phone_for(nik: str) -> str:
    """A mobile number of the person with this NIK (one per person: the per-phone limit)."""
    return PHONE if nik == NIK_MALE else f"0813{nik[-8:]}"


def otp_sent(booking) -> str:
    """The one-time code the booking's last SMS carried, read from the outbox."""
    from mpp.notifications.models import Message

    message = (
        Message.objects.filter(
            template="booking_code", dedupe_key__startswith=f"booking:{booking.pk}:"
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return message.context["otp"]


def book(
    policy, *, date="2026-12-08", slot="08:00", nik=NIK_MALE, now=None, confirm=True, **kwargs
):
    """booking_create for the policy's service, by default on Tuesday 8 December 2026
    at 07:00 on 1 December (the day its window opens), then (confirm=True) confirmed with
    the one-time code read from the outbox, as the citizen would."""
    from mpp.bookings.services import booking_confirm, booking_create

    mall = policy.offering.mall
    fields = {"name": "Siti Aminah", "phone": phone_for(nik), "channel": "web", **kwargs}
    when = now or at(mall, "2026-12-01 07:00")
    booking = booking_create(
        mall=mall,
        service_code=policy.offering.service.code,
        date=date,
        slot_start=slot,
        nik=nik,
        now=when,
        **fields,
    )
    if not confirm:
        return booking
    return booking_confirm(code=booking.code, otp=otp_sent(booking), now=when)
