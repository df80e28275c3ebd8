"""Rate limits (mpp.core.ratelimit): sliding windows in Redis and in the cache, keys
without personal data, client addresses behind proxies, the in-process fallback while
Redis is down, and 429 answers of the booking API per IP and per NIK."""

import logging
import os
import time

import pytest
import redis
from django.test import RequestFactory

from mpp.core import cache as failsoft
from mpp.core import ratelimit
from mpp.core.ratelimit import (
    RateLimitResult,
    client_ip,
    nik_key,
    ratelimit_check,
    ratelimit_hit,
)
from tests.api.helpers import assert_error, post_json
from tests.core.booking_world import NIK, NIK_2, body, bookable_policy, counts, isolate_rate_limits
from tests.dead_redis import closed_port_url

REDIS_URL = os.environ.get("REDIS_URL") or "redis://localhost:6379/0"


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["cache", "redis", "redis-down"])
def backend(request, settings):
    """Each test runs on Django's cache (no REDIS_URL), on Redis, and on a dead Redis
    (the in-process fallback limiter must count the same)."""
    if request.param == "redis":
        if not redis_up():
            pytest.skip(f"no Redis at {REDIS_URL}")
        settings.REDIS_URL = REDIS_URL
    elif request.param == "redis-down":
        settings.REDIS_URL = closed_port_url()
        ratelimit.fallback_clear()
    else:
        settings.REDIS_URL = ""
    failsoft.breakers_reset()
    isolate_rate_limits(settings)
    yield request.param
    failsoft.breakers_reset()


def test_allows_up_to_the_limit_then_refuses_with_retry_after(backend):
    results = [ratelimit_hit(scope="t", key="k", limit=3, window_seconds=60) for _ in range(5)]
    assert [r.allowed for r in results] == [True, True, True, False, False]
    assert all(r.retry_after == 0 for r in results[:3])
    assert all(1 <= r.retry_after <= 120 for r in results[3:])
    assert results[4].retry_after >= results[3].retry_after  # hammering pushes it further
    other = ratelimit_hit(scope="t", key="other", limit=3, window_seconds=60)
    assert other.allowed  # keys count apart
    assert ratelimit_hit(scope="t2", key="k", limit=3, window_seconds=60).allowed  # scopes too


def test_redis_counters_expire(settings):
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.REDIS_URL = REDIS_URL
    isolate_rate_limits(settings)
    ratelimit_hit(scope="ttl", key="k", limit=3, window_seconds=30)
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys(f"{settings.MPP_RATELIMIT_PREFIX}:ttl:30:*")
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= 61
    client.delete(*keys)


def test_the_previous_window_still_weighs():
    # Half-way through a window after a full previous one: half of it still counts.
    assert ratelimit._result(prev=10, cur=5, elapsed=30, window=60, limit=10).allowed
    refused = ratelimit._result(prev=10, cur=6, elapsed=30, window=60, limit=10)
    assert not refused.allowed and refused.count == 11
    # cur + 1 fits once the previous window has faded to 3: 60 * (1 - 3/10) - 30 = 12 s
    assert refused.retry_after == 12
    # Over the limit in the current window alone: into the next one.
    alone = ratelimit._result(prev=0, cur=11, elapsed=30, window=60, limit=10)
    assert not alone.allowed and alone.retry_after == 41  # 30 left + 60 * (1 - 9/11) = 40.9


def test_redis_down_counts_in_process_with_one_warning(settings, caplog):
    settings.REDIS_URL = closed_port_url()  # nothing listens there: a killed Redis
    failsoft.breakers_reset()
    ratelimit.fallback_clear()
    caplog.set_level(logging.WARNING, logger="mpp.core.cache")
    results = [ratelimit_hit(scope="down", key="k", limit=2, window_seconds=60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, False, False]  # not fully open
    assert results[2].retry_after >= 1
    warnings = [r for r in caplog.records if "rate limits" in r.getMessage()]
    assert len(warnings) == 1
    failsoft.breakers_reset()


def test_redis_back_counts_in_redis_again(settings):
    """After an outage the breaker lets Redis be tried again; counts go back to Redis."""
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    isolate_rate_limits(settings)
    settings.REDIS_URL = closed_port_url()
    failsoft.breakers_reset()
    assert ratelimit_hit(scope="back", key="k", limit=5, window_seconds=60).allowed
    settings.REDIS_URL = REDIS_URL
    for _ in range(100):  # the breaker stays open for about two seconds
        if not ratelimit._breaker.is_open:
            break
        time.sleep(0.05)
    assert ratelimit_hit(scope="back", key="k", limit=5, window_seconds=60).allowed
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys(f"{settings.MPP_RATELIMIT_PREFIX}:back:60:*")
    assert len(keys) == 1 and int(client.get(keys[0])) == 1
    client.delete(*keys)
    failsoft.breakers_reset()


@pytest.mark.django_db
def test_booking_still_works_when_redis_is_down(client, mall, settings):
    policy, date = bookable_policy(mall)
    settings.REDIS_URL = closed_port_url()
    failsoft.breakers_reset()
    response = post_json(client, f"/api/v1/malls/{mall.code}/bookings", body(policy, date))
    assert response.status_code == 201


def test_nik_keys_are_digests_of_the_digits():
    key = nik_key(NIK)
    assert NIK not in key and NIK[:8] not in key and len(key) == 32
    assert nik_key("3210-0115.0590 0001") == key
    assert nik_key(NIK_2) != key


def test_client_ip_believes_only_trusted_proxies(settings):
    rf = RequestFactory()
    direct = rf.post("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(direct) == "203.0.113.7"  # no proxy configured: header ignored
    settings.MPP_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.1"]
    via = rf.post("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    assert client_ip(via) == "198.51.100.9"  # the right-most untrusted hop
    chain = rf.post(
        "/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.9, 192.168.1.1, 10.9.9.9"
    )
    assert client_ip(chain) == "198.51.100.9"
    spoof = rf.post("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert client_ip(spoof) == "203.0.113.7"  # not from a trusted proxy
    junk = rf.post("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="<script>")
    assert client_ip(junk) == "10.1.2.3"
    none = rf.post("/", REMOTE_ADDR="10.1.2.3")
    assert client_ip(none) == "10.1.2.3"


def test_named_limits_report_the_longest_wait(backend, settings):
    settings.MPP_RATE_LIMITS = {"x_ip": (5, 60), "x_nik": (1, 600)}
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.1")
    assert ratelimit_check(request, name="x", nik=NIK) == RateLimitResult(allowed=True)
    refused = ratelimit_check(request, name="x", nik=NIK)
    assert not refused.allowed and refused.retry_after > 60  # the NIK's 10-minute window
    assert ratelimit_check(request, name="x", nik=NIK_2).allowed
    settings.MPP_RATE_LIMITS = {}
    assert all(ratelimit_check(request, name="x", nik=NIK).allowed for _ in range(10))


# Over HTTP ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_posts_are_limited_per_ip(client, mall, backend, settings):
    settings.MPP_RATE_LIMITS = {"booking_ip": (2, 60), "booking_nik": None}
    policy, date = bookable_policy(mall)
    path = f"/api/v1/malls/{mall.code}/bookings"
    bad = body(policy, date, phone="x")  # refused, but still counted
    for _ in range(2):
        assert_error(post_json(client, path, bad, REMOTE_ADDR="198.51.100.20"), 422,
                     "invalid_phone")  # fmt: skip
    before = counts()
    limited = post_json(client, path, body(policy, date), REMOTE_ADDR="198.51.100.20")
    data = assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 120
    assert limited["Retry-After"] in data["message"]
    assert counts() == before
    elsewhere = post_json(client, path, body(policy, date), REMOTE_ADDR="198.51.100.21")
    assert elsewhere.status_code == 201


@pytest.mark.django_db
def test_booking_posts_are_limited_per_nik_from_any_address(client, mall, backend, settings):
    settings.MPP_RATE_LIMITS = {"booking_ip": (100, 60), "booking_nik": (2, 600)}
    policy, date = bookable_policy(mall)
    path = f"/api/v1/malls/{mall.code}/bookings"
    assert (
        post_json(client, path, body(policy, date), REMOTE_ADDR="198.51.100.30").status_code == 201
    )
    again = post_json(client, path, body(policy, date, slot="09:00"), REMOTE_ADDR="198.51.100.31")
    assert_error(again, 409, "duplicate_booking")
    before = counts()
    third = post_json(client, path, body(policy, date, slot="10:00"), REMOTE_ADDR="198.51.100.32")
    assert_error(third, 429, "rate_limited")
    assert int(third["Retry-After"]) > 60
    assert counts() == before
    other = post_json(client, path, body(policy, date, nik=NIK_2), REMOTE_ADDR="198.51.100.32")
    assert other.status_code == 201


@pytest.mark.django_db
def test_lookups_are_limited_per_ip(client, mall, backend, settings):
    settings.MPP_RATE_LIMITS = {"lookup_ip": (3, 60)}
    statuses = [
        client.get("/api/v1/bookings/ZZZZZZZZ", HTTP_X_NIK=NIK).status_code for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]
