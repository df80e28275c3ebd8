"""The webhook dispatcher when receivers misbehave: 410, Retry-After, timeouts, refused
connections, order per subject, secret rotation, leases and database errors.

Against the real local receiver (every request verified with standardwebhooks); time
moves by passing `now`. Helpers and fixtures come from test_dispatch.py.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import sqlite3
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from mpp.core.models import Event
from mpp.core.sqlite_backend.base import pool_drain
from mpp.integrations.models import DeliveryAttempt, MessageStatus, Subscription, WebhookMessage
from mpp.integrations.webhooks import deliver, dispatch
from mpp.integrations.webhooks.signing import secret_new
from mpp.notifications.models import Message
from tests.integrations.receiver import Answer, Receiver
from tests.integrations.test_dispatch import drain, status, subscribe, webhook


@pytest.fixture(autouse=True)
def _http_allowed(settings):
    settings.MPP_WEBHOOK_ALLOW_HTTP = True
    yield
    deliver.client_reset()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def now():
    return timezone.now() + dt.timedelta(seconds=1)


# 410 Gone -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_410_disables_the_subscription_and_cancels_what_it_had_left(receiver, now):
    sub = subscribe(receiver, "/gone")
    other = subscribe(receiver, "/fine")
    receiver.answer(Answer(status=410, body="unsubscribed"), path="/gone")
    gone = [webhook(sub, f"case/{n}", kind="case.completed") for n in range(3)]
    later = webhook(sub, "case/0", kind="case.ready")  # behind gone[0] on its subject
    kept = webhook(other, "case/0")
    drain(now)
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.DISABLED and sub.disabled_reason == "410 Gone"
    assert {status(m) for m in [*gone, later]} == {MessageStatus.CANCELLED}
    assert status(kept) == MessageStatus.DELIVERED
    gone_attempts = DeliveryAttempt.objects.filter(subscription=sub)
    assert gone_attempts.count() >= 1  # the first 410 (others in flight may also have run)
    assert set(gone_attempts.values_list("outcome", "status_code")) == {("gone", 410)}
    assert later.webhook_id not in {r.webhook_id for r in receiver.requests}
    (notice,) = Message.objects.filter(template="webhook_disabled")
    assert notice.context["reason"] == "410 Gone" and notice.context["subscription"] == str(sub.pk)
    (disabled,) = Event.objects.filter(kind="subscription.disabled")  # through the service
    assert disabled.subject_id == str(sub.pk) and disabled.data["reason"] == "410 Gone"
    # Never attempted again, whatever is written for it later.
    before = len(receiver.requests)
    webhook(sub, "case/9")
    assert drain(now + dt.timedelta(days=2)) == 0
    assert len(receiver.requests) == before


# Retry-After ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_503_with_retry_after_seconds_pauses_the_subscription_until_then(receiver, now):
    sub = subscribe(receiver)
    first = webhook(sub, "ticket/1")
    receiver.plan(Answer(status=503, headers={"Retry-After": "120"}))
    drain(now)
    first.refresh_from_db()
    assert first.status == MessageStatus.FAILED
    assert first.next_attempt_at == now + dt.timedelta(seconds=120)
    sub.refresh_from_db()
    assert sub.paused_until == now + dt.timedelta(seconds=120)
    # A message of another subject waits too: the receiver asked for quiet.
    second = webhook(sub, "ticket/2", at=now + dt.timedelta(seconds=30))
    assert drain(now + dt.timedelta(seconds=119)) == 0
    assert drain(now + dt.timedelta(seconds=120)) == 2
    assert status(first) == status(second) == MessageStatus.DELIVERED
    assert sorted(receiver.ids()) == sorted([first.webhook_id, second.webhook_id])


@pytest.mark.django_db
def test_429_with_an_http_date_and_a_cap_of_24_hours(receiver, now):
    sub = subscribe(receiver)
    first, second = webhook(sub, "ticket/1"), webhook(sub, "ticket/2")
    in_an_hour = email.utils.format_datetime(
        dt.datetime.now(dt.UTC) + dt.timedelta(hours=1), usegmt=True
    )
    receiver.plan(Answer(status=429, headers={"Retry-After": in_an_hour}))
    drain(now, limit=1)
    first.refresh_from_db()
    wait = (first.next_attempt_at - now).total_seconds()
    assert 3600 - 5 <= wait <= 3600
    receiver.plan(Answer(status=503, headers={"Retry-After": "604800"}))  # a week
    drain(first.next_attempt_at, limit=1)
    second.refresh_from_db()
    assert second.next_attempt_at == first.next_attempt_at + dt.timedelta(hours=24)


@pytest.mark.django_db
def test_a_500_with_retry_after_keeps_the_backoff(receiver, now):
    message = webhook(subscribe(receiver))
    receiver.plan(Answer(status=500, headers={"Retry-After": "3600"}))
    drain(now)
    message.refresh_from_db()
    assert 4.5 <= (message.next_attempt_at - now).total_seconds() <= 5.5


# Slow and dead receivers do not hold up the others ---------------------------------------


@pytest.mark.django_db
def test_a_timeout_does_not_hold_up_other_subscriptions(receiver, now, settings):
    settings.MPP_WEBHOOK_TIMEOUT = 0.5
    settings.MPP_WEBHOOK_CONCURRENCY = 16  # 8 slots at most for one subscription
    slow = subscribe(receiver, "/slow")
    fast = subscribe(receiver, "/fast")
    receiver.answer(Answer(delay=3.0), path="/slow")
    stuck = [webhook(slow, f"ticket/{n}") for n in range(12)]  # older: first in line
    quick = [webhook(fast, f"ticket/{n}") for n in range(12)]
    began = time.monotonic()
    drain(now)
    took = time.monotonic() - began
    assert {status(m) for m in quick} == {MessageStatus.DELIVERED}
    # The slow one holds at most half the slots, timed out once, then paused.
    tried = [m for m in stuck if m.refresh_from_db() or m.attempts]
    assert len(tried) == dispatch.per_subscription() == 8
    assert {m.status for m in tried} == {MessageStatus.FAILED}
    outcomes = set(DeliveryAttempt.objects.filter(subscription=slow).values_list("outcome"))
    assert outcomes == {("timeout",)}
    slow.refresh_from_db()
    assert slow.paused_until is not None and slow.paused_until > now
    assert took < 2.5  # one timeout (0.5 s) and the fast ones, not 12 x 3 s
    first_slow = min(r.at for r in receiver.requests if r.path == "/slow")
    last_fast = max(r.at for r in receiver.delivered() if r.path == "/fast")
    assert last_fast < first_slow + 0.5  # all fast ones went while the slow ones hung


@pytest.mark.django_db
def test_a_refused_connection_is_a_failure_and_pauses_the_subscription(now):
    down = Receiver().start()
    port = down.port
    sub = subscribe(down)
    message = webhook(sub)
    down.stop()
    drain(now)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.last_status_code is None
    assert message.last_error.startswith("connection error")
    sub.refresh_from_db()
    assert sub.paused_until == message.next_attempt_at
    with Receiver(secrets=[sub.secret]).start(port=port) as back:
        drain(now + dt.timedelta(seconds=6))
        assert back.ids() == [message.webhook_id]
    assert status(message) == MessageStatus.DELIVERED


@pytest.mark.django_db
def test_paused_and_disabled_subscriptions_are_skipped(receiver, now):
    paused = subscribe(receiver, paused_until=now + dt.timedelta(seconds=30))
    disabled = subscribe(receiver, status=Subscription.Status.DISABLED)
    waiting, off = webhook(paused), webhook(disabled)
    assert drain(now) == 0
    assert drain(now + dt.timedelta(seconds=30)) == 1
    assert status(waiting) == MessageStatus.DELIVERED and status(off) == MessageStatus.PENDING


# Order per subject --------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_subject_is_delivered_in_order_even_across_failures(receiver, now):
    sub = subscribe(receiver)
    x = [webhook(sub, "ticket/7", kind=k) for k in ("ticket.issued", "ticket.called")]
    x.append(webhook(sub, "ticket/7", kind="ticket.finished"))
    y = [webhook(sub, "ticket/8", kind=k) for k in ("ticket.issued", "ticket.called")]
    fail_once = {x[0].webhook_id}

    def first_fails(request):
        if request.webhook_id in fail_once:
            fail_once.discard(request.webhook_id)
            return Answer(status=500)
        return None

    receiver.responder = first_fails
    drain(now)
    # x[0] failed: nothing else of ticket/7 went; ticket/8 went in order.
    assert status(x[0]) == MessageStatus.FAILED
    assert {status(m) for m in x[1:]} == {MessageStatus.PENDING}
    drain(now + dt.timedelta(minutes=1))
    order = receiver.by_subject()
    assert order["ticket/7"] == [m.webhook_id for m in x]
    assert order["ticket/8"] == [m.webhook_id for m in y]
    sent = [r.webhook_id for r in receiver.requests]
    assert sent.index(x[1].webhook_id) > len(sent) - 1 - sent[::-1].index(x[0].webhook_id)


@pytest.mark.django_db
def test_a_claim_takes_only_the_head_of_each_subject(receiver, now):
    sub = subscribe(receiver)
    head, *rest = (webhook(sub, "booking/3") for _ in range(4))
    other = webhook(sub, "booking/4")
    claimed = dispatch.claim(now=now, room=10)
    assert [m.pk for m in claimed.messages] == [head.pk, other.pk]
    assert dispatch.claim(now=now, room=10).messages == []  # the heads are `sending`
    # A head given up or cancelled no longer holds its subject back.
    WebhookMessage.objects.filter(pk=head.pk).update(status=MessageStatus.DEAD)
    assert [m.pk for m in dispatch.claim(now=now, room=10).messages] == [rest[0].pk]


# Secret rotation ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_during_a_rotation_both_secrets_sign(now):
    old, new = secret_new(), secret_new()
    with Receiver(secrets=[old]) as knows_old, Receiver(secrets=[new]) as knows_new:
        a = subscribe(
            knows_old,
            learn=False,
            secret=new,
            previous_secret=old,
            previous_secret_until=now + dt.timedelta(hours=24),
        )
        b = subscribe(
            knows_new, learn=False, secret=new, previous_secret=old, previous_secret_until=now
        )
        webhook(a), webhook(b)
        drain(now)
        (got_old,) = knows_old.received
        assert len(got_old.headers["webhook-signature"].split(" ")) == 2
        assert knows_new.received[0].verified
        # After the overlap only the new secret signs: a receiver with the old one refuses.
        webhook(a, "ticket/2", at=now + dt.timedelta(hours=25))
        drain(now + dt.timedelta(hours=25))
        (refused,) = knows_old.rejected
        assert len(refused.headers["webhook-signature"].split(" ")) == 1
        assert refused.status == 401


# Leases -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_killed_dispatcher_holds_its_claim_until_the_lease_ends(receiver, now, settings):
    settings.MPP_WEBHOOK_LEASE = 30
    message = webhook(subscribe(receiver))
    (held,) = dispatch.claim(now=now).messages  # this dispatcher dies here
    assert held.pk == message.pk
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING
    assert message.next_attempt_at == now + dt.timedelta(seconds=30)
    assert drain(now + dt.timedelta(seconds=29)) == 0
    assert drain(now + dt.timedelta(seconds=30)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 2
    (got,) = receiver.received
    assert got.webhook_id == message.webhook_id and got.body == message.body
    assert DeliveryAttempt.objects.get(message=message).number == 2


@pytest.mark.django_db
def test_a_lease_that_ran_out_on_the_last_attempt_is_given_up(receiver, now, settings):
    settings.MPP_WEBHOOK_BACKOFF = [5, 5]
    message = webhook(subscribe(receiver))
    WebhookMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, attempts=3, next_attempt_at=now
    )
    assert drain(now) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    assert message.last_error == "dispatcher stopped while sending"
    assert receiver.requests == []
    assert Message.objects.filter(template="webhook_dead").count() == 1


def test_the_lease_always_outlasts_the_timeout(settings):
    settings.MPP_WEBHOOK_TIMEOUT = 5
    settings.MPP_WEBHOOK_LEASE = 2
    assert dispatch.lease() == dt.timedelta(seconds=6)
    settings.MPP_WEBHOOK_LEASE = 30
    assert dispatch.lease() == dt.timedelta(seconds=30)


# Database errors ------------------------------------------------------------------------------


def _break_database_once(target: Receiver) -> None:
    """While the first request is open, make the dispatcher's next write fail:
    PostgreSQL: terminate its connection; SQLite: hold the write lock for 1.2 s."""
    done = threading.Event()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()

        def kill(request):
            from django.db import connection as own  # this thread's connection

            if not done.is_set():
                done.set()
                with own.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                own.close()

        target.responder = kill
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 100")

    def lock(request):
        if not done.is_set():
            done.set()
            holder = sqlite3.connect(
                connection.settings_dict["NAME"], check_same_thread=False, isolation_level=None
            )
            holder.execute("BEGIN IMMEDIATE")

            def release():
                holder.execute("ROLLBACK")
                holder.close()

            threading.Timer(1.2, release).start()

    target.responder = lock


@pytest.fixture
def fresh_connections():
    yield
    connection.close()
    if connection.vendor == "sqlite":
        pool_drain()


@pytest.mark.django_db(transaction=True)
def test_a_database_error_while_recording_loses_nothing(receiver, fresh_connections):
    sub = subscribe(receiver)
    messages = [webhook(sub, f"ticket/{n}") for n in range(3)]
    _break_database_once(receiver)
    assert dispatch.drain(now=timezone.now() + dt.timedelta(seconds=1)) == 3
    assert {status(m) for m in messages} == {MessageStatus.DELIVERED}
    assert sorted(receiver.ids()) == sorted(m.webhook_id for m in messages)
    assert DeliveryAttempt.objects.count() == 3
