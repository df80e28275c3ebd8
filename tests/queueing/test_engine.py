"""The walk-in queue engine: numbers, priority policy, counter actions, end of day."""

import pytest

from mpp.catalog.models import Mall
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.models import Event
from mpp.queueing import dayend
from mpp.queueing import services as q
from mpp.queueing.models import Priority, Ticket
from mpp.queueing.selectors import board_snapshot, day_summary, ticket_estimate
from tests.factories import CounterFactory, OfferingFactory

pytestmark = pytest.mark.django_db(transaction=False)


def issue(mall, offering, priority=Priority.REGULAR):
    return q.ticket_issue(mall=mall, service_code=offering.service.code, priority=priority)


def serve(ticket_id, officer):
    q.ticket_start(ticket_id=ticket_id, actor_id=officer.pk)
    return q.ticket_finish(ticket_id=ticket_id, actor_id=officer.pk)


def test_numbers_are_readable_and_increase_per_letter(mall, offering):
    other = OfferingFactory(booth__mall=mall)
    a1, a2 = issue(mall, offering), issue(mall, offering)
    b1 = issue(mall, other)
    prefix = offering.booth.ticket_prefix
    assert (a1.number, a2.number) == (f"{prefix}-001", f"{prefix}-002")
    assert b1.number == f"{other.booth.ticket_prefix}-001"
    assert Event.objects.filter(kind="ticket.issued").count() == 3


def test_same_booth_services_share_a_sequence(mall, offering):
    sibling = OfferingFactory(booth=offering.booth, mall=mall)
    assert issue(mall, offering).seq == 1
    assert issue(mall, sibling).seq == 2


def test_unknown_service_and_priority_are_refused_without_writing(mall, offering):
    with pytest.raises(NotFound):
        q.ticket_issue(mall=mall, service_code="nope")
    with pytest.raises(Invalid):
        q.ticket_issue(mall=mall, service_code=offering.service.code, priority="vip")
    assert Ticket.objects.count() == 0
    assert Event.objects.count() == 0


def test_closed_mall_issues_nothing(mall, offering):
    mall.status = Mall.Status.CLOSED
    mall.save()
    with pytest.raises(Conflict):
        issue(mall, offering)


def test_full_cycle_records_times_and_events(mall, offering, counter, officer):
    t = issue(mall, offering)
    called = q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    assert called.pk == t.pk and called.status == Ticket.Status.CALLED
    assert called.counter_id == counter.pk
    done = serve(t.pk, officer)
    assert done.status == Ticket.Status.DONE
    assert done.issued_at <= done.called_at <= done.started_at <= done.finished_at
    assert done.wait_seconds >= 0 and done.service_seconds >= 0
    kinds = list(Event.objects.filter(subject_id=str(t.pk)).values_list("kind", flat=True))
    assert kinds == ["ticket.issued", "ticket.called", "ticket.started", "ticket.finished"]
    called_event = Event.objects.get(kind="ticket.called")
    assert called_event.actor_id == officer.pk
    assert called_event.data["counter_number"] == counter.number
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk) is None


def test_call_next_is_first_come_first_served(mall, offering, counter, officer):
    first, second = issue(mall, offering), issue(mall, offering)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == first.pk
    serve(first.pk, officer)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == second.pk


def test_counter_busy_until_current_ticket_is_done(mall, offering, counter, officer):
    issue(mall, offering)
    issue(mall, offering)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    with pytest.raises(Conflict) as err:
        q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    assert err.value.code == "counter_busy"


def test_counter_only_calls_its_own_services(mall, offering, counter, officer):
    elsewhere = OfferingFactory(booth__mall=mall)
    issue(mall, elsewhere)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk) is None


def test_priority_first_policy(mall, offering, counter, officer):
    regular = issue(mall, offering)
    elderly = issue(mall, offering, Priority.ELDERLY)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == elderly.pk
    serve(elderly.pk, officer)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == regular.pk


def test_interleave_policy_calls_one_priority_per_n_regular(mall, offering, counter, officer):
    mall.priority_policy = Mall.PriorityPolicy.INTERLEAVE
    mall.priority_every = 2
    mall.save()
    regular = [issue(mall, offering) for _ in range(4)]
    pregnant = issue(mall, offering, Priority.PREGNANT)
    disabled = issue(mall, offering, Priority.DISABILITY)
    order = []
    while (t := q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)) is not None:
        order.append(t.pk)
        serve(t.pk, officer)
    r = [t.pk for t in regular]
    assert order == [r[0], r[1], pregnant.pk, r[2], r[3], disabled.pk]


def test_interleave_calls_priority_when_no_regular_waits(mall, offering, counter, officer):
    mall.priority_policy = Mall.PriorityPolicy.INTERLEAVE
    mall.save()
    child = issue(mall, offering, Priority.CHILD)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == child.pk


def test_recall_then_no_show_after_n_recalls(mall, offering, counter, officer):
    mall.no_show_after_recalls = 2
    mall.save()
    t = issue(mall, offering)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    with pytest.raises(Conflict) as err:
        q.ticket_no_show(ticket_id=t.pk, actor_id=officer.pk)
    assert err.value.code == "recall_first"
    q.ticket_recall(ticket_id=t.pk, actor_id=officer.pk)
    q.ticket_recall(ticket_id=t.pk, actor_id=officer.pk)
    gone = q.ticket_no_show(ticket_id=t.pk, actor_id=officer.pk)
    assert gone.status == Ticket.Status.NO_SHOW
    assert Event.objects.filter(kind="ticket.recalled").count() == 2
    assert Event.objects.filter(kind="ticket.no_show").count() == 1


def test_state_is_checked(mall, offering, counter, officer):
    t = issue(mall, offering)
    with pytest.raises(Conflict):
        q.ticket_finish(ticket_id=t.pk, actor_id=officer.pk)
    with pytest.raises(Conflict):
        q.ticket_recall(ticket_id=t.pk, actor_id=officer.pk)
    with pytest.raises(NotFound):
        q.ticket_start(ticket_id="not-a-uuid", actor_id=officer.pk)


def test_transfer_keeps_original_arrival(mall, offering, counter, officer):
    target = OfferingFactory(booth__mall=mall)
    target_counter = CounterFactory(mall=mall, serves=[target])
    transferred = issue(mall, offering)
    later = issue(mall, target)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=transferred.pk, actor_id=officer.pk)
    moved = q.ticket_transfer(
        ticket_id=transferred.pk, service_code=target.service.code, actor_id=officer.pk
    )
    assert moved.status == Ticket.Status.WAITING
    assert moved.offering_id == target.pk
    assert moved.queued_at == transferred.queued_at
    assert moved.number == transferred.number
    # it arrived before `later`, so it is called first at the new service
    assert q.ticket_call_next(counter_id=target_counter.pk, actor_id=officer.pk).pk == moved.pk
    assert Event.objects.get(kind="ticket.transferred").data["from_service"] == (
        offering.service.code
    )
    # the first counter is free again
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk) is None
    assert later.status == Ticket.Status.WAITING


def test_transfer_to_unknown_or_same_service_is_refused(mall, offering):
    t = issue(mall, offering)
    with pytest.raises(NotFound):
        q.ticket_transfer(ticket_id=t.pk, service_code="nope", actor_id=None)
    with pytest.raises(Conflict):
        q.ticket_transfer(ticket_id=t.pk, service_code=offering.service.code, actor_id=None)
    t.refresh_from_db()
    assert t.transfer_count == 0


def test_end_of_day_expires_open_tickets_and_deletes_nothing(mall, offering, counter, officer):
    waiting = issue(mall, offering)
    called = issue(mall, offering, Priority.ELDERLY)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    assert dayend.mall_end_day(mall=mall) == 2
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {Ticket.Status.EXPIRED}
    assert Ticket.objects.filter(pk__in=[waiting.pk, called.pk]).count() == 2
    assert Event.objects.filter(kind="ticket.expired").count() == 2


def test_estimate_uses_people_ahead_mean_service_and_open_counters(
    mall, offering, counter, officer
):
    offering.service.service_minutes = 6
    offering.service.save()
    tickets = [issue(mall, offering) for _ in range(5)]
    last = tickets[-1]
    est = ticket_estimate(last)
    assert est.ahead == 4 and est.position == 5
    assert est.open_counters == 0
    assert est.minutes == 24  # 4 ahead x 6 min / max(0 open, 1)
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    second = CounterFactory(mall=mall, serves=[offering])
    q.counter_open(counter_id=second.pk, officer_id=officer.pk)
    assert ticket_estimate(last).minutes == 12  # two counters open


def test_board_and_day_summary(mall, offering, counter, officer):
    t = issue(mall, offering)
    issue(mall, offering, Priority.ELDERLY)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    board = board_snapshot(mall)
    row = next(r for r in board["now_serving"] if r["counter_id"] == counter.pk)
    assert row["ticket"] is not None
    assert board["last_calls"][0]["counter_number"] == counter.number
    assert board["waiting_total"] == 1
    serve(Ticket.objects.get(status=Ticket.Status.CALLED).pk, officer)
    summary = day_summary(mall)
    assert summary["issued"] == 2 and summary["done"] == 1 and summary["waiting"] == 1
    assert summary["mean_wait_minutes"] is not None
    assert summary["mean_service_minutes"] is not None
    assert t.number in {e.data.get("number") for e in Event.objects.all()}


def test_estimate_follows_booked_first_order(mall, offering, counter, officer):
    """A booked ticket whose slot has started is called first, so the estimate counts it
    ahead of earlier walk-ins; one whose slot has not started waits for it."""
    import datetime as dt

    from django.utils import timezone

    from mpp.queueing.selectors import people_ahead, ticket_get

    mall.booked_first = True
    mall.save()
    w1, w2, booked, early = (issue(mall, offering) for _ in range(4))
    now = timezone.now()
    Ticket.objects.filter(pk=booked.pk).update(due_at=now - dt.timedelta(minutes=5))
    Ticket.objects.filter(pk=early.pk).update(due_at=now + dt.timedelta(minutes=40))
    fresh = {t.pk: ticket_get(t.pk) for t in (w1, w2, booked, early)}
    assert people_ahead(fresh[booked.pk]) == 0
    assert people_ahead(fresh[w1.pk]) == 1  # the due booking goes first
    assert people_ahead(fresh[w2.pk]) == 2
    assert people_ahead(fresh[early.pk]) == 3
    assert ticket_estimate(fresh[early.pk]).minutes >= 39  # not before its slot starts
    # The engine calls in the order the estimate assumed.
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == booked.pk

    mall.booked_first = False
    mall.save()
    assert people_ahead(ticket_get(w1.pk)) == 0  # arrival order only
