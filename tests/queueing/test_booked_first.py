"""Booked tickets (due_at = their slot start) are called ahead of walk-ins once due."""

import datetime as dt

import pytest
from django.utils import timezone

from mpp.catalog.models import Mall
from mpp.queueing import services as q
from mpp.queueing.models import Priority, Source

pytestmark = pytest.mark.django_db(transaction=False)


def issue(mall, offering, *, due_in=None, due_at=None, priority=Priority.REGULAR):
    """A walk-in ticket, or a booked one whose slot starts `due_in` from now (or at `due_at`)."""
    if due_in is not None:
        due_at = timezone.now() + due_in
    source = Source.KIOSK if due_at is None else Source.BOOKING
    return q.ticket_issue(
        mall=mall,
        service_code=offering.service.code,
        priority=priority,
        source=source,
        due_at=due_at,
    )


def call_order(counter, officer, n):
    out = []
    for _ in range(n):
        ticket = q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
        out.append(ticket.pk)
        q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
        q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)
    return out


MINUTE = dt.timedelta(minutes=1)


def test_due_booked_ticket_is_called_before_earlier_walk_ins(mall, offering, counter, officer):
    walk1, walk2 = issue(mall, offering), issue(mall, offering)
    booked = issue(mall, offering, due_in=-MINUTE)
    assert booked.due_at is not None and booked.source == Source.BOOKING
    assert call_order(counter, officer, 3) == [booked.pk, walk1.pk, walk2.pk]


def test_booked_ticket_waits_in_line_until_its_slot(mall, offering, counter, officer):
    early = issue(mall, offering, due_in=30 * MINUTE)  # checked in before the slot
    walk = issue(mall, offering)
    assert call_order(counter, officer, 2) == [early.pk, walk.pk]  # arrival order
    later = issue(mall, offering, due_in=30 * MINUTE)
    walk2 = issue(mall, offering)
    due = issue(mall, offering, due_in=-MINUTE)
    assert call_order(counter, officer, 3) == [due.pk, later.pk, walk2.pk]


def test_due_booked_tickets_by_slot_then_arrival(mall, offering, counter, officer):
    eight = timezone.now() - 90 * MINUTE
    nine = issue(mall, offering, due_at=eight + 60 * MINUTE)
    eight_a = issue(mall, offering, due_at=eight)
    eight_b = issue(mall, offering, due_at=eight)  # same slot, arrived later
    walk = issue(mall, offering)
    assert call_order(counter, officer, 4) == [eight_a.pk, eight_b.pk, nine.pk, walk.pk]


def test_due_booked_comes_before_the_priority_policy(mall, offering, counter, officer):
    elderly = issue(mall, offering, priority=Priority.ELDERLY)
    walk = issue(mall, offering)
    booked = issue(mall, offering, due_in=-MINUTE)
    assert call_order(counter, officer, 3) == [booked.pk, elderly.pk, walk.pk]


def test_booked_first_off_keeps_first_come_first_served(mall, offering, counter, officer):
    mall.booked_first = False
    mall.save()
    walk = issue(mall, offering)
    booked = issue(mall, offering, due_in=-MINUTE)
    elderly = issue(mall, offering, priority=Priority.ELDERLY)
    assert call_order(counter, officer, 3) == [elderly.pk, walk.pk, booked.pk]


def test_booked_first_is_on_by_default():
    assert Mall._meta.get_field("booked_first").default is True
