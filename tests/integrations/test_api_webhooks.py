"""The webhooks API (issue 13): an agency system manages its own subscriptions.

Every operation is tried as the owning client, as another client (404, as for an
unknown id), as a client without the webhook.manage operation and as people (403),
and unauthenticated (401); refusals are JSON {"code", "message"} and write nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
import uuid

import pytest
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.accounts.services import token_create
from mpp.api import schemas_webhooks
from mpp.api.v1 import api
from mpp.core.models import Event
from mpp.integrations.models import (
    DeliveryAttempt,
    MessageStatus,
    Subscription,
    WebhookMessage,
)
from mpp.integrations.webhooks import subscriptions as services
from tests.api.helpers import assert_error, post_json
from tests.factories import (
    AgencyFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
    client_with_key,
)

BASE = "/api/v1/webhooks/subscriptions"
URL = "https://siak.example.go.id/mpp/webhook"


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def world(db):
    """A mall with a booth of the client's agency; the client (every operation), a
    client of another agency at the same mall, one without webhook.manage, and staff."""
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    agency = offering.booth.agency
    client, key = client_with_key(agency=agency, malls=[mall], name="SIAK")
    other_offering = OfferingFactory(booth__mall=mall)
    other, other_key = client_with_key(
        agency=other_offering.booth.agency, malls=[mall], name="Other"
    )
    _, limited_key = client_with_key(
        agency=agency, malls=[mall], operations=["case.process"], name="Limited"
    )
    national = UserFactory(role=Role.NATIONAL_ADMIN)
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    return {
        "mall": mall,
        "agency": agency,
        "service": offering.service,
        "other_service": other_offering.service,
        "client": client,
        "auth": bearer(key),
        "other": other,
        "other_auth": bearer(other_key),
        "limited_auth": bearer(limited_key),
        "people": [
            bearer(token_create(username=national.username)),
            bearer(token_create(username=manager.username)),
        ],
    }


def create(client, auth, **body):
    return post_json(client, BASE, {"url": URL, "events": ["case.*"], **body}, **auth)


def subscription_for(world, **kwargs) -> tuple[Subscription, str]:
    fields = {"client": world["client"], "url": URL, "events": ["ticket.*", "case.*"]}
    return services.subscription_create(**(fields | kwargs))


def message(subscription, n: int, *, status=MessageStatus.DELIVERED, at=None, **extra):
    at = at or timezone.now() - dt.timedelta(hours=1)
    return WebhookMessage.objects.create(
        subscription=subscription,
        webhook_id=f"msg_{uuid.uuid4().hex}",
        event_id=1000 + n,
        event_type="ticket.called",
        subject=f"ticket/{n}",
        occurred_at=at,
        body=json.dumps({"type": "ticket.called", "n": n}),
        status=status,
        attempts=1,
        next_attempt_at=at,
        delivered_at=at if status == MessageStatus.DELIVERED else None,
        **extra,
    )


# Creating --------------------------------------------------------------------------------


def test_a_client_subscribes_and_gets_its_secret_once(client, world):
    response = create(
        client,
        world["auth"],
        events=["case.*", "ticket.finished"],
        description="SIAK Majalengka",
        mall=world["mall"].code,
        service=world["service"].code,
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["secret"].startswith("whsec_")
    assert data["url"] == URL
    assert data["events"] == ["case.*", "ticket.finished"]
    assert data["status"] == "active"
    assert data["mall"] == world["mall"].code
    assert data["service"] == world["service"].code
    assert data["agency"] is None
    stored = Subscription.objects.get(pk=data["id"])
    assert stored.client_id == world["client"].pk
    assert stored.secret == data["secret"]
    assert stored.description == "SIAK Majalengka"

    # Never again: not in the list, not in a read, not in the event log.
    listed = client.get(BASE, **world["auth"])
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["items"]] == [data["id"]]
    read = client.get(f"{BASE}/{data['id']}", **world["auth"])
    assert read.status_code == 200
    for answer in (listed, read):
        assert data["secret"] not in answer.content.decode()
        assert "secret" not in json.dumps(answer.json()).replace("previous_secret", "")
    logged = Event.objects.filter(kind="subscription.created").get()
    assert data["secret"] not in json.dumps(logged.data)


def test_an_idempotency_key_gives_the_same_subscription_back(client, world):
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = create(client, {**world["auth"], **key})
    again = create(client, {**world["auth"], **key})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Subscription.objects.count() == 1
    other_body = create(client, {**world["auth"], **key}, events=["ticket.*"])
    assert_error(other_body, 422, "idempotency_key_reused")
    assert Subscription.objects.count() == 1
    # Another client's same key is another key altogether.
    theirs = post_json(
        client, BASE, {"url": URL, "events": ["case.*"]}, **world["other_auth"], **key
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "http://siak.example.go.id/hook"}, "invalid_url"),
        ({"url": "ftp://siak.example.go.id/hook"}, "invalid_url"),
        ({"events": ["ticket.nonsense"]}, "invalid_events"),
        ({"events": ["nonsense.*"]}, "invalid_events"),
        ({"mall": "no-such-mall"}, "invalid_filter"),
        ({"agency": "no-such-agency"}, "invalid_filter"),
        ({"service": "no-such-service"}, "invalid_filter"),
        ({"events": []}, "validation_error"),
        ({"events": "ticket.*"}, "validation_error"),
        ({"description": "nul\x00byte"}, "validation_error"),
        ({"url": "https://x.example/\x00"}, "validation_error"),
        ({"url": "x" * 501}, "validation_error"),
    ],
)
def test_bad_subscriptions_are_refused_and_write_nothing(client, world, body, code):
    before = Event.objects.count()
    assert_error(create(client, world["auth"], **body), 422, code)
    assert not Subscription.objects.exists()
    assert Event.objects.count() == before


def test_filters_outside_the_clients_scope_are_refused(client, world):
    elsewhere = MallFactory()
    for body in (
        {"mall": elsewhere.code},  # not one of the client's malls
        {"agency": AgencyFactory().code},  # not its agency
        {"service": world["other_service"].code},  # another agency's service
    ):
        assert_error(create(client, world["auth"], **body), 422, "invalid_filter")
    assert not Subscription.objects.exists()


def test_families_the_client_may_not_read_are_refused(client, world):
    world["client"].operations = ["webhook.manage", "case.process"]
    world["client"].save(update_fields=["operations"])
    refused = create(client, world["auth"], events=["ticket.*"])
    assert_error(refused, 422, "invalid_events")
    assert "ticket.*" in refused.json()["message"]
    assert create(client, world["auth"], events=["case.*"]).status_code == 201


def test_a_body_that_is_not_json_is_refused(client, world):
    body = json.dumps({"url": URL, "events": ["case.*"]})
    for key in ({}, {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}):
        response = client.post(BASE, body, content_type="text/plain", **world["auth"], **key)
        assert_error(response, 415, "unsupported_media_type")
    form = client.post(
        BASE, "url=x", content_type="application/x-www-form-urlencoded", **world["auth"]
    )
    assert_error(form, 400, "invalid_json")
    assert_error(
        client.post(BASE, "{", content_type="application/json", **world["auth"]),
        400,
        "invalid_json",
    )
    assert not Subscription.objects.exists()


# Who ----------------------------------------------------------------------------------------


def _every_operation(sid: str, webhook_id: str) -> list[tuple[str, str, dict | None]]:
    one = f"{BASE}/{sid}"
    return [
        ("post", BASE, {"url": URL, "events": ["case.*"]}),
        ("get", BASE, None),
        ("get", one, None),
        ("patch", one, {"description": "x"}),
        ("delete", one, None),
        ("post", f"{one}/rotate-secret", None),
        ("post", f"{one}/enable", None),
        ("get", f"{one}/deliveries", None),
        ("get", f"{one}/messages", None),
        ("post", f"{one}/replay", {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}),
        ("post", f"{one}/messages/{webhook_id}/replay", None),
    ]


def _call(client, method: str, path: str, body, auth: dict):
    if body is None:
        return getattr(client, method)(path, **auth)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", **auth)


def test_people_and_clients_without_the_operation_get_403(client, world):
    subscription, secret = subscription_for(world)
    sent = message(subscription, 1)
    for auth in [*world["people"], world["limited_auth"]]:
        for method, path, body in _every_operation(subscription.pk, sent.webhook_id):
            response = _call(client, method, path, body, auth)
            assert_error(response, 403, "forbidden")
    assert Subscription.objects.get().secret == secret  # nothing rotated, nothing deleted
    assert Subscription.objects.count() == 1


def test_without_credentials_401(client, world):
    subscription, _ = subscription_for(world)
    for method, path, body in _every_operation(subscription.pk, "msg_x"):
        assert_error(_call(client, method, path, body, {}), 401, "unauthorized")
    revoked_key = world["auth"]["HTTP_AUTHORIZATION"] + "x"
    response = client.get(BASE, HTTP_AUTHORIZATION=revoked_key)
    assert_error(response, 401, "unauthorized")


def test_another_clients_subscription_is_404_like_an_unknown_one(client, world):
    subscription, secret = subscription_for(world)
    sent = message(subscription, 1)
    ids = [subscription.pk, uuid.uuid4(), "not-a-uuid", "0" * 300]
    for sid in ids:
        auth = world["other_auth"] if sid == subscription.pk else world["auth"]
        for method, path, body in _every_operation(sid, sent.webhook_id)[2:]:
            response = _call(client, method, path, body, auth)
            assert_error(response, 404, "subscription_not_found")
    mine = subscription.pk
    listed = client.get(BASE, **world["other_auth"]).json()["items"]
    assert listed == []
    stored = Subscription.objects.get(pk=mine)
    assert stored.secret == secret and stored.description == ""
    assert WebhookMessage.objects.get().status == MessageStatus.DELIVERED


# Reading, changing, deleting --------------------------------------------------------------


def test_read_and_list_show_filters_and_status(client, world):
    first, _ = subscription_for(world, description="one", agency=world["agency"])
    second, _ = subscription_for(world, description="two")
    services.subscription_disable(subscription=second, reason="410 Gone")
    items = client.get(BASE, **world["auth"]).json()["items"]
    assert [i["id"] for i in items] == [str(first.pk), str(second.pk)]
    assert items[0]["agency"] == world["agency"].code
    assert items[1]["status"] == "disabled"
    assert items[1]["disabled_reason"] == "410 Gone"
    assert items[1]["disabled_at"] is not None
    read = client.get(f"{BASE}/{first.pk}", **world["auth"]).json()
    assert read == items[0]


def test_patch_changes_what_is_sent_and_nothing_else(client, world):
    subscription, secret = subscription_for(world, description="old")
    path = f"{BASE}/{subscription.pk}"
    response = client.patch(
        path,
        json.dumps({"events": ["case.completed"], "description": "new"}),
        content_type="application/json",
        **world["auth"],
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["events"] == ["case.completed"]
    assert data["description"] == "new"
    assert data["url"] == URL
    assert "secret" not in data
    stored = Subscription.objects.get()
    assert (stored.events, stored.url, stored.secret) == (["case.completed"], URL, secret)

    moved = client.patch(
        path,
        json.dumps({"url": "https://siak.example.go.id/v2"}),
        content_type="application/json",
        **world["auth"],
    )
    assert moved.json()["url"] == "https://siak.example.go.id/v2"
    assert moved.json()["events"] == ["case.completed"]

    for body, code in (
        ({"url": "http://plain.example"}, "invalid_url"),
        ({"events": ["bogus.thing"]}, "invalid_events"),
        ({"events": []}, "validation_error"),
    ):
        refused = client.patch(
            path, json.dumps(body), content_type="application/json", **world["auth"]
        )
        assert_error(refused, 422, code)
    stored.refresh_from_db()
    assert stored.url == "https://siak.example.go.id/v2"
    assert stored.events == ["case.completed"]
    not_json = client.patch(
        path, '{"description": "x"}', content_type="text/plain", **world["auth"]
    )
    assert_error(not_json, 415, "unsupported_media_type")


def test_delete_removes_the_subscription_and_its_messages(client, world):
    subscription, _ = subscription_for(world)
    message(subscription, 1)
    response = client.delete(f"{BASE}/{subscription.pk}", **world["auth"])
    assert response.status_code == 204
    assert response.content == b""
    assert not Subscription.objects.exists()
    assert not WebhookMessage.objects.exists()
    gone = client.get(f"{BASE}/{subscription.pk}", **world["auth"])
    assert_error(gone, 404, "subscription_not_found")


def test_rotating_gives_a_new_secret_and_keeps_the_old_one_a_day(client, world):
    subscription, old = subscription_for(world)
    response = post_json(client, f"{BASE}/{subscription.pk}/rotate-secret", **world["auth"])
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["secret"].startswith("whsec_") and data["secret"] != old
    until = dt.datetime.fromisoformat(data["previous_valid_until"])
    assert abs(until - (timezone.now() + dt.timedelta(hours=24))) < dt.timedelta(minutes=1)
    stored = Subscription.objects.get()
    assert (stored.secret, stored.previous_secret) == (data["secret"], old)
    read = client.get(f"{BASE}/{subscription.pk}", **world["auth"]).json()
    assert read["previous_secret_valid_until"] is not None
    assert data["secret"] not in json.dumps(read)


def test_a_retried_rotation_with_its_key_rotates_once(client, world):
    subscription, _ = subscription_for(world)
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    path = f"{BASE}/{subscription.pk}/rotate-secret"
    first = post_json(client, path, **world["auth"], **key)
    again = post_json(client, path, **world["auth"], **key)
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Subscription.objects.get().secret == first.json()["secret"]


def test_enable_after_a_disable(client, world):
    subscription, _ = subscription_for(world)
    services.subscription_disable(subscription=subscription, reason="410 Gone")
    response = post_json(client, f"{BASE}/{subscription.pk}/enable", **world["auth"])
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "active"
    assert data["disabled_reason"] == ""
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE


# The delivery log and the messages ---------------------------------------------------------


def test_the_delivery_log_pages_newest_first(client, world):
    subscription, _ = subscription_for(world)
    sent = message(subscription, 1)
    started = timezone.now() - dt.timedelta(minutes=30)
    attempts = []
    for number, outcome in enumerate(["failed", "timeout", "failed", "delivered"], start=1):
        attempts.append(
            DeliveryAttempt.objects.create(
                message=sent,
                subscription=subscription,
                number=number,
                started_at=started + dt.timedelta(minutes=number),
                outcome=outcome,
                status_code=None if outcome == "timeout" else (200 if number == 4 else 500),
                latency_ms=100 * number,
                response_excerpt="ok" if number == 4 else "boom",
                error="timed out" if outcome == "timeout" else "",
            )
        )
    other, _ = subscription_for(world)
    DeliveryAttempt.objects.create(
        message=message(other, 2),
        subscription=other,
        number=1,
        started_at=started,
        outcome="delivered",
        status_code=200,
    )
    path = f"{BASE}/{subscription.pk}/deliveries"
    first = client.get(path, {"limit": 3}, **world["auth"]).json()
    assert [i["attempt"] for i in first["items"]] == [4, 3, 2]
    assert first["next"] == attempts[1].pk
    top = first["items"][0]
    assert top == {
        "id": attempts[3].pk,
        "webhook_id": sent.webhook_id,
        "event_type": "ticket.called",
        "subject": "ticket/1",
        "attempt": 4,
        "started_at": top["started_at"],
        "outcome": "delivered",
        "status_code": 200,
        "latency_ms": 400,
        "response_excerpt": "ok",
        "error": "",
    }
    rest = client.get(path, {"limit": 3, "before": first["next"]}, **world["auth"]).json()
    assert [i["attempt"] for i in rest["items"]] == [1]
    assert rest["next"] is None
    failed = client.get(path, {"outcome": "failed"}, **world["auth"]).json()
    assert [i["attempt"] for i in failed["items"]] == [3, 1]
    for query in ({"limit": 101}, {"limit": 0}, {"outcome": "nope"}, {"before": "x"}):
        assert_error(client.get(path, query, **world["auth"]), 422, "validation_error")


def test_messages_list_by_status(client, world):
    subscription, _ = subscription_for(world)
    rows = [
        message(subscription, 1),
        message(subscription, 2, status=MessageStatus.DEAD, last_status_code=500),
        message(subscription, 3, status=MessageStatus.PENDING),
    ]
    path = f"{BASE}/{subscription.pk}/messages"
    page = client.get(path, {"limit": 2}, **world["auth"]).json()
    assert [m["subject"] for m in page["items"]] == ["ticket/3", "ticket/2"]
    assert page["next"] == rows[1].pk
    dead = client.get(path, {"status": "dead"}, **world["auth"]).json()["items"]
    assert len(dead) == 1
    assert dead[0]["webhook_id"] == rows[1].webhook_id
    assert dead[0]["type"] == "ticket.called"
    assert dead[0]["last_status_code"] == 500
    assert dead[0]["attempts"] == 1
    assert "body" not in dead[0]


def test_replaying_a_time_range(client, world):
    subscription, _ = subscription_for(world)
    now = timezone.now()
    inside = [
        message(subscription, 1, at=now - dt.timedelta(hours=5)),
        message(subscription, 2, status=MessageStatus.DEAD, at=now - dt.timedelta(hours=4)),
    ]
    waiting = message(subscription, 3, status=MessageStatus.PENDING, at=now - dt.timedelta(hours=4))
    before = message(subscription, 4, at=now - dt.timedelta(days=2))
    path = f"{BASE}/{subscription.pk}/replay"
    span = {
        "from": (now - dt.timedelta(hours=6)).isoformat(),
        "to": (now - dt.timedelta(hours=1)).isoformat(),
    }
    response = post_json(client, path, span, **world["auth"])
    assert response.status_code == 202, response.content
    assert response.json() == {"queued": 2}
    for row in inside:
        row.refresh_from_db()
        assert row.status == MessageStatus.PENDING
    before.refresh_from_db()
    assert before.status == MessageStatus.DELIVERED
    waiting.refresh_from_db()
    assert waiting.status == MessageStatus.PENDING

    for body in (
        {"from": span["to"], "to": span["from"]},  # backwards
        {"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"},  # over 31 days
        {"from": "0001-01-01T00:00:00+05:00", "to": "0001-01-02T00:00:00Z"},
        {"from": "9999-12-31T00:00:00Z", "to": "9999-12-31T23:59:59-05:00"},
    ):
        assert_error(post_json(client, path, body, **world["auth"]), 422, "invalid_range")
    assert_error(post_json(client, path, {"from": "x"}, **world["auth"]), 422, "validation_error")
    naive = {"from": "2026-01-01T00:00:00", "to": "2026-01-02T00:00:00"}
    assert post_json(client, path, naive, **world["auth"]).json() == {"queued": 0}


def test_replaying_one_message(client, world):
    subscription, _ = subscription_for(world)
    dead = message(subscription, 1, status=MessageStatus.DEAD)
    path = f"{BASE}/{subscription.pk}/messages/{dead.webhook_id}/replay"
    response = post_json(client, path, **world["auth"])
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["webhook_id"] == dead.webhook_id
    assert data["status"] == "pending"
    dead.refresh_from_db()
    assert dead.status == MessageStatus.PENDING
    body = dead.body
    assert WebhookMessage.objects.get().body == body  # the same bytes again
    for webhook_id in ("msg_unknown", "x" * 41, "msg_%00"):
        unknown = post_json(
            client, f"{BASE}/{subscription.pk}/messages/{webhook_id}/replay", **world["auth"]
        )
        assert_error(unknown, 404, "message_not_found")
    theirs, _ = services.subscription_create(client=world["other"], url=URL, events=["case.*"])
    foreign = message(theirs, 2, status=MessageStatus.DEAD)
    path = f"{BASE}/{subscription.pk}/messages/{foreign.webhook_id}/replay"
    assert_error(post_json(client, path, **world["auth"]), 404, "message_not_found")
    foreign.refresh_from_db()
    assert foreign.status == MessageStatus.DEAD


def test_a_disabled_subscription_is_enabled_before_replaying(client, world):
    subscription, _ = subscription_for(world)
    dead = message(subscription, 1, status=MessageStatus.DEAD)
    services.subscription_disable(subscription=subscription, reason="410 Gone")
    one = f"{BASE}/{subscription.pk}/messages/{dead.webhook_id}/replay"
    assert_error(post_json(client, one, **world["auth"]), 409, "subscription_disabled")
    span = {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}
    refused = post_json(client, f"{BASE}/{subscription.pk}/replay", span, **world["auth"])
    assert_error(refused, 409, "subscription_disabled")
    dead.refresh_from_db()
    assert dead.status == MessageStatus.DEAD


# The catalogue ----------------------------------------------------------------------------


def test_the_event_catalogue_is_public_with_examples(client, db):
    response = client.get("/api/v1/webhooks/event-types")
    assert response.status_code == 200
    items = {i["name"]: i for i in response.json()["items"]}
    called = items["ticket.called"]
    assert called["family"] == "ticket"
    assert called["operation"] == "ticket.read"
    assert called["description"]
    example = called["example"]
    assert example["specversion"] == "1.0"
    assert example["type"] == "ticket.called"
    assert example["id"].startswith("msg_")
    assert example["datacontenttype"] == "application/json"
    assert isinstance(example["data"], dict) and example["data"]
    assert {i["family"] for i in items.values()} >= {"ticket", "booking", "case"}
    public = [i for i in items.values() if i["family"] == "consultation"]
    assert public and all(i["operation"] is None for i in public)


# The contract -------------------------------------------------------------------------------


def _literal(name) -> set[str]:
    return set(typing.get_args(getattr(schemas_webhooks, name)))


def test_published_names_match_the_models():
    assert _literal("SubscriptionStatusName") == set(Subscription.Status.values)
    assert _literal("MessageStatusName") == set(MessageStatus.values)
    assert _literal("OutcomeName") == set(DeliveryAttempt.Outcome.values)


def test_every_webhooks_operation_is_documented_with_examples():
    spec = api.get_openapi_schema(path_prefix="/api/v1/")
    schemas = spec["components"]["schemas"]
    operations = [
        (path, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/v1/webhooks/")
        for op in ops.values()
    ]
    assert len(operations) == 12
    for path, op in operations:
        assert op["tags"] == ["webhooks"], path
        assert op.get("description"), path
        for status, answer in op["responses"].items():
            if not str(status).startswith("2") or "content" not in answer:
                continue
            ref = answer["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            assert schemas[ref].get("examples"), (path, status, ref)
        body = op.get("requestBody")
        if body:
            ref = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            assert schemas[ref].get("examples"), (path, ref)
    # Names of their own: a component of the same name would replace another router's.
    assert "webhook_id" in schemas["WebhookMessageOut"]["properties"]
    assert "webhook_id" not in schemas["MessageOut"]["properties"]  # the assistant's
    replay = schemas["ReplayIn"]
    assert set(replay["properties"]) == {"from", "to"}
