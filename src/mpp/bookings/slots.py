"""A day's slots and their online places.

Why: slots are made lazily, the first time a day is looked at or booked, from the
service's BookingPolicy and the mall's opening hours, so a policy needs no nightly
job. A place is taken with ONE conditional UPDATE (booked < capacity): however many
requests arrive at once, the database hands out at most `online_capacity` places,
and the slot_not_oversold check constraint backs it up.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from mpp.bookings.calendar import open_days, slot_times
from mpp.bookings.models import BookingPolicy, Slot
from mpp.core.events import event_record


def seat_take(slot_id: int) -> bool:
    """Take one online place in one statement; False when the slot is full."""
    taken = Slot.objects.filter(pk=slot_id, online_booked__lt=F("online_capacity")).update(
        online_booked=F("online_booked") + 1
    )
    return taken == 1


def seat_release(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, online_booked__gt=0).update(
        online_booked=F("online_booked") - 1
    )


def slots_ensure(*, offering_id: int, date: dt.date) -> list[Slot]:
    """The day's slots of an offering, made from its policy and the mall's hours if missing.

    Idempotent and safe to race (bulk insert ignoring conflicts); when every slot is
    there already it only reads (no transaction, no write lock). A day's slots are made
    all at once and then kept as they are when the policy or the hours change later.
    No slots on a closed day, or without an enabled policy.
    """
    existing = list(Slot.objects.filter(offering_id=offering_id, date=date).order_by("starts_at"))
    if existing:  # a day is made whole, once: later policy changes apply to new days
        return existing
    policy = (
        BookingPolicy.objects.select_related("offering__mall")
        .filter(offering_id=offering_id, is_enabled=True)
        .first()
    )
    if policy is None:
        return existing
    mall = policy.offering.mall
    hours = open_days(mall, date, date).get(date)
    missing = slot_times(policy, hours) if hours else []
    if not missing:
        return []
    with transaction.atomic():
        Slot.objects.bulk_create(
            [
                Slot(
                    offering_id=offering_id,
                    date=date,
                    starts_at=start,
                    ends_at=end,
                    online_capacity=policy.online_per_slot,
                    walkin_capacity=policy.walkin_per_slot,
                    priority_capacity=policy.priority_per_slot,
                )
                for start, end in missing
            ],
            ignore_conflicts=True,
        )
        event_record(
            kind="booking.slots_made",
            subject_type="offering",
            subject_id=offering_id,
            mall_id=mall.pk,
            data={"date": date.isoformat(), "slots": len(missing)},
        )
    return list(Slot.objects.filter(offering_id=offering_id, date=date).order_by("starts_at"))
