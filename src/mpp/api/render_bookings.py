"""Turning booking records into the API's response dicts (slots of a day, a booking,
a booking as staff see it).

Kept apart from the handlers so create, look-up, cancel and reschedule return the very
same booking shape. Reads only, but for one thing: the slot list first frees the places
of holds nobody confirmed in time (bookings.confirm.holds_expire). The slot list of a day
whose slots are not made yet is shown from the policy, without writing them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mpp.bookings.calendar import (
    date_refusal,
    open_days,
    slot_end,
    slot_start,
    slot_times,
    window_opens,
)
from mpp.bookings.confirm import holds_expire
from mpp.bookings.models import Booking, BookingPolicy
from mpp.bookings.selectors import policy_for, priority_left, slots_for, walkin_left
from mpp.catalog.models import Mall, Offering
from mpp.core.pii import phone_mask


def _hm(value: dt.time) -> str:
    return f"{value:%H:%M}"


def _planned(policy: BookingPolicy, mall: Mall, date: dt.date, now: dt.datetime) -> list[dict]:
    """The slots the policy would make for `date` (none made yet): all places free."""
    hours = open_days(mall, date, date).get(date)
    rows = []
    for start, end in slot_times(policy, hours) if hours else []:
        starts = dt.datetime.combine(date, start, tzinfo=mall.tz)
        rows.append(
            {
                "start": _hm(start),
                "end": _hm(end),
                "capacity": policy.online_per_slot,
                "remaining": policy.online_per_slot,
                "started": now >= starts,
            }
        )
    return rows


def slots_out(mall: Mall, offering: Offering, date: dt.date) -> dict:
    """A day of one service: whether it can be booked now, its slots and places left."""
    now = timezone.now()
    offering.mall = mall
    policy = policy_for(offering)
    refusal, opens, slots = "not_offered", None, []
    if policy is not None:
        policy.offering = offering
        refusal = date_refusal(policy, date, now)
        opens = window_opens(policy, date)
        holds_expire(now=now, offering_id=offering.pk, date=date)  # places nobody confirmed
        made = slots_for(offering, date, now=now)
        slots = [
            {
                "start": _hm(s.starts_at),
                "end": _hm(s.ends_at),
                "capacity": s.online_capacity,
                "remaining": s.online_left,
                "started": s.has_started,
            }
            for s in made
        ] or _planned(policy, mall, date, now)
        if refusal == "closed":
            slots = []
    return {
        "mall": mall.code,
        "service": offering.service.code,
        "service_name": offering.service.name,
        "date": date,
        "bookable": refusal is None,
        "refusal": refusal,
        "window_opens_at": opens.astimezone(mall.tz) if opens else None,
        "walkin_left": walkin_left(offering, date) if policy else None,
        "priority_left": priority_left(offering, date) if policy else None,
        "slots": slots,
    }


def booking_out(booking: Booking) -> dict:
    """A booking as its owner sees it (masked NIK and phone), with its check-in window."""
    mall = booking.mall
    policy = policy_for(booking.offering) or BookingPolicy(offering_id=booking.offering_id)
    opens = slot_start(booking.slot, mall) - dt.timedelta(minutes=policy.checkin_early_minutes)
    closes = slot_end(booking.slot, mall) + dt.timedelta(minutes=policy.grace_minutes)
    ticket = booking.ticket if booking.ticket_id else None
    return {
        "code": booking.code,
        "mall": mall.code,
        "mall_name": mall.name,
        "service": booking.service.code,
        "service_name": booking.service.name,
        "booth": booking.offering.booth.name,
        "date": booking.date,
        "slot": _hm(booking.slot.starts_at),
        "slot_end": _hm(booking.slot.ends_at),
        "status": booking.status,
        "nik_masked": booking.nik_masked,
        "phone_masked": phone_mask(booking.phone),
        "checkin_opens_at": opens.astimezone(mall.tz),
        "checkin_closes_at": closes.astimezone(mall.tz),
        "reschedules_left": max(policy.reschedule_limit - booking.reschedule_count, 0),
        "created_at": booking.created_at,
        "ticket": {"id": ticket.pk, "number": ticket.number} if ticket else None,
    }


def staff_booking_out(booking: Booking) -> dict:
    """A booking as staff see it: its id to act on, the name and masked NIK to compare
    with the KTP; never the code (staff typed it) nor the phone number."""
    ticket = booking.ticket if booking.ticket_id else None
    return {
        "id": booking.pk,
        "mall": booking.mall.code,
        "service": booking.service.code,
        "service_name": booking.service.name,
        "date": booking.date,
        "slot": _hm(booking.slot.starts_at),
        "slot_end": _hm(booking.slot.ends_at),
        "status": booking.status,
        "name": booking.name,
        "nik_masked": booking.nik_masked,
        "ticket": {"id": ticket.pk, "number": ticket.number} if ticket else None,
    }
