"""API clients and their keys: create, expire, rotate with overlap, revoke for good."""

import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.core.errors import Conflict, Invalid
from mpp.core.models import Event
from mpp.integrations.clients import (
    client_create,
    client_key_create,
    client_key_revoke,
    client_key_rotate,
    client_revoke,
    operations_all,
)
from mpp.integrations.models import (
    ApiClient,
    ApiClientKey,
    MessageStatus,
    Subscription,
    WebhookMessage,
)
from mpp.integrations.selectors import client_for_key, clients_visible
from tests.factories import AgencyFactory, MallFactory, UserFactory, client_with_key

pytestmark = pytest.mark.django_db


def _events(kind: str) -> list[Event]:
    return list(Event.objects.filter(kind=kind).order_by("id"))


def test_create_gives_a_key_that_is_stored_only_as_its_digest(mall):
    agency = AgencyFactory(code="disdukcapil")
    creator = UserFactory(role=Role.NATIONAL_ADMIN)
    client, raw = client_create(
        name="  SIAK Majalengka ",
        agency=agency,
        malls=[mall],
        contact_email="it@dukcapil.example",
        created_by=creator,
    )
    assert raw.startswith("mppc_") and len(raw) == 48
    assert client.name == "SIAK Majalengka" and client.agency == agency
    assert client.mall_ids == {mall.pk} and client.created_by == creator
    assert client.rate_limit_per_minute == 600
    # default operations: every action the access rule grants clients at their agency
    assert client.operations == operations_all()
    assert {"case.process", "ticket.read", "webhook.manage"} <= set(client.operations)
    assert "counter.operate" not in client.operations
    key = ApiClientKey.objects.get(client=client)
    assert key.prefix == raw[:12] and key.digest == ApiClientKey.digest_of(raw)
    assert raw not in {key.prefix, key.digest} and key.expires_at is None
    assert client_for_key(raw) == client

    (event,) = _events("client.created")
    assert event.subject_type == "api_client" and event.subject_id == str(client.pk)
    assert event.mall_id == mall.pk and event.actor_id == creator.pk
    assert event.data["agency"] == "disdukcapil" and event.data["key_prefix"] == raw[:12]
    stored = json.dumps(list(Event.objects.values("data")), default=str)
    assert raw not in stored and key.digest not in stored


def test_create_refuses_bad_input_and_writes_nothing(mall):
    agency = AgencyFactory()
    cases = [
        ({"name": ""}, "invalid_name"),
        ({"name": "x" * 101}, "invalid_name"),
        ({"malls": []}, "invalid_malls"),
        ({"operations": ["counter.operate"]}, "invalid_operations"),
        ({"operations": ["no.such"]}, "invalid_operations"),
        ({"contact_email": "not an address"}, "invalid_email"),
        ({"rate_limit_per_minute": 0}, "invalid_rate_limit"),
        ({"key_expires_at": timezone.now() - dt.timedelta(minutes=1)}, "invalid_expiry"),
    ]
    for change, code in cases:
        args = {"name": "Sistem", "agency": agency, "malls": [mall], **change}
        with pytest.raises(Invalid) as refused:
            client_create(**args)
        assert refused.value.code == code, change
    assert not ApiClient.objects.exists() and not ApiClientKey.objects.exists()
    assert not _events("client.created")


def test_operations_can_be_narrowed_and_a_client_of_several_malls_is_no_malls_event():
    first, second = MallFactory(), MallFactory()
    client, _raw = client_with_key(malls=[first, second, first], operations=["case.process"])
    assert client.operations == ["case.process"]
    assert client.mall_ids == {first.pk, second.pk}
    (event,) = _events("client.created")
    assert event.mall_id is None and event.data["mall_ids"] == sorted([first.pk, second.pk])


def test_an_expired_key_no_longer_works(clock):
    clock.move_to("2026-03-02T10:00:00+07:00")
    client, raw = client_with_key(key_expires_at=timezone.now() + dt.timedelta(days=30))
    assert client_for_key(raw) == client
    clock.move_to("2026-04-01T09:59:00+07:00")
    assert client_for_key(raw) == client
    clock.move_to("2026-04-01T10:00:01+07:00")
    assert client_for_key(raw) is None


def test_unknown_malformed_and_staff_tokens_are_not_client_keys():
    client_with_key()
    assert client_for_key("") is None
    assert client_for_key("mppc_" + "x" * 43) is None
    assert client_for_key("mpp_not-a-client-key") is None
    assert client_for_key("mppc_" + "x" * 500) is None


def test_last_used_is_written_at_most_once_a_minute(clock):
    clock.move_to("2026-03-02T10:00:00+07:00", tick=False)
    client, raw = client_with_key()
    assert client_for_key(raw) is not None
    first = ApiClient.objects.get(pk=client.pk).last_used_at
    assert first == timezone.now()
    assert ApiClientKey.objects.get(client=client).last_used_at == first
    clock.move_to("2026-03-02T10:00:59+07:00", tick=False)
    client_for_key(raw)
    assert ApiClient.objects.get(pk=client.pk).last_used_at == first
    clock.move_to("2026-03-02T10:01:00+07:00", tick=False)
    client_for_key(raw)
    later = ApiClient.objects.get(pk=client.pk).last_used_at
    assert later == timezone.now() and later > first
    assert ApiClientKey.objects.get(client=client).last_used_at == later


def test_rotation_lets_the_old_key_work_during_the_overlap_only(clock):
    clock.move_to("2026-03-02T10:00:00+07:00")
    client, old = client_with_key()
    new = client_key_rotate(client=client)
    assert new != old and new.startswith("mppc_")
    assert client_for_key(old) == client and client_for_key(new) == client
    old_key = ApiClientKey.objects.get(digest=ApiClientKey.digest_of(old))
    assert old_key.expires_at == pytest.approx(
        timezone.now() + dt.timedelta(days=7), abs=dt.timedelta(seconds=5)
    )
    clock.move_to("2026-03-09T09:59:00+07:00")
    assert client_for_key(old) == client
    clock.move_to("2026-03-09T10:00:10+07:00")
    assert client_for_key(old) is None and client_for_key(new) == client
    (event,) = _events("client.key_rotated")
    assert event.data["key_prefix"] == new[:12] and event.data["old_keys_shortened"] == 1
    assert new not in json.dumps(event.data) and old not in json.dumps(event.data)


def test_rotation_never_lengthens_an_old_keys_life(clock):
    clock.move_to("2026-03-02T10:00:00+07:00")
    soon = timezone.now() + dt.timedelta(days=2)
    client, old = client_with_key(key_expires_at=soon)
    client_key_rotate(client=client, overlap=dt.timedelta(days=7))
    assert ApiClientKey.objects.get(digest=ApiClientKey.digest_of(old)).expires_at == soon
    # an overlap of zero ends the old keys at once
    newer = client_key_rotate(client=client, overlap=dt.timedelta(0))
    assert client_for_key(newer) == client
    assert ApiClientKey.objects.filter(client=client).count() == 3
    valid = [k for k in ApiClientKey.objects.filter(client=client) if client_for_key_ok(k)]
    assert [k.prefix for k in valid] == [newer[:12]]
    with pytest.raises(Invalid):
        client_key_rotate(client=client, overlap=dt.timedelta(days=-1))


def client_for_key_ok(key: ApiClientKey) -> bool:
    now = timezone.now()
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


def test_an_extra_key_leaves_the_others_working():
    client, first = client_with_key()
    second = client_key_create(client=client)
    assert client_for_key(first) == client and client_for_key(second) == client
    assert [e.data["key_prefix"] for e in _events("client.key_created")] == [second[:12]]


def test_a_revoked_key_stays_revoked():
    client, raw = client_with_key()
    other = client_key_create(client=client)
    key = ApiClientKey.objects.get(digest=ApiClientKey.digest_of(raw))
    client_key_revoke(key=key)
    assert client_for_key(raw) is None and client_for_key(other) == client
    revoked_at = ApiClientKey.objects.get(pk=key.pk).revoked_at
    client_key_revoke(key=key)  # again: nothing changes, no second event
    assert ApiClientKey.objects.get(pk=key.pk).revoked_at == revoked_at
    assert len(_events("client.key_revoked")) == 1
    # rotation does not bring a revoked key back either
    client_key_rotate(client=client)
    assert ApiClientKey.objects.get(pk=key.pk).revoked_at == revoked_at
    assert client_for_key(raw) is None


def _subscription(client) -> Subscription:
    return Subscription.objects.create(
        client=client, url="https://agency.example/hook", events=["ticket.*"], secret="whsec_x"
    )


def _message(subscription, status, n) -> WebhookMessage:
    now = timezone.now()
    return WebhookMessage.objects.create(
        subscription=subscription,
        webhook_id=f"msg_{n:032x}",
        event_id=n,
        event_type="ticket.called",
        subject=f"ticket/{n}",
        occurred_at=now,
        body="{}",
        status=status,
        next_attempt_at=now,
    )


def test_revoking_a_client_is_for_good():
    client, raw = client_with_key()
    second = client_key_create(client=client)
    subscription = _subscription(client)
    pending = _message(subscription, MessageStatus.PENDING, 1)
    delivered = _message(subscription, MessageStatus.DELIVERED, 2)
    other_client, other_raw = client_with_key()
    other_pending = _message(_subscription(other_client), MessageStatus.PENDING, 3)

    client_revoke(client=client)
    assert client_for_key(raw) is None and client_for_key(second) is None
    assert not ApiClientKey.objects.filter(client=client, revoked_at__isnull=True).exists()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.DISABLED
    assert subscription.disabled_at is not None and subscription.disabled_reason
    assert WebhookMessage.objects.get(pk=pending.pk).status == MessageStatus.CANCELLED
    assert WebhookMessage.objects.get(pk=delivered.pk).status == MessageStatus.DELIVERED
    # another client is untouched
    assert client_for_key(other_raw) == other_client
    assert WebhookMessage.objects.get(pk=other_pending.pk).status == MessageStatus.PENDING
    (event,) = _events("client.revoked")
    assert event.data["keys_revoked"] == 2 and event.data["subscriptions_disabled"] == 1
    assert event.data["messages_cancelled"] == 1

    # never enabled again: not by the model, not by a new key, not by a rotation
    row = ApiClient.objects.get(pk=client.pk)
    row.revoked_at = None
    with pytest.raises(Conflict):
        row.save()
    for service in (client_key_create, client_key_rotate):
        with pytest.raises(Conflict) as refused:
            service(client=client)
        assert refused.value.code == "client_revoked"
    assert ApiClientKey.objects.filter(client=client).count() == 2
    client_revoke(client=client)  # again: no change, no second event
    assert len(_events("client.revoked")) == 1


def test_clients_visible_national_all_manager_only_all_own_mall_others_none(mall):
    elsewhere = MallFactory()
    own, _ = client_with_key(malls=[mall], name="Own")
    shared, _ = client_with_key(malls=[mall, elsewhere], name="Shared")
    theirs, _ = client_with_key(malls=[elsewhere], name="Theirs")
    national = UserFactory(role=Role.NATIONAL_ADMIN)
    superuser = UserFactory(role=Role.OFFICER, is_superuser=True)
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    supervisor = UserFactory(role=Role.BOOTH_SUPERVISOR, mall=mall)
    officer = UserFactory(role=Role.OFFICER, mall=mall)
    everyone = {own.pk, shared.pk, theirs.pk}
    assert set(clients_visible(national).values_list("pk", flat=True)) == everyone
    assert set(clients_visible(superuser).values_list("pk", flat=True)) == everyone
    assert list(clients_visible(manager)) == [own]
    assert not clients_visible(supervisor).exists()
    assert not clients_visible(officer).exists()
    assert not clients_visible(own).exists()  # a client manages no clients


def test_the_key_is_never_logged(caplog, mall):
    caplog.set_level(logging.DEBUG)
    client, raw = client_with_key(malls=[mall])
    new = client_key_rotate(client=client)
    client_for_key(new)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert raw not in logged and new not in logged
