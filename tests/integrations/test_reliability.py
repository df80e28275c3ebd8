"""Webhook delivery under faults, with real `mpp worker` dispatchers (issue 13).

What is promised (docs/faults.md, "## webhooks"): every outbox row is delivered, at
least once, with the same webhook-id and the same bytes on every attempt, signed
(Standard Webhooks), in order per subscription and subject; a second receipt of an id
happens only when a dispatcher died holding it. Proven here with separate processes:
the dispatchers are `mpp worker` subprocesses on the test database (DATABASE_URL from
tests.parallel.database_url, MPP_WEBHOOK_ALLOW_HTTP=1, time compressed through
MPP_WEBHOOK_BACKOFF / _LEASE / _TIMEOUT in their environment), the receiver is
bench/webhooks_receiver.py in a thread of the test process (it verifies every request
with `standardwebhooks`, can refuse connections, answer 503 / 410, be slow, and hold
requests open while a dispatcher is killed with SIGKILL).

Events: the subjects are real tickets issued by queueing.services.ticket_issue; their
further events are written by queueing.records.ticket_event, the function every ticket
service calls (event log entry + webhook outbox rows in one transaction), so that
10,000 events take seconds. Assertions are about counts, ids, order and signatures,
never about how long something took. PostgreSQL only: several dispatcher processes
claiming from one outbox is what SKIP LOCKED is for (SQLite serialises them).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from types import SimpleNamespace

import pytest
from bench.webhooks import Dispatchers, tcp_ports, wait_for
from bench.webhooks_receiver import Receiver, delivered, duplicates, order_breaks
from django.db import connection, transaction
from django.db.models import Count

from mpp.integrations.models import (
    UNFINISHED,
    ApiClient,
    DeliveryAttempt,
    MessageStatus,
    Subscription,
    WebhookMessage,
)
from mpp.integrations.webhooks.signing import secret_new
from mpp.queueing.models import Source
from mpp.queueing.records import ticket_event
from mpp.queueing.services import ticket_issue
from tests.clock import subprocess_env
from tests.factories import MallFactory, OfferingFactory
from tests.parallel import ROOT, database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="several dispatcher processes: PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

# The default schedule (settings.MPP_WEBHOOK_BACKOFF), scaled in the outage test.
DEFAULT_BACKOFF = (5, 300, 1800, 7200, 18000, 36000, 86400)
DELIVER_ALL = 300.0  # seconds to wait for a phase at most: a safety net, not a measure


# The world and its helpers ----------------------------------------------------------------


@pytest.fixture
def world(transactional_db):
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    client = ApiClient.objects.create(
        name="SIAK Dukcapil", agency=offering.booth.agency, operations=["ticket.read"]
    )
    client.malls.set([mall])
    return SimpleNamespace(mall=mall, offering=offering, client=client)


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def dispatchers(transactional_db, tmp_path):
    """dispatchers(count, **env): `mpp worker` processes on the test database; stopped
    (SIGTERM, then SIGKILL) before the test database is flushed."""
    started: list[Dispatchers] = []

    def start(count: int, **settings) -> Dispatchers:
        env = subprocess_env(
            {
                **os.environ,
                "DATABASE_URL": database_url(),
                "PYTHONPATH": str(ROOT),
                "MPP_WEBHOOK_ALLOW_HTTP": "1",
                "MPP_LOG_LEVEL": "WARNING",
                **{key: str(value) for key, value in settings.items()},
            }
        )
        workers = Dispatchers(env, count, tmp_path, interval=0.2)
        started.append(workers)
        return workers

    yield start
    for workers in started:
        workers.stop()


def subscribe(world, receiver: Receiver, path: str, **route) -> Subscription:
    """A subscription of the world's client to the "ticket.recalled" events `produce`
    makes, at `path`. Not "ticket.*": with the clock moved to 23:59:50, the mall's day
    ends during the test and the workers' day-end job expires the waiting tickets
    (ticket.expired), which is not what these counts are about."""
    subscription = Subscription.objects.create(
        client=world.client,
        url=receiver.url(path),
        events=["ticket.recalled"],
        secret=secret_new(),
    )
    receiver.route(path, secrets=[subscription.secret], **route)
    return subscription


def tickets(world, count: int) -> list:
    return [
        ticket_issue(
            mall=world.mall, service_code=world.offering.service.code, source=Source.MOBILE
        )
        for _ in range(count)
    ]


def produce(subjects: list, per_subject: int, *, per_transaction: int = 10, between=None) -> int:
    """`per_subject` "ticket.recalled" events for each ticket, round robin (so subjects
    interleave in the outbox), `per_transaction` events a commit. `between()` runs
    after each commit. Returns how many events were made."""
    made = 0
    pending = [(r, t) for r in range(1, per_subject + 1) for t in subjects]
    for start in range(0, len(pending), per_transaction):
        with transaction.atomic():
            for recall, ticket in pending[start : start + per_transaction]:
                ticket_event(ticket, "recalled", actor_id=None, recall_count=recall)
                made += 1
        if between is not None:
            between()
    return made


def outbox(subscription) -> dict[str, tuple[int, str, int]]:
    """webhook-id -> (row id, status, attempts) of the subscription's messages."""
    return {
        wid: (pk, status, attempts)
        for wid, pk, status, attempts in WebhookMessage.objects.filter(
            subscription=subscription
        ).values_list("webhook_id", "pk", "status", "attempts")
    }


def all_delivered(subscription, count: int) -> bool:
    return (
        WebhookMessage.objects.filter(
            subscription=subscription, status=MessageStatus.DELIVERED
        ).count()
        >= count
    )


def unrecorded_attempts(subscription) -> dict[str, list[int]]:
    """Messages with an attempt that was claimed but whose outcome was never written:
    the attempts a dispatcher held when it died (webhook-id -> attempt numbers)."""
    recorded = defaultdict(set)
    for message_id, number in DeliveryAttempt.objects.filter(subscription=subscription).values_list(
        "message_id", "number"
    ):
        recorded[message_id].add(number)
    out = {}
    for wid, (pk, _status, attempts) in outbox(subscription).items():
        missing = [n for n in range(1, attempts + 1) if n not in recorded[pk]]
        if missing:
            out[wid] = missing
    return out


def deliver_all_or_fail(subscription, count: int, workers: Dispatchers) -> None:
    done = wait_for(lambda: all_delivered(subscription, count), DELIVER_ALL, pause=0.3)
    statuses = dict(
        WebhookMessage.objects.filter(subscription=subscription)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    assert done, f"not delivered: {statuses}\n{workers.logs()}"
    assert workers.died_on_their_own() == 0, workers.logs()


# 1. An hour down, then back -----------------------------------------------------------------

HOUR = 6.0  # seconds of this test that stand for one hour
SCALE = HOUR / 3600
REFUSING_FOR = 0.3 * HOUR  # then 503 for the rest of the hour


def test_an_hour_down_then_back_delivers_everything_once_in_order_and_signed(
    world, receiver, dispatchers
):
    """1,000 events over 50 subjects while the receiver is down for an hour, then back.

    Time is compressed 600-fold, never slept through: "an hour" is HOUR = 6 s, and the
    default back-off schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h) is scaled by
    the same factor through MPP_WEBHOOK_BACKOFF (8 ms, 0.5 s, 3 s, 12 s, 30 s, 60 s,
    144 s). As with the real schedule, a message's attempts fall at 0, 5 s, 5 min 5 s
    and 35 min 5 s of the outage: the receiver refuses connections for its first 18
    minutes (1.8 s: listening socket closed, kept-alive connections dropped) and
    answers 503 without Retry-After for the other 42 (4.2 s); the next attempt, about
    2 h 35 min after the first (15.5 s), finds it back and delivers; then the rest of
    each subject follows in order. The events are made while the receiver is already
    down, before the dispatchers start; the hour is counted from the first attempt.
    The lease (5 s) and the request timeout (1 s) are real seconds: they are about this
    machine, not about the outage.
    """
    subjects = tickets(world, 50)
    subscription = subscribe(world, receiver, "/siak", status=503)
    receiver.refuse()
    made = produce(subjects, 20)
    assert made == 1000
    assert WebhookMessage.objects.filter(subscription=subscription).count() == 1000
    backoff = ",".join(f"{wait * SCALE:.4g}" for wait in DEFAULT_BACKOFF)
    workers = dispatchers(
        2, MPP_WEBHOOK_BACKOFF=backoff, MPP_WEBHOOK_LEASE=5, MPP_WEBHOOK_TIMEOUT=1
    )
    # The hour starts with the first attempt (the dispatchers take a moment to start).
    assert wait_for(lambda: DeliveryAttempt.objects.exists(), 60, pause=0.05), workers.logs()
    started = time.monotonic()
    time.sleep(REFUSING_FOR)
    receiver.accept()  # listening again, answering 503
    time.sleep(max(0.0, HOUR - (time.monotonic() - started)))
    receiver.route("/siak", status=200)  # back after the hour
    deliver_all_or_fail(subscription, 1000, workers)
    workers.stop()

    receipts = receiver.snapshot()
    rows = outbox(subscription)
    got = delivered(receipts)
    # 100 % delivered, once each, nothing the outbox does not hold.
    assert set(got) == set(rows)
    assert duplicates(receipts) == {}
    assert {status for _pk, status, _n in rows.values()} == {MessageStatus.DELIVERED}
    # Every request, failed ones too, verifies; an id always carries the same bytes.
    assert [r for r in receipts if not r.verified] == []
    bodies = defaultdict(set)
    for r in receipts:
        bodies[r.webhook_id].add(r.digest)
    assert all(len(digests) == 1 for digests in bodies.values())
    # Order per subject, over every attempt (a later message is never even tried
    # while an earlier one of its subject is unfinished).
    assert order_breaks(receipts, {wid: pk for wid, (pk, _s, _n) in rows.items()}) == []
    # The outage happened: every subject's first message failed, connections were
    # refused and answers were 503, and every attempt is in the delivery log.
    failures = (
        DeliveryAttempt.objects.filter(subscription=subscription)
        .exclude(outcome=DeliveryAttempt.Outcome.DELIVERED)
        .order_by()
    )
    assert failures.values("message").distinct().count() >= 50
    assert failures.filter(status_code=None).exists()  # refused
    assert sum(1 for r in receipts if r.status == 503) >= 1
    assert failures.filter(status_code=503).count() == sum(1 for r in receipts if r.status == 503)
    assert unrecorded_attempts(subscription) == {}
    assert DeliveryAttempt.objects.filter(
        subscription=subscription, outcome=DeliveryAttempt.Outcome.DELIVERED
    ).count() == len(got)


# 2. kill -9 of one dispatcher of four ------------------------------------------------------


def test_a_dispatcher_killed_mid_delivery_loses_nothing_and_repeats_only_what_it_held(
    world, receiver, dispatchers
):
    """10,000 events over 500 subjects wait in the outbox; four dispatchers start. When
    half are delivered the receiver holds every request open, one dispatcher is killed
    with SIGKILL while it has requests open (its connections' ports tell its requests
    apart), then the receiver answers them all. The killed dispatcher's claims come
    back when their lease (15 s) ends and are sent again, same id and same bytes: the
    only webhook-ids received twice are among those, and every message arrives. (The
    request timeout, 10 s, is longer than the hold, so that no live dispatcher gives up
    on a held request: a timed-out request the receiver took is a repeat of its own.)"""
    subjects = tickets(world, 500)
    subscription = subscribe(world, receiver, "/skck")
    assert produce(subjects, 20, per_transaction=50) == 10_000
    workers = dispatchers(
        4, MPP_WEBHOOK_BACKOFF="0.5,1,2,4", MPP_WEBHOOK_LEASE=15, MPP_WEBHOOK_TIMEOUT=10
    )
    assert wait_for(lambda: receiver.count() >= 5000, DELIVER_ALL), workers.logs()
    mark = len(receiver.snapshot())
    receiver.hold()
    victim = SimpleNamespace(pid=workers.procs[0].pid, held=[])

    def victim_has_open_requests() -> bool:
        ports = tcp_ports(victim.pid, receiver.port)
        victim.held = [r for r in receiver.snapshot()[mark:] if r.peer_port in ports]
        return bool(victim.held)

    assert wait_for(victim_has_open_requests, 60, pause=0.02), workers.logs()
    workers.kill(0)
    receiver.release()
    deliver_all_or_fail(subscription, 10_000, workers)
    workers.stop()

    receipts = receiver.snapshot()
    rows = outbox(subscription)
    got = delivered(receipts)
    assert len(rows) == 10_000
    assert set(got) == set(rows)  # 0 lost, nothing foreign
    assert {status for _pk, status, _n in rows.values()} == {MessageStatus.DELIVERED}
    assert [r for r in receipts if not r.verified] == []
    # What the killed dispatcher held: attempts it claimed and never recorded.
    held = unrecorded_attempts(subscription)
    assert held, "the killed dispatcher held nothing"
    twice = duplicates(receipts)
    assert set(twice) <= set(held), (twice, held)
    assert set(twice.values()) <= {2}
    # Its requests the receiver held open were all received, so all are repeats.
    assert {r.webhook_id for r in victim.held} <= set(twice)
    for wid in held:
        assert rows[wid][2] >= 2  # claimed again after the lease, by a live dispatcher
    bodies = defaultdict(set)
    for r in receipts:
        bodies[r.webhook_id].add(r.digest)
    assert all(len(digests) == 1 for digests in bodies.values())
    assert order_breaks(receipts, {wid: pk for wid, (pk, _s, _n) in rows.items()}) == []
    print(
        f"\nkill -9 of dispatcher {victim.pid}: {len(victim.held)} request(s) open at the "
        f"receiver, {len(held)} claim(s) held; {len(twice)} webhook-id(s) received twice"
    )


# 3. A 410 receiver and a slow one -----------------------------------------------------------


def test_gone_is_never_tried_again_and_a_slow_receiver_holds_up_no_one(
    world, receiver, dispatchers
):
    """Three subscriptions of one client get the same events: one receiver answers 410
    Gone, one answers only after the dispatchers' timeout (1 s; it sleeps 3 s), one is
    healthy. The healthy one gets everything, each once, while the slow one is tried at
    most once per message (then paused: back-off 60 s); the 410 one is disabled and
    none of its messages is tried twice, and later events make no message for it."""
    subjects = tickets(world, 10)
    ok = subscribe(world, receiver, "/ok")
    gone = subscribe(world, receiver, "/gone", status=410)
    slow = subscribe(world, receiver, "/slow", delay=3.0)
    produce(subjects, 3)
    workers = dispatchers(
        2, MPP_WEBHOOK_BACKOFF="60,60", MPP_WEBHOOK_LEASE=5, MPP_WEBHOOK_TIMEOUT=1
    )
    done = wait_for(lambda: all_delivered(ok, 30), DELIVER_ALL, pause=0.1)
    slow_tries = receiver.count("/slow", ok_only=False)
    assert done, workers.logs()

    # The healthy subscription: everything, once, in order, while the slow one waits.
    assert receiver.count("/ok") == 30 and duplicates(receiver.snapshot()) == {}
    assert 1 <= slow_tries <= 10  # at most one attempt per subject, not one per message
    slow_rows = outbox(slow)
    assert all(attempts <= 1 for _pk, _s, attempts in slow_rows.values())
    assert not any(status == MessageStatus.DELIVERED for _pk, status, _n in slow_rows.values())
    slow_attempts = DeliveryAttempt.objects.filter(subscription=slow)
    # Its attempts may still be running (the healthy one did not wait for them).
    assert wait_for(lambda: slow_attempts.count() >= slow_tries, DELIVER_ALL), workers.logs()
    assert slow_attempts.count() == slow_tries
    assert set(slow_attempts.values_list("outcome", flat=True)) <= {DeliveryAttempt.Outcome.TIMEOUT}
    slow.refresh_from_db()
    assert slow.status == Subscription.Status.ACTIVE and slow.paused_until is not None

    # 410: disabled, its messages finished, each tried at most once.
    gone.refresh_from_db()
    assert gone.status == Subscription.Status.DISABLED
    gone_rows = outbox(gone)
    assert not WebhookMessage.objects.filter(subscription=gone, status__in=UNFINISHED).exists()
    assert all(attempts <= 1 for _pk, _s, attempts in gone_rows.values())
    gone_tries = receiver.count("/gone", ok_only=False)
    assert 1 <= gone_tries == DeliveryAttempt.objects.filter(subscription=gone).count()

    # Later events: the healthy one gets them; nothing more is made for or sent to /gone.
    produce(subjects, 1)
    assert wait_for(lambda: all_delivered(ok, 40), DELIVER_ALL, pause=0.1), workers.logs()
    assert outbox(gone).keys() == gone_rows.keys()
    assert receiver.count("/gone", ok_only=False) == gone_tries
    assert receiver.count("/ok") == 40
    assert [r for r in receiver.snapshot() if not r.verified] == []
    assert (
        order_breaks(receiver.snapshot(), {wid: pk for wid, (pk, _s, _n) in outbox(ok).items()})
        == []
    )
    assert workers.died_on_their_own() == 0, workers.logs()
