"""Reads of the walk-in queue: positions, wait estimates, the board, the day's figures.

Every read sees the mall's earlier days as over (queueing.day), whether or not the
end of day has been written yet: their tickets are never waiting, never at a
counter and never on a board, and a counter left open overnight is not open today.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from mpp.catalog.models import Counter, Mall, Offering
from mpp.core.models import Event
from mpp.queueing.day import counter_open_today, day_start
from mpp.queueing.models import Priority, Ticket

RECENT_SERVED = 20  # finished tickets averaged for the service-time estimate
MIN_SAMPLES = 3  # below this, the service standard's typical minutes are used
RECENT_DAYS = 14
CALL_KINDS = ("ticket.called", "ticket.recalled")


def _as_now(ticket: Ticket | None) -> Ticket | None:
    """A ticket of an earlier day still stored as open, or a phone ticket not checked in
    by its time, is shown expired (the first write of the new day, the next check-in or
    the worker records it), with `is_past_day` set for pages that name the day."""
    if ticket is not None:
        ticket.is_past_day = ticket.service_date < ticket.mall.today()
        if (
            ticket.is_past_day
            and ticket.status in Ticket.OPEN_STATUSES
            or (
                ticket.status == Ticket.Status.REMOTE
                and ticket.arrive_by is not None
                and ticket.arrive_by <= timezone.now()
            )
        ):
            ticket.status = Ticket.Status.EXPIRED
    return ticket


def _tickets():
    return Ticket.objects.select_related(
        "mall", "offering__service__agency", "offering__booth", "counter"
    )


def ticket_get(ticket_id) -> Ticket | None:
    """A ticket by id (None for a malformed or unknown id), as it stands now (_as_now).

    For staff and the API. The citizen's page is found by its secret: ticket_by_secret.
    """
    try:
        ticket = _tickets().filter(pk=ticket_id).first()
    except Exception:  # malformed UUID
        return None
    return _as_now(ticket)


SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def ticket_by_secret(secret: str) -> Ticket | None:
    """The ticket whose citizen page has this secret (None for anything else, the id too)."""
    if not secret or len(secret) > 32 or not SECRET_CHARS.issuperset(secret):
        return None
    return _as_now(_tickets().filter(secret=secret).first())


def counter_current_ticket(counter: Counter) -> Ticket | None:
    """The ticket of today called to or being served at this counter, if any.

    A ticket of an earlier day left called or serving does not hold the counter: its
    day is over (dayend.mall_day_roll expires it).
    """
    return (
        Ticket.objects.filter(
            counter=counter,
            service_date=counter.mall.today(),
            status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING],
        )
        .select_related("offering__service", "offering__booth")
        .order_by("-called_at")
        .first()
    )


def people_ahead(ticket: Ticket, *, now: dt.datetime | None = None) -> int:
    """Waiting tickets of the same service that will be called before this one.

    Follows ticket_call_next's order: with the mall's `booked_first`, booked tickets
    whose slot has started (due_at <= now) go first, by slot then arrival; then the
    priority policy, by arrival. A booked ticket not yet due counts like a walk-in
    until its slot starts (ticket_estimate also waits for that time).
    """
    if ticket.status not in (Ticket.Status.WAITING, Ticket.Status.REMOTE):
        return 0
    waiting = Ticket.objects.filter(
        offering_id=ticket.offering_id,
        service_date=ticket.service_date,
        status=Ticket.Status.WAITING,
    ).exclude(pk=ticket.pk)
    earlier = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, seq__lt=ticket.seq)
    mall = ticket.mall
    if mall.booked_first:
        now = now or timezone.now()
        due = Q(due_at__lte=now)
        if ticket.due_at is not None and ticket.due_at <= now:
            before = Q(due_at__lt=ticket.due_at) | (Q(due_at=ticket.due_at) & earlier)
            return waiting.filter(due & before).count()
    else:
        due = Q(pk__in=[])  # nobody jumps the queue
    if mall.priority_policy == Mall.PriorityPolicy.PRIORITY_FIRST:
        if ticket.is_priority:
            ahead = earlier & ~Q(priority=Priority.REGULAR)
        else:
            ahead = earlier | ~Q(priority=Priority.REGULAR)
    else:
        ahead = earlier
    return waiting.filter(ahead | due).count()


MEAN_CACHE_SECONDS = 30  # the mean moves slowly; every ticket answer reads it


def mean_service_minutes(offering: Offering) -> float:
    """Mean counter time of the last finished tickets of this service, else the standard's.

    Cached for half a minute per service: each issued ticket and each ticket page
    shows an estimate, and a mean over 20 tickets does not change between them.
    """
    key = f"queueing:mean-service:{offering.pk}"
    cached = cache.get(key)
    if cached is None:
        cached = _mean_service_minutes(offering)
        cache.set(key, cached, MEAN_CACHE_SECONDS)
    return cached


def _mean_service_minutes(offering: Offering) -> float:
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    durations = list(
        Ticket.objects.filter(
            offering_id=offering.pk,
            status=Ticket.Status.DONE,
            finished_at__gte=since,
            started_at__isnull=False,
        )
        .order_by("-finished_at")
        .annotate(
            took=ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        )
        .values_list("took", flat=True)[:RECENT_SERVED]
    )
    if len(durations) < MIN_SAMPLES:
        return float(offering.service.service_minutes)
    return sum(d.total_seconds() for d in durations) / len(durations) / 60


def counter_is_open_today(counter: Counter) -> bool:
    """Open, and opened since the mall's midnight (a counter left open overnight is not)."""
    return counter_open_today(counter, day_start(counter.mall))


def _open_today(counters, mall: Mall):
    """Counters open today: a counter left open since an earlier day does not count."""
    start = day_start(mall)
    return counters.filter(is_open=True).filter(Q(opened_at__isnull=True) | Q(opened_at__gte=start))


def open_counters(offering: Offering, mall: Mall | None = None) -> int:
    """Counters serving this offering that are open today (`mall`: the offering's, if loaded)."""
    counters = Counter.objects.filter(offerings=offering)
    return _open_today(counters, mall or offering.mall).count()


@dataclass(frozen=True)
class Estimate:
    """Where a waiting (or phone, not yet checked-in) ticket stands.

    `known` is False when no wait can be computed: no counter serving the service is
    open today, so nobody is being called and any number of minutes is a guess. Pages
    then say "no estimate yet" (never "a few minutes"). `minutes` stays the figure the
    API has always given (as if one counter were open) for its clients.
    """

    position: int  # 1 = next to be called
    ahead: int
    minutes: int
    open_counters: int
    mean_service_minutes: float
    known: bool = True


def ticket_estimate(ticket: Ticket) -> Estimate:
    """Position and estimated wait from data: people ahead x recent mean service time / counters."""
    now = timezone.now()
    ahead = people_ahead(ticket, now=now)
    mean = mean_service_minutes(ticket.offering)
    counters = open_counters(ticket.offering, ticket.mall)
    in_line = ticket.status in (Ticket.Status.WAITING, Ticket.Status.REMOTE)
    known = in_line and counters > 0
    if not in_line:
        minutes = 0
    else:
        minutes = math.ceil(ahead * mean / max(counters, 1))
        if ticket.mall.booked_first and ticket.due_at is not None and ticket.due_at > now:
            # Checked in before the slot: called first once the slot starts.
            minutes = max(minutes, math.ceil((ticket.due_at - now).total_seconds() / 60))
    return Estimate(
        position=ahead + 1 if in_line else 0,
        ahead=ahead,
        minutes=minutes,
        open_counters=counters,
        mean_service_minutes=round(mean, 1),
        known=known,
    )


def board_snapshot(mall: Mall, *, last_calls: int = 8) -> dict:
    """What a display board shows: now calling per counter, the last calls, waiting per service."""
    today = mall.today()
    start_of_day = day_start(mall, today)
    counters = list(Counter.objects.filter(mall=mall).select_related("booth").order_by("number"))
    current = {
        t.counter_id: t
        for t in Ticket.objects.filter(
            mall=mall,
            service_date=today,
            status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING],
        ).select_related("offering__service")
    }
    now_serving = []
    for c in counters:
        t = current.get(c.pk)
        now_serving.append(
            {
                "counter_id": c.pk,
                "counter_number": c.number,
                "counter_name": str(c),
                "booth": c.booth.name if c.booth else "",
                "is_open": counter_open_today(c, start_of_day),
                "ticket": t.number if t else None,
                "status": t.status if t else None,
                "service": t.offering.service.name if t else None,
            }
        )
    calls = [
        {
            "event_id": e.pk,
            "kind": "recalled" if e.kind == "ticket.recalled" else "called",
            "number": e.data.get("number"),
            "counter_number": e.data.get("counter_number"),
            "counter_name": e.data.get("counter_name"),
            "service": e.data.get("service_name"),
            "at": e.occurred_at.isoformat(),
        }
        for e in Event.objects.filter(
            mall_id=mall.pk, kind__in=CALL_KINDS, occurred_at__gte=start_of_day
        ).order_by("-id")[:last_calls]
    ]
    waiting_rows = (
        Ticket.objects.filter(mall=mall, service_date=today, status=Ticket.Status.WAITING)
        .values(
            "offering__service__code", "offering__service__name", "offering__booth__name", "prefix"
        )
        .annotate(waiting=Count("id"))
        .order_by("prefix", "offering__service__name")
    )
    waiting = [
        {
            "service": r["offering__service__code"],
            "service_name": r["offering__service__name"],
            "booth": r["offering__booth__name"],
            "prefix": r["prefix"],
            "waiting": r["waiting"],
        }
        for r in waiting_rows
    ]
    return {
        "mall": mall.code,
        "mall_name": mall.name,
        "date": today.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "now_serving": now_serving,
        "last_calls": calls,
        "waiting": waiting,
        "waiting_total": sum(r["waiting"] for r in waiting),
    }


def day_summary(mall: Mall, day: dt.date | None = None) -> dict:
    """The manager's "today" figures: tickets per service, waiting now, mean wait and service."""
    day = day or mall.today()
    tickets = Ticket.objects.filter(mall=mall, service_date=day)
    wait = ExpressionWrapper(F("called_at") - F("issued_at"), output_field=DurationField())
    served = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    rows = (
        tickets.values(
            "offering__service__code", "offering__service__name", "offering__booth__name"
        )
        .annotate(
            issued=Count("id"),
            waiting=Count("id", filter=Q(status=Ticket.Status.WAITING)),
            done=Count("id", filter=Q(status=Ticket.Status.DONE)),
            no_show=Count("id", filter=Q(status=Ticket.Status.NO_SHOW)),
            priority=Count("id", filter=~Q(priority=Priority.REGULAR)),
            mean_wait=Avg(wait, filter=Q(called_at__isnull=False)),
            mean_service=Avg(served, filter=Q(status=Ticket.Status.DONE)),
        )
        .order_by("offering__booth__name", "offering__service__name")
    )

    def minutes(d):
        return round(d.total_seconds() / 60, 1) if d is not None else None

    services = [
        {
            "service": r["offering__service__code"],
            "service_name": r["offering__service__name"],
            "booth": r["offering__booth__name"],
            "issued": r["issued"],
            "waiting": r["waiting"],
            "done": r["done"],
            "no_show": r["no_show"],
            "priority": r["priority"],
            "mean_wait_minutes": minutes(r["mean_wait"]),
            "mean_service_minutes": minutes(r["mean_service"]),
        }
        for r in rows
    ]
    totals = tickets.aggregate(
        issued=Count("id"),
        waiting=Count("id", filter=Q(status=Ticket.Status.WAITING)),
        done=Count("id", filter=Q(status=Ticket.Status.DONE)),
        no_show=Count("id", filter=Q(status=Ticket.Status.NO_SHOW)),
        mean_wait=Avg(wait, filter=Q(called_at__isnull=False)),
        mean_service=Avg(served, filter=Q(status=Ticket.Status.DONE)),
    )
    return {
        "date": day.isoformat(),
        "services": services,
        "issued": totals["issued"],
        "waiting": totals["waiting"],
        "done": totals["done"],
        "no_show": totals["no_show"],
        "mean_wait_minutes": minutes(totals["mean_wait"]),
        "mean_service_minutes": minutes(totals["mean_service"]),
        "open_counters": _open_today(Counter.objects.filter(mall=mall), mall).count(),
    }
