"""The end of a queue day: earlier days' open tickets expire, counters left open close.

Why: a mall's day ends at its own midnight (WIB, WITA or WIT) whether or not anyone
pressed "end of day" or a worker ran. `mall_day_roll` runs first in each write that may
open a new day (through `after_day_roll`) and in the worker's periodic job; every
expiry and closing is an event by the system, recorded once.
"""

from __future__ import annotations

import functools

from django.db import transaction
from django.utils import timezone

from mpp.catalog.models import Counter, Mall
from mpp.queueing.day import day_start
from mpp.queueing.models import Ticket
from mpp.queueing.records import counter_shut, ticket_event


def after_day_roll(mall_of):
    """Run the wrapped write after mall_day_roll, in a transaction of its own.

    The roll commits on its own, so a write that then fails (counter busy, mall
    closed) does not undo the end of the earlier day. Inside an outer transaction
    both are part of it, and the next write rolls the day again if it rolled back.
    """

    def wrap(fn):
        @functools.wraps(fn)
        def inner(**kwargs):
            mall = mall_of(kwargs)
            if mall is not None:
                mall_day_roll(mall=mall)
            return fn(**kwargs)

        return inner

    return wrap


def mall_of_counter(kwargs) -> Mall | None:
    """The mall of a write's `counter_id` argument (for after_day_roll)."""
    return Mall.objects.filter(counters=kwargs["counter_id"]).first()


def _expire(tickets, *, actor_id: int | None, **extra) -> int:
    now = timezone.now()
    count = 0
    for ticket in tickets:
        ticket.status = Ticket.Status.EXPIRED
        ticket.finished_at = now
        ticket.save(update_fields=["status", "finished_at"])
        ticket_event(ticket, "expired", actor_id=actor_id, **extra)
        count += 1
    return count


def _open_tickets(**filters):
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("offering__service", "counter")
        .filter(status__in=Ticket.OPEN_STATUSES, **filters)
        .order_by("pk")  # one lock order for every end of day
    )


def _close_counters(counters, *, actor_id: int | None, **extra) -> int:
    count = 0
    for counter in counters.select_for_update(of=("self",)).order_by("pk"):
        counter_shut(counter, actor_id=actor_id, **extra)
        count += 1
    return count


def mall_day_roll(*, mall: Mall) -> int:
    """See the mall's earlier days as over: expire their open tickets, close their counters.

    Runs first in each write that may open a new day (ticket_issue, ticket_call_next,
    counter_open) and in the worker's periodic job, so the day ends at the mall's
    midnight with or without a worker. When nothing is left over (nearly always) it
    costs two small indexed queries. Otherwise one transaction under the mall's row
    lock: parallel first requests of a day wait for each other and the later ones
    find nothing left, so each expiry and closing is recorded once, by the system
    (actor None, reason "day_over"). Returns the number of tickets expired.
    """
    today = mall.today()
    stale_tickets = Ticket.objects.filter(
        mall_id=mall.pk, status__in=Ticket.OPEN_STATUSES, service_date__lt=today
    )
    stale_counters = Counter.objects.filter(
        mall_id=mall.pk, is_open=True, opened_at__lt=day_start(mall, today)
    )
    if not stale_tickets.exists() and not stale_counters.exists():
        return 0
    with transaction.atomic():
        Mall.objects.select_for_update().filter(pk=mall.pk).first()  # one roll at a time
        count = _expire(
            _open_tickets(mall_id=mall.pk, service_date__lt=today),
            actor_id=None,
            reason="day_over",
        )
        _close_counters(stale_counters, actor_id=None, reason="day_over")
    return count


@transaction.atomic
def mall_end_day(*, mall: Mall, actor_id: int | None = None) -> int:
    """Close the day by hand: every ticket still open from today or before expires
    (none is deleted) and every open counter closes."""
    count = _expire(
        _open_tickets(mall=mall, service_date__lte=mall.today()),
        actor_id=actor_id,
        reason="end_day",
    )
    _close_counters(
        Counter.objects.filter(mall=mall, is_open=True), actor_id=actor_id, reason="end_day"
    )
    return count


def tickets_expire_past_days() -> int:
    """End the earlier days of every mall nobody ended (mall_day_roll): the safety net.

    Runs every 15 minutes in `mpp worker`; one transaction per mall, so a busy mall
    is not held up by another. Tickets still open from an earlier mall-local day
    expire and counters left open since before the mall's midnight close, each with
    an event by the system. Without a worker the first write of the day does the
    same; reads never show an earlier day's ticket as waiting or at a counter.
    Returns the number of tickets expired.
    """
    mall_ids = set(
        Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES)
        .values_list("mall_id", flat=True)
        .distinct()
    ) | set(Counter.objects.filter(is_open=True).values_list("mall_id", flat=True).distinct())
    return sum(mall_day_roll(mall=mall) for mall in Mall.objects.filter(pk__in=mall_ids))
