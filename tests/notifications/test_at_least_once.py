"""The outbox under faults: short leases, database errors, a stable id on every attempt,
the back-off from the settings (issue 10, "The outbox: at least once, made harmless").

Faults are real: a `mpp worker` process killed with SIGKILL while its gateway request
is open; on PostgreSQL the worker's connection terminated (pg_terminate_backend), on
SQLite the file's write lock held by another connection, while a request is open.
"""

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.utils import timezone

from mpp.core.sqlite_backend.base import pool_drain
from mpp.notifications import channels, worker
from mpp.notifications.models import Message, Status
from mpp.notifications.services import message_enqueue
from mpp.notifications.worker import backoff, claim, max_attempts, run_once
from tests.clock import subprocess_env
from tests.notifications.conftest import PHONE
from tests.notifications.gateway import Gateway, gateway_server
from tests.parallel import ROOT, database_url


def sms(context, channel="sms") -> Message:
    return message_enqueue(
        channel=channel, recipient=PHONE, template="booking_confirmed", context=context
    )


def run(now, **kwargs):
    return run_once(now=now, jobs=False, rng=random.Random(3), **kwargs)


# Leases -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_claim_takes_one_message_with_a_30_second_lease(gateway, context, now):
    first, second = sms(context), sms(context)
    (claimed,) = claim(now=now)
    assert claimed.pk == first.pk
    first.refresh_from_db()
    assert first.status == Status.SENDING
    assert first.next_attempt_at == now + dt.timedelta(seconds=30)
    # The worker holding `first` dies: another worker sends everything else at once ...
    assert run(now).sent == [second.pk]
    # ... and `first` 30 s later, not 5 minutes.
    assert run(now + dt.timedelta(seconds=29)).handled == 0
    assert run(now + dt.timedelta(seconds=30)).sent == [first.pk]
    assert gateway.deliveries == {str(first.reference): 1, str(second.reference): 1}


@pytest.mark.django_db
def test_a_row_whose_lease_ran_out_goes_before_the_backlog(gateway, context, now):
    held, *backlog = (sms(context) for _ in range(4))
    (claimed,) = claim(now=now)  # this worker dies
    assert claimed.pk == held.pk
    # 30 s later the three others (due earlier) still wait; the expired row goes first.
    (again,) = claim(now=now + dt.timedelta(seconds=30))
    assert again.pk == held.pk and again.attempts == 2
    assert Message.objects.filter(status=Status.PENDING).count() == len(backlog)


@pytest.mark.django_db
def test_the_lease_is_a_setting_and_bounds_the_gateway_timeout(settings, context, now):
    settings.MPP_OUTBOX_LEASE = 12
    message = sms(context)
    claim(now=now)
    message.refresh_from_db()
    assert message.next_attempt_at == now + dt.timedelta(seconds=12)
    assert channels.request_timeout() == 4.0
    settings.MPP_OUTBOX_LEASE = 300
    assert channels.request_timeout() == channels.GATEWAY_TIMEOUT


class SlowFirst(Gateway):
    """Delivers everything, but answers the first request only after a long wait."""

    def __init__(self):
        super().__init__()
        self.open = threading.Event()

    def pause(self, body):
        if len(self.requests) == 1:
            self.open.set()
            return 20.0
        return 0.0


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_request_leaves_one_row_due_within_the_lease(settings, context):
    message = sms(context)
    others = [sms(context) for _ in range(3)]
    with gateway_server(gateway=SlowFirst()) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "PYTHONPATH": str(ROOT),
            "MPP_SMS_GATEWAY_URL": gw.url,
            "MPP_LOG_LEVEL": "ERROR",
        }
        env = subprocess_env(env)  # the worker shares the test's clock, moved or not
        started = timezone.now()
        proc = subprocess.Popen(
            [sys.executable, "-m", "mpp.cli", "worker", "--interval", "0.1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert gw.open.wait(30), "the worker never reached the gateway"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        # Only the message in hand is held, for at most the lease; the others are due.
        message.refresh_from_db()
        assert message.status == Status.SENDING and message.attempts == 1
        assert message.next_attempt_at <= timezone.now() + dt.timedelta(seconds=30)
        assert message.next_attempt_at - started <= dt.timedelta(seconds=30 + 10)
        assert Message.objects.filter(status=Status.PENDING).count() == 3

        # Another worker after the lease: same reference, the gateway drops the repeat.
        result = run(message.next_attempt_at)
    assert sorted(result.sent) == sorted([message.pk, *[m.pk for m in others]])
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 2
    ref = str(message.reference)
    assert gw.references[ref] == 2 and gw.deliveries[ref] == 1 and gw.absorbed == 1
    assert set(gw.deliveries.values()) == {1} and len(gw.deliveries) == 4


# Database errors --------------------------------------------------------------------------


def _break_database_once(gw: Gateway):
    """Make the worker's next database write fail while its first request is open:
    PostgreSQL: terminate its connection; SQLite: hold the write lock for 1.2 s."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()

        def kill(body):
            from django.db import connection as own  # this thread's connection

            if len(gw.requests) == 0:
                with own.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                own.close()

        gw.on_request = kill
        return
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 100")

    def lock(body):
        if len(gw.requests) == 0:
            holder = sqlite3.connect(name, check_same_thread=False, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")

            def release():
                holder.execute("ROLLBACK")
                holder.close()

            threading.Timer(1.2, release).start()

    gw.on_request = lock


@pytest.fixture
def fresh_connections():
    yield
    connection.close()
    if connection.vendor == "sqlite":
        pool_drain()  # no kept connection with a short busy timeout for later tests


@pytest.mark.django_db(transaction=True)
def test_a_database_error_while_recording_loses_nothing(gateway, context, fresh_connections):
    messages = [sms(context) for _ in range(3)]
    _break_database_once(gateway)
    result = run(timezone.now() + dt.timedelta(seconds=1))
    # The outcome was recorded on a fresh connection; the other rows were sent in turn.
    assert sorted(result.sent) == sorted(m.pk for m in messages)
    assert Message.objects.filter(status=Status.SENT, attempts=1).count() == 3
    assert set(gateway.references.values()) == {1}
    assert set(gateway.deliveries.values()) == {1} and len(gateway.deliveries) == 3


@pytest.mark.django_db(transaction=True)
def test_a_database_error_between_messages_keeps_the_worker_going(
    gateway, context, fresh_connections
):
    message = sms(context)
    holder = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        with subprocess.Popen(
            ["psql", database_url(), "-qAtc", f"SELECT pg_terminate_backend({pid})"],
            stdout=subprocess.DEVNULL,
        ) as psql:
            assert psql.wait(30) == 0
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 100")
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    try:
        result = run(timezone.now() + dt.timedelta(seconds=1))  # no exception
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
    assert result.db_errors == 1 and result.handled == 0
    assert Message.objects.get(pk=message.pk).status == Status.PENDING  # nothing held
    assert run(timezone.now() + dt.timedelta(seconds=1)).sent == [message.pk]
    assert gateway.deliveries == {str(message.reference): 1}


# A stable id ------------------------------------------------------------------------------


class LosesAnswers(Gateway):
    """503 first; then delivers but answers too late for the client; then answers."""

    def planned(self, body, n):
        return (503, {"error": "busy"}) if n == 1 else (200, {"id": f"gw-{n}"})

    def pause(self, body):
        return 1.0 if len(self.requests) == 2 else 0.0


@pytest.mark.django_db
def test_every_attempt_carries_the_same_id_and_the_gateway_drops_the_repeat(settings, context, now):
    settings.MPP_OUTBOX_LEASE = 0.9  # a 0.3 s request timeout
    message = sms(context)
    with gateway_server(gateway=LosesAnswers()) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        at = now
        for _ in range(3):
            run(at)
            message.refresh_from_db()
            at = message.next_attempt_at
    assert message.status == Status.SENT and message.attempts == 3
    ref = str(message.reference)
    assert [r["reference"] for r in gw.requests] == [ref] * 3
    assert [r["_meta"]["idempotency_key"] for r in gw.requests] == [ref] * 3
    assert gw.deliveries == {ref: 1} and gw.absorbed == 1  # the third was the lost second
    assert message.provider_message_id == "gw-2"  # the first answer, given again


@pytest.mark.django_db
def test_the_whatsapp_cloud_api_gets_the_reference_as_callback_data(settings, context, now):
    with gateway_server([(200, {"messages": [{"id": "wamid.X"}]})]) as cloud:
        settings.MPP_WHATSAPP_CLOUD_URL = cloud.url.removesuffix("/send")
        settings.MPP_WHATSAPP_CLOUD_PHONE_ID = "106540352242922"
        settings.MPP_WHATSAPP_CLOUD_TOKEN = "EAAG-rahasia"
        message = sms(context, channel="whatsapp")
        run(now)
    (sent,) = cloud.requests
    assert sent["biz_opaque_callback_data"] == str(message.reference)
    assert sent["_meta"]["idempotency_key"] is None  # nothing is promised there


@pytest.mark.django_db
def test_references_are_unique_and_kept(context):
    first, second = sms(context), sms(context)
    assert first.reference != second.reference
    assert Message.objects.get(pk=first.pk).reference == first.reference


# The back-off schedule --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_backoff_schedule_and_the_number_of_attempts_come_from_the_setting(
    settings, context, now
):
    settings.MPP_OUTBOX_BACKOFF = [5.0, 70.0]
    settings.MPP_SMS_GATEWAY_URL = ""
    assert max_attempts() == 3
    message = sms(context)
    run(now)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert 4.5 <= (message.next_attempt_at - now).total_seconds() <= 5.5
    at = message.next_attempt_at
    run(at)
    message.refresh_from_db()
    assert 63 <= (message.next_attempt_at - at).total_seconds() <= 77
    run(message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Status.DEAD and message.attempts == 3


def test_the_default_schedule_gives_up_when_the_docstring_says(settings):
    assert settings.MPP_OUTBOX_BACKOFF == [30, 120, 480, 1920, 3600, 3600, 3600]
    assert max_attempts() == 8
    total = sum(settings.MPP_OUTBOX_BACKOFF)
    assert total == 13350  # 3 h 42.5 min
    assert "13 350 s" in worker.__doc__ and "3 h 43 min" in worker.__doc__
    rng = random.Random(5)
    assert all(
        0.9 * w <= backoff(n, rng).total_seconds() <= 1.1 * w
        for n, w in enumerate(settings.MPP_OUTBOX_BACKOFF, start=1)
    )


def test_a_broken_schedule_is_refused(settings):
    settings.MPP_OUTBOX_BACKOFF = []
    with pytest.raises(ValueError):
        max_attempts()
    settings.MPP_OUTBOX_BACKOFF = [30, 0]
    with pytest.raises(ValueError):
        backoff(1)
    settings.MPP_OUTBOX_LEASE = 0
    with pytest.raises(ValueError):
        worker.lease()


def test_the_gateway_itself_deduplicates_by_id():
    import httpx

    with gateway_server(plan=[(503, {}), (200, {"id": "first"}), (200, {"id": "other"})]) as gw:
        post = lambda ref: httpx.post(  # noqa: E731
            gw.url, json={"reference": ref}, headers={"Idempotency-Key": ref}, timeout=5
        )
        assert post("a").status_code == 503  # a failure delivers and stores nothing
        assert post("a").json() == {"id": "first"}
        assert post("a").json() == {"id": "first"}  # the first answer, not delivered again
        assert post("b").json() == {"id": "other"}
    assert gw.deliveries == {"a": 1, "b": 1} and gw.absorbed == 1
    assert gw.references == {"a": 3, "b": 1}
