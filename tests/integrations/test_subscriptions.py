"""Webhook subscriptions: URL rules, event types and filters within the client's scope,
secrets shown once and rotated with an overlap, disable/enable/delete, and replays."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from mpp.core.errors import Conflict, Invalid
from mpp.core.models import Event
from mpp.integrations.models import ApiClient, MessageStatus, Subscription, WebhookMessage
from mpp.integrations.webhooks import subscriptions as subs
from mpp.integrations.webhooks.catalogue import (
    EVENT_TYPES,
    FAMILY_OPERATION,
    families_for,
    pattern_matches,
    patterns_check,
    webhook_type,
    webhookable,
)
from mpp.integrations.webhooks.subscriptions import (
    message_replay,
    messages_replay,
    subscription_create,
    subscription_delete,
    subscription_disable,
    subscription_enable,
    subscription_secret_rotate,
    subscription_update,
    url_check,
)
from tests.factories import AgencyFactory, MallFactory, OfferingFactory, ServiceFactory

URL = "https://siak.example.go.id/mpp/hooks?token=receiver-own-token"
READS = ["ticket.read", "booking.read", "case.process", "complaint.read", "survey.report"]


@pytest.fixture
def mall(db):
    return MallFactory()


@pytest.fixture
def client(mall) -> ApiClient:
    offering = OfferingFactory(booth__mall=mall)
    client = ApiClient.objects.create(
        name="SIAK", agency=offering.booth.agency, operations=list(READS)
    )
    client.malls.set([mall])
    return client


def create(client, events=("ticket.*",), **kwargs):
    return subscription_create(client=client, url=URL, events=list(events), **kwargs)


def error_of(exc_info) -> str:
    return exc_info.value.code


# The catalogue -------------------------------------------------------------------------


def test_every_family_is_known_and_survey_answers_are_not_sent_one_by_one():
    assert {t.family for t in EVENT_TYPES.values()} <= set(FAMILY_OPERATION)
    assert webhookable("ticket.called") and webhookable("case.document_added")
    assert not webhookable("counter.opened") and not webhookable("booking.code_resent")
    # docs/survey-privacy.md: no event per answer; only surveys.digest's count of a
    # booth's ended day (from 5 answers) is sent, as "survey.submitted"
    assert webhookable("survey.submitted") and not webhookable("survey.answered")
    assert EVENT_TYPES["survey.submitted"].family == "survey"
    assert FAMILY_OPERATION["survey"] == "survey.report"


def test_a_log_kind_may_be_sent_under_another_webhook_type():
    # the consultation log keeps "consultation.topic_concluded"; receivers get the name
    assert webhook_type("consultation.topic_concluded") == "consultation.concluded"
    assert webhook_type("ticket.called") == "ticket.called"  # identity for everything else
    assert webhookable("consultation.topic_concluded")
    assert "consultation.concluded" in EVENT_TYPES
    assert "consultation.topic_concluded" not in EVENT_TYPES
    assert not webhookable("consultation.concluded")  # a public name, never a log kind


@pytest.mark.parametrize(
    ("patterns", "kind", "expected"),
    [
        (["ticket.called"], "ticket.called", True),
        (["ticket.*"], "ticket.called", True),
        (["*"], "case.ready", True),
        (["ticket.called"], "ticket.recalled", False),
        (["booking.*"], "ticket.called", False),
        (["ticket"], "ticket.called", False),
        ("ticket.*", "ticket.called", False),  # not a list: takes nothing
        ([], "ticket.called", False),
    ],
)
def test_pattern_matches(patterns, kind, expected):
    assert pattern_matches(patterns, kind) is expected


def test_patterns_are_cleaned_and_checked_against_the_client(client):
    assert patterns_check([" ticket.* ", "ticket.*", "case.ready", "*"], client) == [
        "ticket.*",
        "case.ready",
        "*",
    ]
    assert patterns_check(["consultation.*"], client) == ["consultation.*"]
    assert patterns_check(["consultation.concluded"], client) == ["consultation.concluded"]
    assert patterns_check(["survey.*", "survey.submitted"], client) == [
        "survey.*",
        "survey.submitted",
    ]
    bad_ones = (["ticket.nope"], ["nope.*"], ["survey.answered"], ["ticket"], [], [""])
    for bad in (*bad_ones, ["consultation.topic_concluded"], "ticket.*", [3]):
        with pytest.raises(Invalid) as refused:
            patterns_check(bad, client)
        assert error_of(refused) == "invalid_events"
    client.operations = ["ticket.read"]
    assert families_for(client) == ["ticket", "consultation"]
    with pytest.raises(Invalid) as refused:
        patterns_check(["ticket.*", "booking.created", "case.*"], client)
    assert "booking.created" in refused.value.message and "case.*" in refused.value.message
    client.operations = []
    assert patterns_check(["*"], client) == ["*"]  # the public families remain


# URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://siak.example.go.id/hooks",
        "https://10.1.2.3:8443/hooks?x=1",
        "  https://example.com/h  ",
    ],
)
def test_https_urls_are_taken(url):
    assert url_check(url) == url.strip()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://siak.example.go.id/hooks",
        "http://127.0.0.1:8000/hooks",  # local, but plain HTTP is not allowed here
        "ftp://example.com/hooks",
        "https://user:secret@example.com/hooks",
        "https://example.com/hooks#part",
        "https://",
        "not a url",
        "https://example.com/" + "a" * 500,
    ],
)
def test_other_urls_are_refused(url, settings):
    settings.MPP_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(Invalid) as refused:
        url_check(url)
    assert error_of(refused) == "invalid_url"


def test_plain_http_only_to_this_machine_and_only_when_allowed(settings):
    settings.MPP_WEBHOOK_ALLOW_HTTP = True
    for url in ("http://127.0.0.1:8000/h", "http://localhost:9/h", "http://[::1]:8080/h"):
        assert url_check(url) == url
    for url in ("http://example.com/h", "http://10.0.0.1/h", "http://127.0.0.2/h"):
        with pytest.raises(Invalid):
            url_check(url)


# Create ----------------------------------------------------------------------------------


def test_create_gives_the_secret_once_and_logs_without_it(client, mall):
    sub, secret = create(client, ["ticket.*", "case.ready"], description=" SIAK produksi ")
    sub.refresh_from_db()
    assert secret.startswith("whsec_") and sub.secret == secret
    assert sub.status == Subscription.Status.ACTIVE and sub.events == ["ticket.*", "case.ready"]
    assert sub.description == "SIAK produksi" and sub.url == URL
    event = Event.objects.get(kind="subscription.created")
    assert event.subject_id == str(sub.pk) and event.data["client_id"] == client.pk
    assert event.data["host"] == "siak.example.go.id"
    logged = json.dumps(list(Event.objects.values_list("data", flat=True)))
    assert secret not in logged and secret[6:] not in logged and "receiver-own-token" not in logged
    _, another = create(client)
    assert another != secret


def test_filters_must_lie_within_the_client_s_scope(client, mall):
    service = OfferingFactory(booth__mall=mall, booth__agency=client.agency).service
    sub, _ = create(client, mall=mall, agency=client.agency, service=service)
    assert (sub.mall, sub.agency, sub.service) == (mall, client.agency, service)
    refused = [
        {"mall": MallFactory()},
        {"agency": AgencyFactory()},
        {"service": ServiceFactory()},  # another agency's
    ]
    for filters in refused:
        with pytest.raises(Invalid) as exc:
            create(client, **filters)
        assert error_of(exc) == "invalid_filter"
    assert Subscription.objects.count() == 1


def test_bad_input_writes_nothing(client, settings):
    settings.MPP_WEBHOOK_ALLOW_HTTP = False
    for kwargs in (
        {"url": "http://example.com/h"},
        {"events": ["ticket.nope"]},
        {"description": "x" * 201},
    ):
        values = {"client": client, "url": URL, "events": ["ticket.*"], **kwargs}
        with pytest.raises(Invalid):
            subscription_create(**values)
    assert Subscription.objects.count() == 0
    assert not Event.objects.filter(kind__startswith="subscription.").exists()


def test_a_revoked_client_gets_no_subscription(client):
    client.revoked_at = timezone.now()
    client.save()
    with pytest.raises(Conflict) as refused:
        create(client)
    assert error_of(refused) == "client_revoked"


# Update, rotate --------------------------------------------------------------------------


def test_update_changes_only_what_is_given(client):
    sub, _ = create(client, description="lama")
    updated = subscription_update(subscription=sub, events=["case.*"])
    assert updated.events == ["case.*"] and updated.url == URL and updated.description == "lama"
    assert sub.events == ["case.*"]  # the caller's instance follows
    subscription_update(subscription=sub, url="https://baru.example.go.id/h", description="baru")
    sub.refresh_from_db()
    assert (sub.url, sub.description) == ("https://baru.example.go.id/h", "baru")
    with pytest.raises(Invalid):
        subscription_update(subscription=sub, url="https://ok.example.com/", events=["nope.*"])
    sub.refresh_from_db()
    assert sub.url == "https://baru.example.go.id/h" and sub.events == ["case.*"]
    changes = [e.data["changed"] for e in Event.objects.filter(kind="subscription.updated")]
    assert changes == [["events"], ["url", "description"]]


def test_rotation_keeps_the_old_secret_for_the_overlap(client):
    sub, first = create(client)
    before = timezone.now()
    second = subscription_secret_rotate(subscription=sub)
    sub.refresh_from_db()
    assert second != first and sub.secret == second and sub.previous_secret == first
    window = sub.previous_secret_until - before
    assert dt.timedelta(hours=23, minutes=59) < window <= dt.timedelta(hours=24, seconds=5)
    third = subscription_secret_rotate(subscription=sub, overlap=dt.timedelta(0))
    sub.refresh_from_db()
    assert sub.secret == third and sub.previous_secret == "" and sub.previous_secret_until is None
    with pytest.raises(Invalid):
        subscription_secret_rotate(subscription=sub, overlap=dt.timedelta(days=8))
    logged = json.dumps(list(Event.objects.values_list("data", flat=True)))
    assert not any(s in logged for s in (first, second, third))
    assert Event.objects.filter(kind="subscription.secret_rotated").count() == 2


# Disable, enable, delete ------------------------------------------------------------------


def message(sub, status=MessageStatus.PENDING, *, n=0, when=None, **fields) -> WebhookMessage:
    when = when or timezone.now()
    return WebhookMessage.objects.create(
        subscription=sub,
        webhook_id=f"msg_{sub.pk.hex[:8]}{n:024x}",
        event_id=n,
        event_type="ticket.called",
        subject=f"ticket/{n}",
        occurred_at=when,
        body=json.dumps({"n": n}),
        status=status,
        next_attempt_at=when,
        **fields,
    )


def statuses(sub) -> list[str]:
    return list(sub.messages.order_by("event_id").values_list("status", flat=True))


def test_disable_cancels_what_is_not_sent_and_enable_sends_from_now(client):
    sub, _ = create(client)
    other, _ = create(client)
    for n, status in enumerate(
        [
            MessageStatus.PENDING,
            MessageStatus.FAILED,
            MessageStatus.SENDING,
            MessageStatus.DELIVERED,
        ]
    ):
        message(sub, status, n=n)
    message(other, n=9)
    with pytest.raises(Invalid):
        subscription_disable(subscription=sub, reason="  ")
    disabled = subscription_disable(subscription=sub, reason="Penerima dipindahkan")
    assert disabled.status == Subscription.Status.DISABLED and sub.disabled_at is not None
    assert sub.disabled_reason == "Penerima dipindahkan"
    assert statuses(sub) == ["cancelled", "cancelled", "cancelled", "delivered"]
    assert statuses(other) == ["pending"]
    event = Event.objects.get(kind="subscription.disabled")
    assert event.data["cancelled"] == 3 and event.data["reason"] == "Penerima dipindahkan"
    subscription_disable(subscription=sub, reason="again")  # already disabled: no change
    assert Event.objects.filter(kind="subscription.disabled").count() == 1
    sub.paused_until = timezone.now() + dt.timedelta(hours=1)
    sub.save()
    enabled = subscription_enable(subscription=sub)
    assert enabled.status == Subscription.Status.ACTIVE and enabled.disabled_reason == ""
    assert enabled.paused_until is None and enabled.disabled_at is None
    assert statuses(sub) == ["cancelled", "cancelled", "cancelled", "delivered"]
    assert Event.objects.filter(kind="subscription.enabled").count() == 1


def test_disabling_tells_the_client_s_contact_once(client):
    from mpp.notifications.models import Message

    client.contact_email = "it@siak.example.go.id"
    client.save()
    sub, _ = create(client)
    subscription_disable(subscription=sub, reason="Dinonaktifkan oleh pengelola")
    subscription_disable(subscription=sub, reason="again")
    [notice] = Message.objects.filter(template="webhook_disabled")
    assert notice.recipient == "it@siak.example.go.id"
    assert notice.context["reason"] == "Dinonaktifkan oleh pengelola"
    assert "receiver-own-token" not in json.dumps(notice.context)  # the URL's query stays


def test_a_revoked_client_s_subscription_is_not_enabled(client):
    sub, _ = create(client)
    subscription_disable(subscription=sub, reason="Klien dicabut")
    ApiClient.objects.filter(pk=client.pk).update(revoked_at=timezone.now())
    with pytest.raises(Conflict) as refused:
        subscription_enable(subscription=sub)
    assert error_of(refused) == "client_revoked"


def test_delete_removes_the_subscription_and_its_messages(client):
    sub, _ = create(client)
    message(sub)
    subscription_delete(subscription=sub)
    assert not Subscription.objects.exists() and not WebhookMessage.objects.exists()
    event = Event.objects.get(kind="subscription.deleted")
    assert event.subject_id == str(sub.pk) and "token" not in json.dumps(event.data)


# Replays -------------------------------------------------------------------------------


def test_a_range_replay_requeues_finished_messages_with_their_id_and_body(client):
    sub, _ = create(client)
    start = timezone.now() - dt.timedelta(days=2)
    inside = start + dt.timedelta(hours=1)
    rows = [
        message(sub, MessageStatus.DELIVERED, n=1, when=inside, attempts=1, delivered_at=inside),
        message(sub, MessageStatus.DEAD, n=2, when=inside, attempts=8, last_status_code=500),
        message(sub, MessageStatus.CANCELLED, n=3, when=inside),
        message(sub, MessageStatus.PENDING, n=4, when=inside),  # not finished: untouched
        message(sub, MessageStatus.DELIVERED, n=5, when=start - dt.timedelta(seconds=1)),
        message(sub, MessageStatus.DELIVERED, n=6, when=start + dt.timedelta(days=1)),  # == end
    ]
    before = timezone.now()
    queued = messages_replay(subscription=sub, start=start, end=start + dt.timedelta(days=1))
    assert queued == 3
    assert statuses(sub) == ["pending", "pending", "pending", "pending", "delivered", "delivered"]
    for row in rows[:3]:
        fresh = WebhookMessage.objects.get(pk=row.pk)
        assert (fresh.webhook_id, fresh.body, fresh.attempts) == (
            row.webhook_id,
            row.body,
            row.attempts,
        )
        assert fresh.next_attempt_at >= before and fresh.delivered_at is None
    assert Event.objects.get(kind="subscription.replayed").data["queued"] == 3


def test_a_range_replay_is_bounded(client, monkeypatch):
    sub, _ = create(client)
    now = timezone.now()
    bad = [
        (now, now),
        (now, now - dt.timedelta(seconds=1)),
        (now - dt.timedelta(days=31, seconds=1), now),
        (dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)),  # no time zone
        ("2026-01-01", now),
    ]
    for start, end in bad:
        with pytest.raises(Invalid) as refused:
            messages_replay(subscription=sub, start=start, end=end)
        assert error_of(refused) == "invalid_range"
    monkeypatch.setattr(subs, "REPLAY_MESSAGES_MAX", 2)
    for n in range(3):
        message(sub, MessageStatus.DELIVERED, n=n, when=now - dt.timedelta(hours=1))
    with pytest.raises(Invalid) as refused:
        messages_replay(subscription=sub, start=now - dt.timedelta(days=31), end=now)
    assert error_of(refused) == "invalid_range" and "3" in refused.value.message
    assert statuses(sub) == ["delivered"] * 3  # nothing half-done


def test_one_message_is_sent_again_and_a_disabled_subscription_replays_nothing(client):
    sub, _ = create(client)
    dead = message(sub, MessageStatus.DEAD, n=1, attempts=8)
    sending = message(sub, MessageStatus.SENDING, n=2, attempts=1)
    again = message_replay(message=dead)
    assert again.status == MessageStatus.PENDING and again.attempts == 8
    assert again.webhook_id == dead.webhook_id and again.body == dead.body
    assert message_replay(message=sending).status == MessageStatus.SENDING  # its dispatcher's
    subscription_disable(subscription=sub, reason="Pemeliharaan")
    for call in (
        lambda: message_replay(message=dead),
        lambda: messages_replay(
            subscription=sub, start=timezone.now() - dt.timedelta(days=1), end=timezone.now()
        ),
    ):
        with pytest.raises(Conflict) as refused:
            call()
        assert error_of(refused) == "subscription_disabled"
