"""Redis as a helper, never a single point of failure: short timeouts, a circuit breaker,
and a Django cache that keeps answering while Redis is down.

Why: every Redis use (this cache, rate limits, board fan-out) sits on the path of
requests that write tickets and bookings. A killed Redis used to turn a committed ticket
into a 500 (the answer's wait estimate read the cache after the commit), and a hung one
(SIGSTOP) held each request for seconds. Now:

- REDIS_OPTIONS: socket and connect timeouts of REDIS_TIMEOUT_SECONDS (0.3 s) for every
  client, so a hung Redis costs at most that much once.
- Breaker: after a failure, Redis is not tried again for BREAKER_SECONDS (2 s) in this
  process; the callers use their fallback at once (no timeout per call while it is
  down), and one call tries Redis again afterwards.
- FailSoftRedisCache (settings.CACHES when REDIS_URL is set): Django's RedisCache, but
  a Redis error is never raised. Reads and writes go to an in-process locmem cache while
  Redis is unreachable (a read that was in Redis is a miss there: everything cached is
  something that can be computed again), and back to Redis when it answers.

What is cached must therefore never be the only copy of anything: a miss only costs a
recomputation. The kiosk's double-submit guard, which must survive, lives in the database
(core.idempotency), not here.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.3
BREAKER_SECONDS = 2.0
WARN_EVERY_SECONDS = 60.0

# Keyword arguments for every redis-py client and pool of this project.
REDIS_OPTIONS = {
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "retry_on_timeout": False,
}


class Breaker:
    """A circuit breaker for one use of Redis in this process.

    `allow()` is False for BREAKER_SECONDS after `failed()`; then one caller may try
    again (the others keep using the fallback until that try succeeds or fails).
    `failed()` logs a warning at most once a minute per breaker.
    """

    def __init__(self, name: str, seconds: float = BREAKER_SECONDS) -> None:
        self.name = name
        self.seconds = seconds
        self._open_until = 0.0
        self._warned_at = -WARN_EVERY_SECONDS
        self._lock = threading.Lock()
        _BREAKERS.append(self)

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def allow(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._open_until:
                return False
            if self._open_until:  # half-open: this caller tries, the others wait a bit
                self._open_until = now + min(self.seconds, REDIS_TIMEOUT_SECONDS * 2)
            return True

    def ok(self) -> None:
        if self._open_until:
            with self._lock:
                if self._open_until:
                    log.warning("redis (%s) answers again", self.name)
                self._open_until = 0.0

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.seconds
            warn = now - self._warned_at >= WARN_EVERY_SECONDS
            if warn:
                self._warned_at = now
        if warn:
            log.warning("redis (%s) unavailable, degraded mode: %s", self.name, type(exc).__name__)

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self._warned_at = -WARN_EVERY_SECONDS


_BREAKERS: list[Breaker] = []


def breakers_reset() -> None:
    """Close every breaker of this process (tests)."""
    for breaker in _BREAKERS:
        breaker.reset()


def redis_errors() -> tuple[type[BaseException], ...]:
    """What a failing Redis raises (connection refused, reset, timeout, a LOADING reply)."""
    return (redis.exceptions.RedisError, OSError)


_cache_breaker = Breaker("cache")


def _fail_soft(name: str):
    """A cache method that uses Redis while the breaker lets it, else the local cache."""

    def method(self, *args, **kwargs):
        if _cache_breaker.allow():
            try:
                result = getattr(super(FailSoftRedisCache, self), name)(*args, **kwargs)
            except redis_errors() as exc:
                _cache_breaker.failed(exc)
            except Exception:  # Redis answered (e.g. incr of a missing key: ValueError)
                _cache_breaker.ok()
                raise
            else:
                _cache_breaker.ok()
                return result
        return getattr(self._local, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"RedisCache.{name}, or the in-process cache while Redis is down."
    return method


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache that never raises a Redis error; see the module docstring.

    OPTIONS are passed to the redis-py pool as in RedisCache; use REDIS_OPTIONS (timeouts).
    """

    def __init__(self, server, params):
        options = {**REDIS_OPTIONS, **(params.get("OPTIONS") or {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self._local = LocMemCache(
            f"mpp-failsoft-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10000}},
        )

    @property
    def degraded(self) -> bool:
        """True while Redis is skipped (the in-process cache answers)."""
        return _cache_breaker.is_open

    add = _fail_soft("add")
    get = _fail_soft("get")
    set = _fail_soft("set")
    touch = _fail_soft("touch")
    delete = _fail_soft("delete")
    get_many = _fail_soft("get_many")
    has_key = _fail_soft("has_key")
    incr = _fail_soft("incr")
    set_many = _fail_soft("set_many")
    delete_many = _fail_soft("delete_many")
    clear = _fail_soft("clear")
