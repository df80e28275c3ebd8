"""Writes of the walk-in queue: issue, call, recall, start, finish, no-show, transfer.

Each function is one transaction that checks the ticket's current state, changes
it, and appends an event (who, when, which counter) to the core event log. Boards
hear about it only after commit. The writes that may be the first of a new day
(issue, call next, open a counter) first end the mall's earlier days
(queueing.dayend), so a day ends at the mall's midnight with or without a worker.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.catalog.hours import hours_require_open
from mpp.catalog.models import Counter, Mall
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.events import event_record
from mpp.queueing.day import counter_open_today, day_start, number_with_day
from mpp.queueing.dayend import after_day_roll, mall_of_counter
from mpp.queueing.issuing import next_seq, offering_for_issue, ticket_insert
from mpp.queueing.models import Priority, Source, Ticket
from mpp.queueing.records import announce as _announce
from mpp.queueing.records import counter_shut
from mpp.queueing.records import ticket_event as _event
from mpp.surveys.services import invitation_create

# Not refused outside opening hours: a booking's check-in (its slot lies within the hours)
# and the mobile service (jemput bola: the van keeps its own hours, away from the mall).
HOURS_EXEMPT_SOURCES = (Source.BOOKING, Source.MOBILE)


# Called inside ticket_finish's transaction as listener(ticket=, survey=) once a ticket is
# done and its survey invitation made. Apps above queueing (bookings: the SMS with the
# survey link) register here from their AppConfig.ready, so queueing never imports them.
_finish_listeners: list = []


def on_ticket_finished(listener):
    """Register `listener(*, ticket, survey)` to run when a ticket is finished (once)."""
    if listener not in _finish_listeners:
        _finish_listeners.append(listener)
    return listener


def _locked_ticket(ticket_id) -> Ticket:
    try:
        uuid.UUID(str(ticket_id))
    except ValueError:
        raise NotFound(_("Ticket not found."), code="ticket_not_found") from None
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("mall", "offering__service", "offering__booth", "counter")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound(_("Ticket not found."), code="ticket_not_found")
    return ticket


def _require(ticket: Ticket, *statuses: str) -> None:
    today = ticket.mall.today()
    if ticket.service_date < today and ticket.status in Ticket.OPEN_STATUSES:
        raise Conflict(
            _("Ticket %(number)s is of an earlier day; that day's queue is over.")
            % {"number": number_with_day(ticket.number, ticket.service_date, today)},
            code="day_over",
        )
    if ticket.status not in statuses:
        raise Conflict(
            _("Ticket %(number)s is %(status)s; this action is not possible now.")
            % {"number": ticket.number, "status": ticket.get_status_display().lower()},
            code="invalid_state",
        )


@after_day_roll(lambda kwargs: kwargs["mall"])
@transaction.atomic
def ticket_issue(
    *,
    mall: Mall,
    service_code: str,
    priority: str = Priority.REGULAR,
    source: str = Source.KIOSK,
    actor_id: int | None = None,
    due_at: dt.datetime | None = None,
) -> Ticket:
    """Give a citizen a numbered place in the queue for one service of a mall.

    `due_at` (a booked ticket's slot start) lets ticket_call_next call it before
    walk-ins from that moment, when the mall has `booked_first` on. Outside the mall's
    opening hours (catalog.hours) a walk-in is refused with Conflict mall_closed that
    says when it opens next; a booking's check-in and the mobile service are not.
    A phone ticket is made by queueing.remote.remote_ticket_issue, not here.
    """
    if priority not in Priority.values:
        raise Invalid(_("Unknown priority group."), code="invalid_priority")
    if source not in Source.values or source == Source.REMOTE:
        raise Invalid(_("Unknown ticket source."), code="invalid_source")
    if mall.status != Mall.Status.OPERATING:
        raise Conflict(_("This mall is not operating."), code="mall_closed")
    if source not in HOURS_EXEMPT_SOURCES:
        hours_require_open(mall)
    offering = offering_for_issue(mall.pk, service_code)
    service_date = mall.today()
    prefix = offering.booth.ticket_prefix
    seq = next_seq(mall.pk, service_date, prefix)
    now = timezone.now()  # after the number's row lock, so time order follows number order
    ticket = ticket_insert(
        mall=mall,
        offering=offering,
        service_date=service_date,
        prefix=prefix,
        seq=seq,
        priority=priority,
        source=source,
        now=now,
        due_at=due_at,
    )
    _event(ticket, "issued", actor_id=actor_id, source=source)
    return ticket


@after_day_roll(mall_of_counter)
@transaction.atomic
def counter_open(*, counter_id: int, officer_id: int) -> Counter:
    """An officer takes a counter: it now counts as open for wait estimates."""
    counter = Counter.objects.select_for_update().filter(pk=counter_id).first()
    if counter is None:
        raise NotFound(_("Counter not found."), code="counter_not_found")
    if counter.officer_id == officer_id and counter_open_today(counter, day_start(counter.mall)):
        return counter
    counter.is_open = True
    counter.officer_id = officer_id
    counter.opened_at = timezone.now()
    counter.save(update_fields=["is_open", "officer", "opened_at"])
    event_record(
        kind="counter.opened",
        subject_type="counter",
        subject_id=counter.pk,
        mall_id=counter.mall_id,
        actor_id=officer_id,
        data={"number": counter.number},
    )
    _announce(counter.mall_id, "counter.opened")
    return counter


@transaction.atomic
def counter_close(*, counter_id: int, officer_id: int | None) -> Counter:
    """The counter stops taking tickets (end of shift, break)."""
    counter = Counter.objects.select_for_update().filter(pk=counter_id).first()
    if counter is None:
        raise NotFound(_("Counter not found."), code="counter_not_found")
    if not counter.is_open:
        return counter
    counter_shut(counter, actor_id=officer_id)
    return counter


def _first(qs, *order) -> Ticket | None:
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs.order_by(*order).first()


def _pick(candidates, *, priority: bool) -> Ticket | None:
    qs = (
        candidates.exclude(priority=Priority.REGULAR)
        if priority
        else candidates.filter(priority=Priority.REGULAR)
    )
    return _first(qs, "queued_at", "seq")


def _pick_due(candidates) -> Ticket | None:
    """The booked ticket whose slot started first (then the earliest arrival)."""
    return _first(candidates.filter(due_at__lte=timezone.now()), "due_at", "queued_at", "seq")


@after_day_roll(mall_of_counter)
@transaction.atomic
def ticket_call_next(*, counter_id: int, actor_id: int | None) -> Ticket | None:
    """Call the next waiting ticket this counter serves, or None when nobody waits.

    With the mall's `booked_first` on, a booked ticket whose slot has started is
    called first (earliest slot, then earliest arrival). Otherwise first come, first
    served by original arrival, under the mall's priority policy: `priority_first`
    calls any waiting priority ticket before regular ones; `interleave` calls one
    priority ticket after every N regular calls at this counter.
    """
    counter = (  # of=self: lock the counter row only, not its mall (other counters call too)
        Counter.objects.select_for_update(of=("self",))
        .select_related("mall")
        .filter(pk=counter_id)
        .first()
    )
    if counter is None:
        raise NotFound(_("Counter not found."), code="counter_not_found")
    mall = counter.mall
    today = mall.today()
    busy = Ticket.objects.filter(  # a ticket of an earlier day never holds a counter
        counter=counter,
        service_date=today,
        status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING],
    ).first()
    if busy is not None:
        raise Conflict(
            _("Ticket %(number)s is still open at this counter; finish it first.")
            % {"number": number_with_day(busy.number, busy.service_date, today)},
            code="counter_busy",
        )
    offering_ids = list(counter.offerings.filter(is_active=True).values_list("pk", flat=True))
    candidates = Ticket.objects.filter(
        mall_id=mall.pk,
        service_date=today,
        status=Ticket.Status.WAITING,
        offering_id__in=offering_ids,
    )
    if mall.priority_policy == Mall.PriorityPolicy.INTERLEAVE:
        priority_turn = counter.regular_since_priority >= mall.priority_every
    else:
        priority_turn = True
    ticket = _pick_due(candidates) if mall.booked_first else None
    if ticket is None:
        ticket = _pick(candidates, priority=priority_turn) or _pick(
            candidates, priority=not priority_turn
        )
    if ticket is None:
        return None
    if ticket.is_priority:
        counter.regular_since_priority = 0
    else:
        counter.regular_since_priority += 1
    if not counter_open_today(counter, day_start(mall, today)):
        counter.is_open = True
        counter.officer_id = actor_id
        counter.opened_at = timezone.now()
    counter.save(update_fields=["regular_since_priority", "is_open", "officer", "opened_at"])
    ticket.status = Ticket.Status.CALLED
    ticket.called_at = timezone.now()
    ticket.counter = counter
    ticket.officer_id = actor_id
    ticket.save(update_fields=["status", "called_at", "counter", "officer"])
    ticket = Ticket.objects.select_related("offering__service", "counter").get(pk=ticket.pk)
    _event(ticket, "called", actor_id=actor_id)
    return ticket


@transaction.atomic
def ticket_recall(*, ticket_id, actor_id: int | None) -> Ticket:
    """Call the same ticket again (the citizen did not come forward)."""
    ticket = _locked_ticket(ticket_id)
    _require(ticket, Ticket.Status.CALLED)
    ticket.recall_count += 1
    ticket.save(update_fields=["recall_count"])
    _event(ticket, "recalled", actor_id=actor_id, recall_count=ticket.recall_count)
    return ticket


@transaction.atomic
def ticket_start(*, ticket_id, actor_id: int | None) -> Ticket:
    """The citizen is at the counter: service time starts."""
    ticket = _locked_ticket(ticket_id)
    _require(ticket, Ticket.Status.CALLED)
    ticket.status = Ticket.Status.SERVING
    ticket.started_at = timezone.now()
    ticket.save(update_fields=["status", "started_at"])
    _event(ticket, "started", actor_id=actor_id)
    return ticket


@transaction.atomic
def ticket_finish(*, ticket_id, actor_id: int | None) -> Ticket:
    """Service done; the citizen is invited to the satisfaction survey (SKM)."""
    ticket = _locked_ticket(ticket_id)
    _require(ticket, Ticket.Status.SERVING)
    ticket.status = Ticket.Status.DONE
    ticket.finished_at = timezone.now()
    ticket.save(update_fields=["status", "finished_at"])
    _event(
        ticket, "finished", actor_id=actor_id, service_seconds=round(ticket.service_seconds or 0, 1)
    )
    offering = ticket.offering
    survey = invitation_create(  # the SKM: one anonymous answer per finished ticket
        kind="ticket",
        transaction_id=str(ticket.pk),
        mall_id=ticket.mall_id,
        agency_id=offering.service.agency_id,
        service_id=offering.service_id,
        booth_id=offering.booth_id,
        counter_id=ticket.counter_id,
        now=ticket.finished_at,
    )
    for listener in _finish_listeners:
        listener(ticket=ticket, survey=survey)
    return ticket


@transaction.atomic
def ticket_no_show(*, ticket_id, actor_id: int | None) -> Ticket:
    """The citizen did not come after the mall's number of recalls."""
    ticket = _locked_ticket(ticket_id)
    _require(ticket, Ticket.Status.CALLED)
    needed = ticket.mall.no_show_after_recalls
    if ticket.recall_count < needed:
        raise Conflict(
            _("Recall the ticket %(n)s more time(s) before marking it as no-show.")
            % {"n": needed - ticket.recall_count},
            code="recall_first",
        )
    ticket.status = Ticket.Status.NO_SHOW
    ticket.finished_at = timezone.now()
    ticket.save(update_fields=["status", "finished_at"])
    _event(ticket, "no_show", actor_id=actor_id)
    return ticket


@transaction.atomic
def ticket_transfer(*, ticket_id, service_code: str, actor_id: int | None) -> Ticket:
    """Send the ticket to another service of the mall; it keeps its original arrival time.
    Only a ticket in the hall: a phone ticket not checked in yet cannot be moved."""
    ticket = _locked_ticket(ticket_id)
    _require(ticket, *Ticket.QUEUE_STATUSES)
    target = offering_for_issue(ticket.mall_id, service_code)
    if target.pk == ticket.offering_id:
        raise Conflict(_("The ticket is already for this service."), code="same_service")
    from_service = ticket.offering.service.code
    from_counter = ticket.counter.number if ticket.counter else None
    ticket.offering = target
    ticket.status = Ticket.Status.WAITING
    ticket.counter = None
    ticket.officer = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.recall_count = 0
    ticket.transfer_count += 1
    ticket.save(
        update_fields=[
            "offering",
            "status",
            "counter",
            "officer",
            "called_at",
            "started_at",
            "recall_count",
            "transfer_count",
        ]
    )
    _event(
        ticket,
        "transferred",
        actor_id=actor_id,
        from_service=from_service,
        from_counter=from_counter,
    )
    return ticket
