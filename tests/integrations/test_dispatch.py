"""The webhook dispatcher against a real local receiver (issue 13, "Webhook dispatch").

Every request the receiver gets is verified with standardwebhooks.Webhook(secret).verify
(tests/integrations/receiver.py); tests move time by passing `now`, never by sleeping.
Subscriptions and messages are written directly with the models, with bodies built
here, so these tests do not depend on the emitting side.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import uuid

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from mpp.integrations.models import (
    ApiClient,
    DeliveryAttempt,
    MessageStatus,
    Subscription,
    WebhookMessage,
)
from mpp.integrations.webhooks import deliver, dispatch
from mpp.integrations.webhooks.signing import secret_new
from mpp.notifications.models import Message
from mpp.notifications.worker import run_once
from tests.factories import AgencyFactory
from tests.integrations.receiver import Answer, Receiver

CONTACT = "integrasi@dukcapil.example.id"
_event_ids = itertools.count(1)


# Helpers (test_dispatch_*.py import them) ------------------------------------------------


def api_client(contact: str = CONTACT) -> ApiClient:
    return ApiClient.objects.create(
        name="SIAK Dukcapil", agency=AgencyFactory(), contact_email=contact
    )


def subscribe(
    receiver: Receiver, path: str = "/hook", *, client=None, learn: bool = True, **fields
) -> Subscription:
    """A subscription to `receiver` at `path`; the receiver learns its secret (`learn`)."""
    sub = Subscription.objects.create(
        client=client or api_client(),
        url=receiver.url(path),
        events=["*"],
        secret=fields.pop("secret", None) or secret_new(),
        **fields,
    )
    if learn:
        receiver.add_secret(sub.secret)
    return sub


def webhook(
    sub: Subscription, subject: str = "ticket/1", *, kind: str = "ticket.called", at=None
) -> WebhookMessage:
    """One outbox row with a CloudEvents body like the emitting side writes."""
    at = at or timezone.now()
    webhook_id = "msg_" + uuid.uuid4().hex
    family, _, subject_id = subject.partition("/")
    body = {
        "specversion": "1.0",
        "id": webhook_id,
        "type": kind,
        "source": "/api/v1/malls/mpp-uji",
        "subject": subject_id,
        "time": at.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": {"number": "A-001", "note": "ü ✓"},
    }
    return WebhookMessage.objects.create(
        subscription=sub,
        webhook_id=webhook_id,
        event_id=next(_event_ids),
        event_type=kind,
        subject=subject,
        occurred_at=at,
        body=json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False),
        next_attempt_at=at,
    )


def drain(now, **kwargs) -> int:
    return dispatch.drain(now=now, rng=random.Random(7), **kwargs)


def status(message: WebhookMessage) -> str:
    message.refresh_from_db()
    return message.status


@pytest.fixture(autouse=True)
def _http_allowed(settings):
    settings.MPP_WEBHOOK_ALLOW_HTTP = True
    yield
    deliver.client_reset()  # no kept-alive connection to a receiver that is gone


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def now():
    return timezone.now() + dt.timedelta(seconds=1)


# Success ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_message_is_delivered_signed_and_logged(receiver, now):
    sub = subscribe(receiver)
    message = webhook(sub)
    assert drain(now) == 1
    (got,) = receiver.received
    assert got.verified and got.webhook_id == message.webhook_id
    assert got.body == message.body  # the stored bytes, exactly
    assert Webhook(sub.secret).verify(got.body, got.headers)["type"] == "ticket.called"
    assert got.headers["user-agent"] == "MPP-Webhooks/1"
    assert got.headers["content-type"] == "application/json"
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 1
    assert message.delivered_at == now and message.last_status_code == 200
    (attempt,) = DeliveryAttempt.objects.filter(message=message)
    assert (attempt.number, attempt.outcome, attempt.status_code) == (1, "delivered", 200)
    assert attempt.subscription_id == sub.pk and attempt.started_at == now
    assert attempt.response_excerpt == "ok" and attempt.latency_ms < 5000
    assert drain(now + dt.timedelta(days=1)) == 0  # never again
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_any_2xx_is_success_and_the_excerpt_is_cut_at_500(receiver, now):
    sub = subscribe(receiver)
    message = webhook(sub)
    receiver.answer(Answer(status=204, body=""))
    receiver.plan(Answer(status=500, body="x" * 3000))
    drain(now)
    failed = DeliveryAttempt.objects.get(message=message, number=1)
    assert failed.outcome == "failed" and failed.status_code == 500
    assert failed.response_excerpt == "x" * 500 and failed.error == "HTTP 500"
    drain(now + dt.timedelta(minutes=1))
    assert status(message) == MessageStatus.DELIVERED
    assert message.last_status_code == 204


@pytest.mark.django_db
def test_a_redirect_is_a_failure_and_not_followed(receiver, now):
    sub = subscribe(receiver)
    message = webhook(sub)
    receiver.answer(Answer(status=302, headers={"Location": receiver.url("/elsewhere")}))
    drain(now)
    assert status(message) == MessageStatus.FAILED and message.last_status_code == 302
    assert [r.path for r in receiver.requests] == ["/hook"]


@pytest.mark.django_db
def test_http_urls_are_refused_unless_allowed(receiver, now, settings):
    settings.MPP_WEBHOOK_ALLOW_HTTP = False
    message = webhook(subscribe(receiver))
    drain(now)
    assert status(message) == MessageStatus.FAILED
    assert message.last_error == "URL refused: https only"
    assert receiver.requests == []


# Retries: same id, same body, back-off from the settings --------------------------------


@pytest.mark.django_db
def test_a_failure_is_retried_with_the_same_id_and_body_after_the_backoff(receiver, now):
    sub = subscribe(receiver)
    message = webhook(sub)
    receiver.plan(Answer(status=500))
    assert drain(now) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    wait = (message.next_attempt_at - now).total_seconds()
    assert 4.5 <= wait <= 5.5  # first wait of MPP_WEBHOOK_BACKOFF (5 s) +-10 %
    sub.refresh_from_db()
    assert sub.paused_until == message.next_attempt_at  # min(wait, 60 s)
    assert drain(now + dt.timedelta(seconds=4)) == 0  # not yet
    assert drain(now + dt.timedelta(seconds=6)) == 1
    assert status(message) == MessageStatus.DELIVERED and message.attempts == 2
    first, second = receiver.received
    assert first.webhook_id == second.webhook_id == message.webhook_id
    assert first.body == second.body == message.body
    assert first.verified and second.verified
    numbers = DeliveryAttempt.objects.filter(message=message).values_list("number", "outcome")
    assert sorted(numbers) == [(1, "failed"), (2, "delivered")]


def _fail_to_death(message: WebhookMessage, at: dt.datetime) -> tuple[dt.datetime, list]:
    """Drain at each next attempt time until `message` is finished; the waits seen."""
    waits = []
    while status(message) not in (MessageStatus.DEAD, MessageStatus.DELIVERED):
        drain(at)
        message.refresh_from_db()
        if message.status == MessageStatus.FAILED:
            waits.append((message.next_attempt_at - at).total_seconds())
            at = message.next_attempt_at
    return at, waits


@pytest.mark.django_db
def test_after_the_last_wait_the_message_is_dead_and_the_contact_told_once_a_day(
    receiver, settings
):
    settings.MPP_WEBHOOK_BACKOFF = [10, 100, 1000]
    receiver.answer(Answer(status=500, body="down for maintenance"))
    sub = subscribe(receiver, description="Status berkas SIAK")
    # Noon in the mall's time zone: the day's notice does not straddle midnight.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    first = webhook(sub, "ticket/1", at=noon - dt.timedelta(minutes=1))
    at, waits = _fail_to_death(first, noon)
    assert first.status == MessageStatus.DEAD and first.attempts == 4
    assert first.last_status_code == 500 and first.last_error == "HTTP 500"
    assert len(waits) == 3
    for wait, base in zip(waits, [10, 100, 1000], strict=True):
        assert base * 0.9 <= wait <= base * 1.1
    (notice,) = Message.objects.filter(template="webhook_dead")
    assert notice.recipient == CONTACT and notice.channel == "email"
    assert notice.context["webhook_id"] == first.webhook_id
    assert notice.context["event_type"] == "ticket.called"
    assert notice.context["subscription"] == str(sub.pk)
    assert notice.context["url"] == sub.url and notice.context["attempts"] == 4
    # Another message dies the same day: no second notice; the next day: one more.
    second = webhook(sub, "ticket/2", at=at)
    at, _ = _fail_to_death(second, at + dt.timedelta(hours=1))
    assert Message.objects.filter(template="webhook_dead").count() == 1
    third = webhook(sub, "ticket/3", at=at + dt.timedelta(days=1))
    _fail_to_death(third, at + dt.timedelta(days=1))
    assert Message.objects.filter(template="webhook_dead").count() == 2
    ids = [first.webhook_id, second.webhook_id, third.webhook_id]
    assert [r.webhook_id for r in receiver.received] == [i for i in ids for _ in range(4)]
    assert not receiver.rejected


@pytest.mark.django_db
def test_a_client_without_contact_gets_no_notice(receiver, now, settings):
    settings.MPP_WEBHOOK_BACKOFF = [1]
    receiver.answer(Answer(status=500))
    message = webhook(subscribe(receiver, client=api_client(contact="")))
    drain(now)
    drain(now + dt.timedelta(seconds=2))
    assert status(message) == MessageStatus.DEAD
    assert not Message.objects.filter(template="webhook_dead").exists()


@pytest.mark.django_db
def test_the_notices_render_in_english_and_indonesian(receiver, now, settings):
    from mpp.notifications.rendering import render

    settings.MPP_WEBHOOK_BACKOFF = [1]
    receiver.answer(Answer(status=500))
    webhook(subscribe(receiver))
    drain(now)
    drain(now + dt.timedelta(seconds=2))
    notice = Message.objects.get(template="webhook_dead")
    english = render(
        template=notice.template, channel="email", language="en", context=notice.context
    )
    assert "could not be delivered" in english.body and "HTTP 500" in english.body
    assert english.subject.startswith("Webhooks to http://127.0.0.1:")
    assert render(template=notice.template, channel="email", language="id", context=notice.context)


# The worker drains the webhooks -----------------------------------------------------------


@pytest.mark.django_db
def test_mpp_worker_drains_the_webhook_outbox(receiver, now):
    message = webhook(subscribe(receiver))
    result = run_once(now=now, jobs=False)
    assert result.drained == 1
    assert status(message) == MessageStatus.DELIVERED
    assert receiver.ids() == [message.webhook_id]


@pytest.mark.django_db
def test_limit_bounds_one_drain(receiver, now):
    sub = subscribe(receiver)
    for n in range(10):
        webhook(sub, f"ticket/{n}")
    assert drain(now, limit=3) == 3
    assert WebhookMessage.objects.filter(status=MessageStatus.DELIVERED).count() == 3
    assert drain(now) == 7
    assert len(set(receiver.ids())) == 10 and not receiver.duplicates()


# Retry-After -------------------------------------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates():
    clock = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    assert deliver.retry_after("120") == dt.timedelta(seconds=120)
    assert deliver.retry_after("Tue, 01 Dec 2026 09:00:00 GMT", clock=clock) == dt.timedelta(
        hours=1
    )
    assert deliver.retry_after("Tue, 01 Dec 2026 07:00:00 GMT", clock=clock) == dt.timedelta(
        seconds=1
    )
    assert deliver.retry_after("999999") == dt.timedelta(hours=24)
    assert deliver.retry_after("soon") is None
    assert deliver.retry_after("") is None and deliver.retry_after(None) is None


@pytest.mark.django_db
def test_should_stop_sends_nothing_more(receiver, now):
    message = webhook(subscribe(receiver))
    assert drain(now, should_stop=lambda: True) == 0
    assert status(message) == MessageStatus.PENDING and receiver.requests == []
