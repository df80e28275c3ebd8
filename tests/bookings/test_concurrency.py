"""When a day's quota opens, many processes book the same slot at once: never more than
the quota, never two bookings for one NIK (PostgreSQL row locks and partial unique
index; SQLite's IMMEDIATE write lock with a busy timeout)."""

import datetime as dt
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


CONFIRM_WORKER = Path(__file__).with_name("parallel_confirm_worker.py")


@pytest.mark.django_db(transaction=True)
def test_two_late_confirmations_of_the_last_place_never_both_win(mall):
    """Ten services with one online place each. In each, two holds ended unconfirmed
    (the place is free again) and both citizens type their still-valid SMS codes at the
    same moment, from two processes: exactly one of each pair gets the place."""
    from mpp.bookings.confirm import holds_expire
    from mpp.bookings.services import booking_create
    from tests.bookings.conftest import otp_sent

    open_weekdays(mall, days=range(7))
    now = timezone.now()
    people = niks(20)
    firsts, seconds, slots = [], [], []
    for i in range(10):
        offering = OfferingFactory(booth__mall=mall)
        policy = BookingPolicyFactory(offering=offering, window_days=30, online_per_slot=1)
        # bookable 25 minutes ago as well (the first hold's time): the window opens at 07:00
        date = bookable_dates(policy, now - dt.timedelta(minutes=25))[-1]
        made = []
        for nik, minutes_ago in ((people[2 * i], 25), (people[2 * i + 1], 14)):
            made.append(
                booking_create(
                    mall=mall,
                    service_code=offering.service.code,
                    date=date,
                    slot_start="08:00",
                    nik=nik,
                    name="Warga Uji",
                    phone=f"0813{nik[-8:]}",
                    channel="api",
                    now=now - dt.timedelta(minutes=minutes_ago),
                )
            )
        holds_expire(now=now)
        first, second = made
        slots.append(first.slot_id)
        firsts.append(f"{first.code}:{otp_sent(first)}")
        seconds.append(f"{second.code}:{otp_sent(second)}")
    assert set(Booking.objects.values_list("status", flat=True)) == {"expired"}
    assert set(Slot.objects.filter(pk__in=slots).values_list("online_booked", flat=True)) == {0}

    results = run_parallel(CONFIRM_WORKER, [[",".join(firsts)], [",".join(seconds)]], start_in=3.0)
    assert results.overlap() > 0, results.windows
    outcomes = dict(row for result in results for row in result)
    assert len(outcomes) == 20
    assert Counter(outcomes.values()) == {"booked": 10, "slot_full": 10}, outcomes
    for first, second in zip(firsts, seconds, strict=True):
        won = [outcomes[first.split(":")[0]], outcomes[second.split(":")[0]]]
        assert sorted(won) == ["booked", "slot_full"]
    assert set(Slot.objects.filter(pk__in=slots).values_list("online_booked", flat=True)) == {1}
    assert Booking.objects.filter(status="booked").count() == 10
    assert Event.objects.filter(kind="booking.confirmed").count() == 10
