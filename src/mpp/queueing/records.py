"""Recording what happens to tickets: the event log entry and the boards' nudge.

Why a module of its own: every write of the queue (queueing.services) and the end of
a day (queueing.dayend) log each change to the append-only event log (core.Event) and
tell the boards after the commit, the same way.
"""

from __future__ import annotations

from django.db import transaction

from mpp.catalog.models import Counter
from mpp.core.events import event_record
from mpp.queueing import fanout
from mpp.queueing.models import Ticket


def announce(mall_id: int, kind: str) -> None:
    transaction.on_commit(lambda: fanout.publish(mall_id, kind))


def ticket_event(ticket: Ticket, kind: str, *, actor_id: int | None, **extra) -> None:
    counter = ticket.counter
    data = {
        "number": ticket.number,
        "service": ticket.offering.service.code,
        "service_name": ticket.offering.service.name,
        "priority": ticket.priority,
        "status": ticket.status,
        "booth_id": ticket.offering.booth_id,
    }
    if counter is not None:
        data["counter_id"] = counter.pk
        data["counter_number"] = counter.number
        data["counter_name"] = str(counter)
    data.update(extra)
    event_record(
        kind=f"ticket.{kind}",
        subject_type="ticket",
        subject_id=ticket.pk,
        mall_id=ticket.mall_id,
        actor_id=actor_id,
        data=data,
    )
    announce(ticket.mall_id, f"ticket.{kind}")


def counter_shut(counter: Counter, *, actor_id: int | None, **extra) -> None:
    """Close a (locked) counter and log it: by its officer, by hand or at the day's end."""
    counter.is_open = False
    counter.officer = None
    counter.save(update_fields=["is_open", "officer"])
    event_record(
        kind="counter.closed",
        subject_type="counter",
        subject_id=counter.pk,
        mall_id=counter.mall_id,
        actor_id=actor_id,
        data={"number": counter.number, **extra},
    )
    announce(counter.mall_id, "counter.closed")
