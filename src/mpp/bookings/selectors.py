"""Reads of online booking: a day's slots with places left, a booking by its code, the
walk-in and priority places left today, and a day's figures per service.

Why: the service page publishes the capacity split ("walk-in places left today: 12")
and the slot list; the kiosk, the API and the manager's page read the same numbers
from here. Nothing here writes: call services.slots_ensure first to make a day's
slots (walkin_left and priority_left work from the policy when none are made yet).
"""

from __future__ import annotations

import copy
import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone

from mpp.bookings.calendar import open_days, slot_start, slot_times
from mpp.bookings.models import Booking, BookingPolicy, Slot
from mpp.bookings.validation import code_clean, nik_digits
from mpp.catalog.models import Mall, Offering
from mpp.core.hotcache import HotCache
from mpp.core.pii import nik_digest_matches
from mpp.queueing.models import Priority, Source, Ticket

# Tickets that use the walk-in (or priority) places: everything but bookings and vans.
WALKIN_SOURCES = (Source.KIOSK, Source.WEB, Source.API, Source.COUNTER)


_policies = HotCache("bookings.policy_for", seconds=5).watch(BookingPolicy)


def policy_for(offering: Offering) -> BookingPolicy | None:
    """The offering's enabled booking policy, or None (no online booking, no quotas).
    Kept a few seconds in this process (core.hotcache)."""
    policy = _policies.get(
        offering.pk,
        lambda: BookingPolicy.objects.filter(offering=offering, is_enabled=True).first(),
    )
    return copy.copy(policy)  # callers attach their offering to it


def slots_for(offering: Offering, date: dt.date, *, now: dt.datetime | None = None) -> list[Slot]:
    """The day's slots, earliest first; each has `online_left` and `has_started` (at `now`).

    A slot that has started can no longer be booked.
    """
    now = now or timezone.now()
    slots = list(Slot.objects.filter(offering=offering, date=date).order_by("starts_at"))
    mall = offering.mall
    for slot in slots:
        slot.has_started = now >= slot_start(slot, mall)
    return slots


def booking_by_code(code: str, nik: str | None) -> Booking | None:
    """The booking with this code, if `nik` is its NIK; None otherwise (either wrong).

    Pass nik=None only for staff, who may look a booking up by its code alone.
    """
    canonical = code_clean(code)
    if canonical is None:
        return None
    booking = (
        Booking.objects.select_related(
            "mall", "offering__booth", "service__agency", "slot", "ticket"
        )
        .filter(code=canonical)
        .first()
    )
    if booking is None or nik is None:
        return booking
    digits = nik_digits(nik)
    if digits is None:
        return None
    return booking if nik_digest_matches(booking.nik_digest, digits) else None


def _day_capacity(offering: Offering, date: dt.date) -> tuple[int, int] | None:
    """(walk-in places, priority places) of the day, or None when no quota applies.

    From the day's slots once they are made, else from the policy and opening hours.
    No quota without an enabled policy, or on a day the mall does not normally open.
    """
    policy = policy_for(offering)
    if policy is None:
        return None
    made = Slot.objects.filter(offering=offering, date=date).aggregate(
        walkin=Sum("walkin_capacity"), priority=Sum("priority_capacity"), n=Count("pk")
    )
    if made["n"]:
        return made["walkin"], made["priority"]
    hours = open_days(offering.mall, date, date).get(date)
    n = len(slot_times(policy, hours)) if hours else 0
    if not n:
        return None
    return n * policy.walkin_per_slot, n * policy.priority_per_slot


def _walkin_tickets(offering: Offering, date: dt.date):
    return Ticket.objects.filter(offering=offering, service_date=date, source__in=WALKIN_SOURCES)


def walkin_left(offering: Offering, date: dt.date) -> int | None:
    """Walk-in places left on `date`: the slots' walk-in capacity minus regular walk-in
    tickets issued that day; None when the service has no quota (no enabled policy)."""
    capacity = _day_capacity(offering, date)
    if capacity is None:
        return None
    used = _walkin_tickets(offering, date).filter(priority=Priority.REGULAR).count()
    return max(capacity[0] - used, 0)


def priority_left(offering: Offering, date: dt.date) -> int | None:
    """Priority-group places left on `date` (elderly, disability, pregnant, small child);
    None when the service has no quota."""
    capacity = _day_capacity(offering, date)
    if capacity is None:
        return None
    used = _walkin_tickets(offering, date).exclude(priority=Priority.REGULAR).count()
    return max(capacity[1] - used, 0)


def day_booking_summary(mall: Mall, date: dt.date) -> list[dict]:
    """Per service with slots or bookings that day: online places and what became of them.

    Keys: offering_id, service_code, service_name, capacity (online places), taken
    (places held now), booked (not yet checked in), checked_in, cancelled, no_show.
    """
    counts = {
        row["offering_id"]: row
        for row in Booking.objects.filter(mall=mall, date=date)
        .values("offering_id")
        .annotate(
            booked=Count("pk", filter=Q(status=Booking.Status.BOOKED)),
            checked_in=Count("pk", filter=Q(status=Booking.Status.CHECKED_IN)),
            cancelled=Count("pk", filter=Q(status=Booking.Status.CANCELLED)),
            no_show=Count("pk", filter=Q(status=Booking.Status.NO_SHOW)),
        )
    }
    places = {
        row["offering_id"]: row
        for row in Slot.objects.filter(offering__mall=mall, date=date)
        .values("offering_id")
        .annotate(capacity=Sum("online_capacity"), taken=Sum("online_booked"))
    }
    offerings = (
        Offering.objects.filter(pk__in=set(counts) | set(places))
        .select_related("service", "booth")
        .order_by("booth__sort_order", "sort_order", "service__name")
    )
    rows = []
    for offering in offerings:
        c = counts.get(offering.pk, {})
        p = places.get(offering.pk, {})
        rows.append(
            {
                "offering_id": offering.pk,
                "service_code": offering.service.code,
                "service_name": offering.service.name,
                "capacity": p.get("capacity") or 0,
                "taken": p.get("taken") or 0,
                **{k: c.get(k, 0) for k in ("booked", "checked_in", "cancelled", "no_show")},
            }
        )
    return rows


PHONE_BOOKINGS_DAYS = 90  # how far back "my bookings" goes
PHONE_BOOKINGS_MAX = 50


def bookings_for_phone(phone: str, *, today: dt.date | None = None) -> list[Booking]:
    """The bookings made with this mobile number (E.164) at any mall, latest day first,
    from PHONE_BOOKINGS_DAYS ago on: the citizen's "my affairs" page, once the number
    is proven by a one-time code (mpp.accounts.phone_login). Unconfirmed holds that
    expired are left out."""
    if not phone:
        return []
    since = (today or timezone.localdate()) - dt.timedelta(days=PHONE_BOOKINGS_DAYS)
    rows = (
        Booking.objects.select_related("mall", "service", "slot")
        .filter(phone=phone, date__gte=since)
        .exclude(status=Booking.Status.EXPIRED)
        .order_by("-date", "-slot__starts_at", "-created_at")
    )
    return list(rows[:PHONE_BOOKINGS_MAX])
