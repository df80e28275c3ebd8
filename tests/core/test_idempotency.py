"""Idempotency keys: the records (mpp.core.idempotency) and the header on API POSTs
(mpp.api.idempotency): replay, key reuse, in flight, expiry, and real concurrency."""

import asyncio
import datetime as dt
import json
import uuid

import httpx
import pytest
from django.utils import timezone

from mpp.bookings.models import Booking
from mpp.core.errors import Conflict, Invalid
from mpp.core.idempotency import (
    STALE_AFTER,
    TTL,
    idempotency_claim,
    idempotency_complete,
    idempotency_purge,
    idempotency_release,
    request_fingerprint,
    scope_digest,
)
from mpp.core.models import IdempotencyRecord
from mpp.notifications.periodic import registered, run_due
from mpp.queueing.models import Ticket
from tests.api.helpers import assert_error, post_json
from tests.core.booking_world import NIK, NIK_2, body, bookable_policy, counts, isolate_rate_limits
from tests.factories import kiosk_headers

pytestmark = pytest.mark.django_db

SCOPE = scope_digest("POST", "/api/v1/malls/x/bookings", "anon")


@pytest.fixture(autouse=True)
def own_counters(settings):
    isolate_rate_limits(settings)


# Records ----------------------------------------------------------------------------


def test_claim_complete_replay_and_reuse():
    fp = request_fingerprint(b'{"a": 1, "b": 2}')
    outcome, record = idempotency_claim(scope=SCOPE, key="k1", fingerprint=fp)
    assert outcome == "new" and record.status_code is None
    with pytest.raises(Conflict) as in_flight:
        idempotency_claim(scope=SCOPE, key="k1", fingerprint=fp)
    assert in_flight.value.code == "idempotency_in_progress"
    idempotency_complete(record=record, status_code=201, response='{"code": "X"}')
    same = request_fingerprint(b'{"b":2,"a":1}')  # key order and spacing do not matter
    outcome, again = idempotency_claim(scope=SCOPE, key="k1", fingerprint=same)
    assert outcome == "replay" and again.pk == record.pk
    assert (again.status_code, again.response) == (201, '{"code": "X"}')
    with pytest.raises(Invalid) as reused:
        idempotency_claim(scope=SCOPE, key="k1", fingerprint=request_fingerprint(b'{"a": 2}'))
    assert reused.value.code == "idempotency_key_reused"
    other_scope = scope_digest("POST", "/api/v1/malls/y/bookings", "anon")
    assert idempotency_claim(scope=other_scope, key="k1", fingerprint=fp)[0] == "new"
    assert IdempotencyRecord.objects.count() == 2


def test_scope_and_fingerprint_are_digests_that_tell_requests_apart():
    assert scope_digest("POST", "/p", "user:1") != scope_digest("POST", "/p", "user:2")
    assert scope_digest("post", "/p", "anon") == scope_digest("POST", "/p", "anon")
    a = request_fingerprint(json.dumps({"nik": NIK}).encode())
    assert NIK not in a and len(a) == 64
    assert request_fingerprint(b"{}", NIK) != request_fingerprint(b"{}", NIK_2)
    assert request_fingerprint(b"not json") != request_fingerprint(b"not json!")


def test_abandoned_claim_is_taken_over_and_expired_keys_start_again():
    fp = request_fingerprint(b"{}")
    now = timezone.now()
    _, record = idempotency_claim(scope=SCOPE, key="crashed", fingerprint=fp, now=now)
    later = now + STALE_AFTER + dt.timedelta(seconds=1)
    outcome, taken = idempotency_claim(scope=SCOPE, key="crashed", fingerprint=fp, now=later)
    assert outcome == "new" and taken.pk == record.pk and taken.created_at == later
    idempotency_complete(record=taken, status_code=409, response="{}")
    day_later = later + TTL
    other = request_fingerprint(b'{"x": 1}')
    outcome, fresh = idempotency_claim(scope=SCOPE, key="crashed", fingerprint=other, now=day_later)
    assert outcome == "new" and fresh.status_code is None and fresh.response == ""


def test_release_forgets_only_claims_in_flight():
    fp = request_fingerprint(b"{}")
    _, pending = idempotency_claim(scope=SCOPE, key="p", fingerprint=fp)
    _, done = idempotency_claim(scope=SCOPE, key="d", fingerprint=fp)
    idempotency_complete(record=done, status_code=201, response="{}")
    idempotency_release(record=pending)
    idempotency_release(record=done)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["d"]


def test_purge_drops_records_older_than_a_day_and_runs_in_the_worker():
    fp = request_fingerprint(b"{}")
    now = timezone.now()
    idempotency_claim(scope=SCOPE, key="old", fingerprint=fp, now=now - TTL - dt.timedelta(1))
    idempotency_claim(scope=SCOPE, key="new", fingerprint=fp, now=now)
    assert idempotency_purge(now=now) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert "core.idempotency_purge" in {job.name for job in registered()}
    idempotency_claim(scope=SCOPE, key="old2", fingerprint=fp, now=now - TTL - dt.timedelta(1))
    assert "core.idempotency_purge" in run_due()
    assert not IdempotencyRecord.objects.filter(key="old2").exists()


# Over HTTP ---------------------------------------------------------------------------


@pytest.fixture
def world(mall):
    return bookable_policy(mall)


def key_header(key=None):
    return {"HTTP_IDEMPOTENCY_KEY": key or str(uuid.uuid4())}


def test_a_retried_booking_gets_the_first_answer(client, world):
    policy, date = world
    path = f"/api/v1/malls/{policy.offering.mall.code}/bookings"
    key = key_header()
    first = post_json(client, path, body(policy, date), **key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    before = counts()
    retry = post_json(client, path, body(policy, date), **key)
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert counts() == before
    assert Booking.objects.count() == 1
    # Without the key, the same request is a new attempt: one booking per NIK.
    assert_error(post_json(client, path, body(policy, date)), 409, "duplicate_booking")


def test_same_key_with_another_body_is_422_and_writes_nothing(client, world):
    policy, date = world
    path = f"/api/v1/malls/{policy.offering.mall.code}/bookings"
    key = key_header()
    assert post_json(client, path, body(policy, date), **key).status_code == 201
    before = counts()
    response = post_json(client, path, body(policy, date, nik=NIK_2), **key)
    assert_error(response, 422, "idempotency_key_reused")
    assert counts() == before


def test_a_refusal_is_replayed_too(client, world):
    policy, date = world
    mall = policy.offering.mall
    path = f"/api/v1/malls/{mall.code}/bookings"
    codes = []
    for nik in ["3210010101800001", "3210010201800002", "3210010301800003"]:
        codes.append(post_json(client, path, body(policy, date, nik=nik)).json()["code"])
    key = key_header()
    full = post_json(client, path, body(policy, date), **key)
    assert_error(full, 409, "slot_full")
    client.delete(f"/api/v1/bookings/{codes[0]}", HTTP_X_NIK="3210010101800001")
    replay = post_json(client, path, body(policy, date), **key)
    assert_error(replay, 409, "slot_full")
    assert replay["Idempotent-Replayed"] == "true"
    fresh = post_json(client, path, body(policy, date), **key_header())
    assert fresh.status_code == 201  # a new key is a new attempt: the freed place


def test_a_request_still_in_flight_is_409(client, world):
    policy, date = world
    path = f"/api/v1/malls/{policy.offering.mall.code}/bookings"
    data = body(policy, date)
    idempotency_claim(
        scope=scope_digest("POST", path, "anon"),
        key="in-flight-1",
        fingerprint=request_fingerprint(json.dumps(data).encode(), ""),
    )
    before = counts()
    response = post_json(client, path, data, **key_header("in-flight-1"))
    assert_error(response, 409, "idempotency_in_progress")
    assert response["Retry-After"] == "1"
    assert counts() == before


@pytest.mark.parametrize("key", ["has space", "ключ", ""])
def test_bad_keys_are_refused(client, world, key):
    policy, date = world
    path = f"/api/v1/malls/{policy.offering.mall.code}/bookings"
    before = counts()
    response = post_json(client, path, body(policy, date), HTTP_IDEMPOTENCY_KEY=key)
    assert_error(response, 422, "invalid_idempotency_key")
    assert counts() == before


def test_a_kiosk_retry_never_prints_two_tickets(client, mall, offering):
    path = f"/api/v1/malls/{mall.code}/tickets"
    client.defaults.update(kiosk_headers(mall))  # a registered kiosk of the mall
    key = key_header()
    first = post_json(client, path, {"service": offering.service.code}, **key)
    retry = post_json(client, path, {"service": offering.service.code}, **key)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["number"] == first.json()["number"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert post_json(client, path, {"service": offering.service.code}).status_code == 201
    assert Ticket.objects.count() == 2


def test_rate_limited_requests_are_not_kept_but_replays_still_answer(client, world, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "booking_nik": (1, 600)}
    policy, date = world
    path = f"/api/v1/malls/{policy.offering.mall.code}/bookings"
    key = key_header()
    assert post_json(client, path, body(policy, date), **key).status_code == 201
    records = IdempotencyRecord.objects.count()
    limited = post_json(client, path, body(policy, date, slot="09:00"), **key_header())
    assert_error(limited, 429, "rate_limited")
    assert IdempotencyRecord.objects.count() == records  # not kept: a retry runs again
    replay = post_json(client, path, body(policy, date), **key)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"


def test_staff_keys_are_their_own(client, world):
    from mpp.accounts.services import token_create
    from tests.factories import UserFactory

    policy, _ = world
    mall = policy.offering.mall
    a = UserFactory(mall=mall)
    b = UserFactory(mall=mall)
    scopes = set()
    path = "/api/v1/staff/bookings/00000000-0000-4000-8000-000000000000/check-in"
    for user in (a, b):  # staff check in by booking id (never a code in a URL)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=user.username)}"}
        response = post_json(client, path, **auth, **key_header("shared-key"))
        assert_error(response, 404, "booking_not_found")
        scopes.add(IdempotencyRecord.objects.get(scope=scope_digest(
            "POST", path, f"user:{user.pk}")).scope)  # fmt: skip
    assert len(scopes) == 2


# Real concurrency --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_book_once(server_url, mall, settings):
    """Ten copies of one request with one key, at once: one booking; every answer is the
    booking (first or replayed) or 409 idempotency_in_progress."""
    settings.MPP_RATE_LIMITS = {}  # ten requests of one NIK at once: not what is tested here
    settings.MPP_BOOKING_QUEUE_SECONDS = 60  # nor is shedding, on a busy machine
    policy, date = bookable_policy(mall)
    path = f"{server_url}/api/v1/malls/{mall.code}/bookings"
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    async def fire():
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(
                *(client.post(path, json=body(policy, date), headers=headers) for _ in range(10))
            )

    responses = asyncio.run(fire())
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = [r.json() for r in responses if r.status_code == 201]
    assert created and len({c["code"] for c in created}) == 1
    for r in responses:
        if r.status_code == 409:
            assert r.json()["code"] == "idempotency_in_progress"
    assert Booking.objects.count() == 1
    # Once the first has finished, every retry is a replay.
    again = httpx.post(path, json=body(policy, date), headers=headers, timeout=30)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == created[0]["code"]
