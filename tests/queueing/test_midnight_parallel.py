"""The first writes of a new day, from parallel processes, end the earlier day once (issue 10).

Each process issues a ticket and calls the next at its own counter just after the
mall's midnight, while yesterday's tickets are still stored as waiting or at those
counters and the counters are still open since yesterday. Every old ticket must be
expired exactly once, every old counter closed exactly once, and no ticket called
twice. On PostgreSQL the processes really wait for each other on the mall's row
lock; on SQLite the write lock serialises them.
"""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mpp.catalog.models import Counter
from mpp.core.models import Event
from mpp.queueing import services as q
from mpp.queueing.models import Ticket
from tests.factories import CounterFactory, MallFactory, OfferingFactory
from tests.parallel import run_parallel

WORKER = Path(__file__).with_name("midnight_worker.py")
PROCESSES = 6
OLD_TICKETS = 40


@pytest.mark.django_db(transaction=True)
def test_parallel_first_writes_of_a_day_end_the_old_day_once(clock):
    mall = MallFactory(timezone="Asia/Jayapura")
    offering = OfferingFactory(booth__mall=mall)
    counters = [CounterFactory(mall=mall, serves=[offering]) for _ in range(PROCESSES)]
    wit = ZoneInfo("Asia/Jayapura")
    clock.move_to(dt.datetime(2026, 12, 6, 15, 0, tzinfo=wit))
    old = [
        q.ticket_issue(mall=mall, service_code=offering.service.code) for _ in range(OLD_TICKETS)
    ]
    for counter in counters:  # each counter ends the day with a called ticket
        assert q.ticket_call_next(counter_id=counter.pk, actor_id=None) is not None

    clock.move_to(dt.datetime(2026, 12, 7, 0, 0, 1, tzinfo=wit))
    results = run_parallel(
        WORKER,
        [[str(mall.pk), offering.service.code, str(c.pk)] for c in counters],
        start_in=3.0,
    )
    assert results.peak() >= 2  # the processes really ran at the same time

    old_ids = {str(t.pk) for t in old}
    expired = Event.objects.filter(kind="ticket.expired", mall_id=mall.pk)
    assert sorted(e.subject_id for e in expired) == sorted(old_ids)  # each once
    assert all(e.actor_id is None for e in expired)
    assert set(Ticket.objects.filter(pk__in=old_ids).values_list("status", flat=True)) == {
        Ticket.Status.EXPIRED
    }
    closed = Event.objects.filter(kind="counter.closed", mall_id=mall.pk)
    assert sorted(int(e.subject_id) for e in closed) == sorted(c.pk for c in counters)

    today = Ticket.objects.filter(mall=mall, service_date=dt.date(2026, 12, 7))
    assert sorted(today.values_list("seq", flat=True)) == list(range(1, PROCESSES + 1))
    called = [r["called"] for r in results if r["called"]]
    assert called and len(called) == len(set(called))
    assert not old_ids & set(called)
    assert {str(pk) for pk in today.values_list("pk", flat=True)} == {r["issued"] for r in results}
    # Each counter that called is open today; one that found nobody stays closed.
    for counter, result in zip(counters, results, strict=True):
        assert Counter.objects.get(pk=counter.pk).is_open == bool(result["called"])
