"""When a day's quota opens, many processes book the same slot at once: never more than
the quota, never two bookings for one NIK (PostgreSQL row locks and partial unique
index; SQLite's IMMEDIATE write lock with a busy timeout)."""

import random
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from mpp.bookings.calendar import bookable_dates
from mpp.bookings.models import Booking, Slot
from mpp.core.models import Event
from tests.bookings.conftest import open_weekdays
from tests.factories import BookingPolicyFactory, OfferingFactory
from tests.parallel import run_parallel

WORKER = Path(__file__).with_name("parallel_worker.py")


def niks(n: int) -> list[str]:
    """n valid, distinct NIKs of Kabupaten Majalengka (32.10.01)."""
    return [f"321001{1 + i % 28:02d}{1 + i // 28:02d}90{i + 1:04d}" for i in range(n)]


@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_never_exceed_the_quota_nor_double_a_nik(mall):
    open_weekdays(mall, days=range(7))
    offering = OfferingFactory(booth__mall=mall)
    policy = BookingPolicyFactory(offering=offering, window_days=30, online_per_slot=20)
    date = bookable_dates(policy, timezone.now())[-1]  # days ahead: its 08:00 has not started
    people = niks(60)
    processes = 6
    # Every NIK is tried by two different processes (120 attempts for 20 places).
    arg_lists = []
    for p in range(processes):
        mine = [nik for i, nik in enumerate(people) if i % 3 == p % 3]
        random.Random(p).shuffle(mine)
        arg_lists.append(
            [str(mall.pk), offering.service.code, date.isoformat(), "08:00", ",".join(mine)]
        )

    results = run_parallel(WORKER, arg_lists, start_in=3.0)
    assert results.overlap() > 0, results.windows  # all six were booking at the same time

    outcomes = [row for result in results for row in result]
    assert len(outcomes) == 120
    tally = Counter(outcome for _, outcome in outcomes)
    assert tally["booked"] == 20, tally
    assert set(tally) <= {"booked", "slot_full", "duplicate_booking"}, tally
    booked_niks = [nik for nik, outcome in outcomes if outcome == "booked"]
    assert len(set(booked_niks)) == 20  # at most one booking per NIK
    slot = Slot.objects.get(offering=offering, date=date, starts_at="08:00")
    assert slot.online_booked == 20
    rows = Booking.objects.filter(slot=slot)
    assert rows.count() == 20
    assert rows.values("nik_digest").distinct().count() == 20
    assert Event.objects.filter(kind="booking.created").count() == 20
