"""Arrival at the mall: a booking becomes a queue ticket, or, if nobody came, a no-show.

Why: a booked citizen checks in at the kiosk (QR code or booking code, plus the last
digits of the NIK, so codes bought from a tout are worth nothing) or with an officer
(who sees the KTP) within a window around the slot, and then waits in the same queue as
everybody else, called ahead of walk-ins once the slot has started (the ticket's
due_at; see queueing.services.ticket_call_next). Bookings nobody checked in are
counted as no-shows, so managers can see how much booked capacity went unused.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.bookings.calendar import slot_end, slot_start
from mpp.bookings.models import Booking, BookingPolicy
from mpp.bookings.proof import proof_require
from mpp.bookings.records import (
    booking_event,
    booking_locked,
    day_label,
    not_found,
    policy_of,
    require_booked,
)
from mpp.catalog.models import Mall
from mpp.core.errors import Conflict
from mpp.queueing.models import Priority, Source, Ticket
from mpp.queueing.services import ticket_issue


def booking_check_in(
    *,
    code: str,
    nik: str | None = None,
    nik_tail: str | None = None,
    actor_id: int | None = None,
    mall: Mall | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Turn a booking into a queue ticket at the mall, within the check-in window.

    The window runs from `checkin_early_minutes` before the slot starts until
    `grace_minutes` after it ends. The ticket (source booking) carries the slot start
    as `due_at`, so the queue can call it ahead of walk-ins from then on. The kiosk
    passes the NIK's last digits (`nik_tail`), the citizen's own check-in the NIK; an
    officer (actor_id, who checks the KTP) the code alone. Wrong NIKs or digits are
    counted and lock the code (bookings.proof). With `mall` (a kiosk's or officer's
    mall), a booking of another mall is not found.
    """
    now = now or timezone.now()
    if nik is not None or nik_tail is not None:  # outside the transaction: stays counted
        proof_require(code, nik=nik, tail=nik_tail if nik is None else None, now=now)
    return _check_in(code, actor_id=actor_id, mall=mall, now=now)


@transaction.atomic
def _check_in(code: str, *, actor_id: int | None, mall: Mall | None, now: dt.datetime) -> Ticket:
    booking = booking_locked(code, None, proof=False)
    if mall is not None and booking.mall_id != mall.pk:
        raise not_found()
    if booking.status == Booking.Status.CHECKED_IN:
        raise Conflict(_("This booking is already checked in."), code="invalid_state")
    if booking.status in (Booking.Status.PENDING, Booking.Status.EXPIRED):
        raise Conflict(
            _("This booking was never confirmed with the code sent by SMS."),
            code="invalid_state",
        )
    require_booked(booking)
    policy = policy_of(booking)
    start = slot_start(booking.slot, booking.mall)
    opens = start - dt.timedelta(minutes=policy.checkin_early_minutes)
    if now < opens:
        local = opens.astimezone(booking.mall.tz)
        raise Conflict(
            _("Check-in opens on %(date)s at %(time)s.")
            % {"date": day_label(local.date()), "time": f"{local:%H:%M}"},
            code="checkin_too_early",
        )
    if now > slot_end(booking.slot, booking.mall) + dt.timedelta(minutes=policy.grace_minutes):
        raise Conflict(
            _("The check-in time of this booking has passed; please take a walk-in ticket."),
            code="checkin_too_late",
        )
    ticket = ticket_issue(
        mall=booking.mall,
        service_code=booking.service.code,
        priority=Priority.REGULAR,
        source=Source.BOOKING,
        actor_id=actor_id,
        due_at=start,
    )
    booking.status = Booking.Status.CHECKED_IN
    booking.ticket = ticket
    booking.checked_in_at = now
    booking.checked_in_by_id = actor_id
    booking.save(update_fields=["status", "ticket", "checked_in_at", "checked_in_by"])
    booking_event(booking, "checked_in", actor_id=actor_id, ticket=ticket.number)
    return ticket


@transaction.atomic
def bookings_mark_no_shows(*, now: dt.datetime | None = None) -> int:
    """Mark bookings not checked in by the end of their slot plus the grace as no-shows.

    Run it every few minutes (and at the end of the day). Their places are not given
    back: the slot is over. Returns how many were marked.
    """
    now = now or timezone.now()
    candidates = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mall", "offering__service", "service", "slot")
        .filter(status=Booking.Status.BOOKED, date__lte=(now + dt.timedelta(days=1)).date())
    )
    graces = dict(BookingPolicy.objects.values_list("offering_id", "grace_minutes"))
    default_grace = BookingPolicy._meta.get_field("grace_minutes").default
    count = 0
    for booking in candidates:
        grace = dt.timedelta(minutes=graces.get(booking.offering_id, default_grace))
        if now <= slot_end(booking.slot, booking.mall) + grace:
            continue
        booking.status = Booking.Status.NO_SHOW
        booking.save(update_fields=["status"])
        booking_event(booking, "no_show")
        count += 1
    return count
