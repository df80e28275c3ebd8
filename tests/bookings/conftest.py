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


def book(policy, *, date="2026-12-08", slot="08:00", nik=NIK_MALE, now=None, **kwargs):
    """booking_create for the policy's service, by default on Tuesday 8 December 2026
    at 07:00 on 1 December (the day its window opens)."""
    from mpp.bookings.services import booking_create

    mall = policy.offering.mall
    fields = {"name": "Siti Aminah", "phone": PHONE, "channel": "web", **kwargs}
    return booking_create(
        mall=mall,
        service_code=policy.offering.service.code,
        date=date,
        slot_start=slot,
        nik=nik,
        now=now or at(mall, "2026-12-01 07:00"),
        **fields,
    )
