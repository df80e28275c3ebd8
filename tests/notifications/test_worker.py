"""The worker against a real local gateway and Django's locmem mail backend.

Time is driven by passing `now` to run_once instead of sleeping.
"""

import datetime as dt
import logging
import random
import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction

from mpp.notifications import channels, worker
from mpp.notifications.models import Message, Status
from mpp.notifications.services import message_enqueue, message_requeue
from mpp.notifications.worker import backoff, claim, max_attempts, run_once, send_claimed
from tests.notifications.conftest import PHONE
from tests.notifications.gateway import gateway_server

pytestmark = pytest.mark.django_db


def sms(context, channel="sms", **kwargs) -> Message:
    return message_enqueue(
        channel=channel, recipient=PHONE, template="booking_confirmed", context=context, **kwargs
    )


def run(now):
    return run_once(now=now, jobs=False, rng=random.Random(7))


def test_success_sends_the_right_json_and_token_and_stores_the_provider_id(
    gateway, context, now, caplog
):
    caplog.set_level(logging.DEBUG)
    message = sms(context)
    wa = sms(context, channel="whatsapp")
    result = run(now)
    assert sorted(result.sent) == sorted([message.pk, wa.pk])

    first, second = gateway.requests
    assert first["_meta"]["authorization"] == "Bearer rahasia-gateway"
    assert first["_meta"]["content_type"] == "application/json"
    assert set(first) - {"_meta"} == {"to", "message", "channel", "reference"}
    assert first["to"] == PHONE and first["channel"] == "sms"
    assert first["reference"] == str(message.reference)
    assert first["_meta"]["idempotency_key"] == str(message.reference)
    assert second["reference"] == str(wa.reference) != first["reference"]
    assert "MJL-7K3Q9" in first["message"] and "01/12/2026" in first["message"]
    assert second["channel"] == "whatsapp" and "Desember" in second["message"]

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.sent_at == now
    assert message.provider_message_id == "gw-1"
    assert message.last_error == ""
    assert PHONE not in caplog.text and PHONE[1:] not in caplog.text


def test_gateway_without_id_in_body_still_counts_as_sent(settings, context, now):
    with gateway_server(plan=[(202, ["accepted"])]) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        message = sms(context)
        run(now)
    message.refresh_from_db()
    assert message.status == Status.SENT and message.provider_message_id == ""


def test_503_twice_then_success_retries_with_backoff(settings, context, now):
    plan = [(503, {"error": "busy"}), (503, {"error": "busy"}), (200, {"id": "abc-3"})]
    with gateway_server(plan=plan) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        message = sms(context)

        run(now)
        message.refresh_from_db()
        assert message.status == Status.FAILED and message.attempts == 1
        assert message.last_error == "gateway error (HTTP 503)"
        wait1 = message.next_attempt_at - now
        assert dt.timedelta(seconds=27) <= wait1 <= dt.timedelta(seconds=33)

        # Not due yet: nothing happens.
        assert run(now + dt.timedelta(seconds=20)).handled == 0
        assert len(gw.requests) == 1

        t2 = message.next_attempt_at
        run(t2)
        message.refresh_from_db()
        assert message.status == Status.FAILED and message.attempts == 2
        wait2 = message.next_attempt_at - t2
        assert dt.timedelta(seconds=108) <= wait2 <= dt.timedelta(seconds=132)

        t3 = message.next_attempt_at
        result = run(t3)
        assert result.sent == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 3
    assert message.provider_message_id == "abc-3"
    assert message.sent_at == t3
    assert message.last_error == ""
    assert gw.references == {str(message.reference): 3}  # the same id on every attempt
    assert gw.deliveries == {str(message.reference): 1}


def test_permanent_400_is_dead_at_once(settings, context, now):
    with gateway_server(plan=[(400, {"error": "invalid number"})]) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        message = sms(context)
        result = run(now)
        assert result.dead == [message.pk]
        assert run(now + dt.timedelta(days=1)).handled == 0
        assert len(gw.requests) == 1
    message.refresh_from_db()
    assert message.status == Status.DEAD and message.attempts == 1
    assert message.last_error == "gateway refused the message (HTTP 400)"


@pytest.mark.parametrize("status", [401, 429, 500, 502])
def test_throttling_server_errors_and_bad_token_are_retried(settings, context, now, status):
    with gateway_server(plan=[(status, {})]) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        message = sms(context)
        run(now)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error == f"gateway error (HTTP {status})"


def test_timeout_is_retried(settings, context, now, monkeypatch):
    monkeypatch.setattr(channels, "GATEWAY_TIMEOUT", 0.3)
    with gateway_server(delay=1.5) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        message = sms(context)
        result = run(now)
    assert result.retried == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 1
    assert message.last_error.startswith("gateway timeout")
    assert message.next_attempt_at > now


def test_connection_refused_is_retried(settings, context, now):
    with gateway_server() as gw:
        url = gw.url
    settings.MPP_SMS_GATEWAY_URL = url  # the server is gone: nothing listens there
    message = sms(context)
    run(now)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error.startswith("gateway unreachable")


def test_no_gateway_configured_retries_then_gives_up(settings, context, now):
    settings.MPP_SMS_GATEWAY_URL = ""
    message = sms(context)
    at = now
    for attempt in range(1, max_attempts() + 1):
        run(at)
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == channels.NO_GATEWAY
        at = message.next_attempt_at
    assert message.status == Status.DEAD
    assert run(at + dt.timedelta(days=1)).handled == 0


def test_backoff_grows_by_four_and_is_capped_at_an_hour():
    rng = random.Random(1)
    waits = [backoff(n, rng).total_seconds() for n in range(1, 9)]
    for wait, nominal in zip(waits, [30, 120, 480, 1920, 3600, 3600, 3600, 3600], strict=True):
        assert nominal * 0.9 <= wait <= nominal * 1.1
    assert len({round(w) for w in waits[4:]}) > 1  # jitter spreads the capped retries


def test_email_goes_through_the_django_backend(context, now):
    message = message_enqueue(
        channel="email", recipient="warga@example.id", template="booking_reminder", context=context
    )
    result = run(now)
    assert result.sent == [message.pk]
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["warga@example.id"]
    assert "MJL-7K3Q9" in email.subject and "\n" not in email.subject
    assert "Selasa, 1 Desember 2026" in email.body
    assert email.extra_headers["X-MPP-Reference"] == str(message.reference)
    assert email.extra_headers["Message-ID"] == f"<{message.reference}@localhost>"
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1


def test_not_before_holds_a_message_back(gateway, context, now):
    message = sms(context, not_before=now + dt.timedelta(hours=2))
    assert run(now).handled == 0
    assert run(now + dt.timedelta(hours=2)).sent == [message.pk]


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(gateway, context, now):
    message = sms(context)
    assert [m.pk for m in claim(now=now)] == [message.pk]
    # Another worker right after: nothing due (the first holds the lease).
    assert claim(now=now + dt.timedelta(seconds=5)) == []
    # The first worker crashed; after the lease another picks it up and sends it.
    later = now + worker.lease() + dt.timedelta(seconds=1)
    result = run(later)
    assert result.sent == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 2
    assert gateway.references == {str(message.reference): 1}


def test_a_slow_worker_cannot_overwrite_a_newer_attempt(gateway, context, now):
    message = sms(context)
    (stale,) = claim(now=now)
    (fresh,) = claim(now=now + worker.lease() + dt.timedelta(seconds=1))
    assert (stale.attempts, fresh.attempts) == (1, 2)
    # The first worker wakes up while the second holds the row: its outcome is dropped.
    assert not worker._settle(stale, status=Status.DEAD, last_error="stale")
    message.refresh_from_db()
    assert message.status == Status.SENDING and message.attempts == 2
    result = worker.RunResult()
    send_claimed(fresh, now=now, result=result)
    assert result.sent == [message.pk]
    assert not worker._settle(stale, status=Status.FAILED, last_error="stale")
    message.refresh_from_db()
    assert message.status == Status.SENT and message.last_error == ""


def test_a_message_that_keeps_crashing_workers_is_given_up(context, now):
    message = sms(context)
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=max_attempts(), next_attempt_at=now
    )
    assert claim(now=now) == []
    message.refresh_from_db()
    assert message.status == Status.DEAD
    assert message.last_error == "worker stopped while sending"


def test_stopping_leaves_unclaimed_messages_due(gateway, context, now):
    first, second, third = (sms(context) for _ in range(3))
    calls = {"n": 0}

    def stop_after_one():
        calls["n"] += 1
        return calls["n"] > 1  # one loop check, one message, then stop

    result = run_once(now=now, jobs=False, should_stop=stop_after_one)
    assert result.sent == [first.pk]
    for message in (second, third):  # one message is claimed at a time: these never were
        message.refresh_from_db()
        assert message.status == Status.PENDING and message.attempts == 0
        assert message.next_attempt_at <= now
    assert run(now).sent == [second.pk, third.pk]


def test_requeue_gives_a_dead_message_fresh_attempts(gateway, context, now):
    message = sms(context)
    Message.objects.filter(pk=message.pk).update(
        status=Status.DEAD, attempts=max_attempts(), last_error=channels.NO_GATEWAY
    )
    message_requeue(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 0
    assert run(now).sent == [message.pk]


def test_many_messages_are_sent_in_one_pass(gateway, context, now):
    ids = [sms(context).pk for _ in range(23)]
    result = run(now)
    assert sorted(result.sent) == sorted(ids)
    assert Message.objects.filter(status=Status.SENT).count() == len(ids)
    assert set(gateway.references.values()) == {1}


def test_a_bad_gateway_url_is_retried_not_a_crash(settings, context, now):
    settings.MPP_SMS_GATEWAY_URL = "not a url at all"
    message = sms(context)
    result = run(now)
    assert result.retried == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error.startswith(("gateway unreachable", "unexpected error"))


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_does_not_wait_for_the_sqlite_write_lock(context, now):
    """Nothing due: the worker only reads, so a long write elsewhere never blocks it."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single writer")
    sms(context, not_before=now + dt.timedelta(hours=1))
    holding, done = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():  # BEGIN IMMEDIATE: the write lock
                Message.objects.update(last_error="")
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        assert run_once(now=now, jobs=False).handled == 0
        assert time.monotonic() - started < 5.0  # not the 10 s the lock is held
    finally:
        done.set()
        thread.join(10)
