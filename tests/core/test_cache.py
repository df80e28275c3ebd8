"""The fail-soft cache (mpp.core.cache): a dead Redis is a miss and a local write, never an
error; the breaker skips Redis for a while; a Redis that comes back is used again."""

import logging
import time

import pytest
import redis
from django.core.cache import cache, caches

from mpp.core import cache as failsoft
from tests.dead_redis import PrivateRedis, closed_port_url, redis_down  # noqa: F401


def failsoft_settings(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "mpp.core.cache.FailSoftRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "mpp-test",
        }
    }
    failsoft.breakers_reset()


@pytest.mark.usefixtures("redis_down")
def test_a_dead_redis_answers_from_the_local_cache_without_errors(caplog):
    caplog.set_level(logging.WARNING, logger="mpp.core.cache")
    assert cache.get("nothing") is None
    assert cache.get("nothing", "fallback") == "fallback"
    cache.set("mean", 7.5, 30)
    assert cache.get("mean") == 7.5  # the in-process cache keeps it meanwhile
    assert cache.add("once", 1) is True and cache.add("once", 2) is False
    assert cache.incr("once") == 2
    with pytest.raises(ValueError):
        cache.incr("missing")  # the cache's own contract, not a Redis error
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
    cache.delete("a")
    assert cache.get("a") is None and cache.has_key("b")
    assert cache.get_or_set("computed", lambda: 42) == 42
    assert caches["default"].degraded
    warnings = [r for r in caplog.records if "redis (cache) unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once, not once per call


def test_the_cache_client_has_short_timeouts(settings):
    failsoft_settings(settings, closed_port_url())
    kwargs = caches["default"]._cache._pool_options
    assert kwargs["socket_timeout"] == failsoft.REDIS_TIMEOUT_SECONDS <= 0.5
    assert kwargs["socket_connect_timeout"] == failsoft.REDIS_TIMEOUT_SECONDS


def test_the_breaker_skips_redis_then_lets_one_try(monkeypatch):
    breaker = failsoft.Breaker("test", seconds=0.2)
    assert breaker.allow()
    breaker.failed(ConnectionError("refused"))
    assert breaker.is_open and not breaker.allow()
    time.sleep(0.25)
    assert breaker.allow()  # one caller tries again
    assert not breaker.allow()  # the others keep using the fallback meanwhile
    breaker.ok()
    assert breaker.allow() and not breaker.is_open


def test_redis_killed_then_back(settings):
    """Values go to Redis while it runs, to the local cache while it is dead, and to
    the (new, empty) Redis again once it is back."""
    server = PrivateRedis()
    server.start()
    try:
        failsoft_settings(settings, server.url)
        cache.set("k", "in redis")
        assert cache.get("k") == "in redis" and not caches["default"].degraded
        server.kill()
        assert cache.get("k") is None  # a miss, not an error
        cache.set("k", "local")
        assert cache.get("k") == "local" and caches["default"].degraded
        server.start()
        deadline = time.monotonic() + 5
        while True:  # the breaker lets a call try Redis again after about two seconds
            cache.get("probe")
            if not caches["default"].degraded:
                break
            assert time.monotonic() < deadline, "Redis was not used again"
            time.sleep(0.05)
        cache.set("k", "in redis again")
        assert cache.get("k") == "in redis again"
        raw = redis.Redis.from_url(server.url)
        assert raw.exists("mpp-test:1:k") == 1
        raw.close()
    finally:
        server.kill()
        failsoft.breakers_reset()
