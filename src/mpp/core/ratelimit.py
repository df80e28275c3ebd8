"""Rate limits per client IP and per NIK: sliding-window counters in Redis or the cache.

Why: when the day's quota opens at 07:00, one script (or one impatient person with a
refresh key) must not take more than a fair share of the server, nor try NIK after NIK
or code after code. Every limit is a named (count, seconds) pair in
settings.MPP_RATE_LIMITS, e.g. "booking_ip": 30 booking writes per minute per IP,
"booking_nik": 5 per 10 minutes per NIK (env MPP_RATE_BOOKING_IP="30/60", ...).

    result = ratelimit_hit(scope="booking_ip", key=client_ip(request), limit=30,
                           window_seconds=60)
    if not result.allowed: answer 429 with Retry-After: result.retry_after

or, for the named limits of settings.MPP_RATE_LIMITS ("<name>_ip", "<name>_nik"):

    ratelimit_enforce(request, name="booking", nik=nik)  # raises RateLimited (429)

Counting: a sliding window approximated from two fixed windows (the current count plus
the previous window's count weighted by how much of it still overlaps), so a client
cannot double its rate at a window boundary. Every hit counts, refused ones too: a
client that keeps hammering stays refused until it slows down.

Storage: with settings.REDIS_URL, Redis (INCR + EXPIRE + GET of the previous window in
one MULTI pipeline: one round trip, shared by every server process). Without it,
Django's default cache: locmem is PER PROCESS, so with N uvicorn workers a client gets
up to N times the limit (run Redis in production).

When Redis fails (refused, reset, or no answer within 0.3 s: core.cache.REDIS_OPTIONS),
every limit falls back to an in-process limiter with the same numbers (a LocMemCache of
this module, never Redis): the request is counted and allowed or refused as usual, but per
server process, so with N processes a client may get up to N times a limit while Redis
is down. A circuit breaker (core.cache.Breaker) then skips Redis for 2 s, so a hung
Redis costs one timeout per process every 2 s, not one per request; a warning is logged
at most once a minute. No limit fails closed (refusing bookings or searches because a
helper is down would make Redis a single point of failure), and none fails fully open
(a script could then try NIK after NIK while Redis is down). If even the in-process
limiter fails, the request is allowed: a broken limiter must never turn into 500s.

Keys never hold personal data: a NIK is keyed by its HMAC digest (mpp.core.pii), and
nothing here logs a key. Client IP: REMOTE_ADDR, or, when the request comes from one of
settings.MPP_TRUSTED_PROXIES (IPs or networks), the right-most X-Forwarded-For address
that is not itself a trusted proxy. (uvicorn already applies X-Forwarded-For from the
addresses in its FORWARDED_ALLOW_IPS, by default 127.0.0.1, before Django sees it.)
Mobile networks put many people behind one address (CGNAT): keep per-IP limits loose.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.core.cache import REDIS_OPTIONS, Breaker, redis_errors
from mpp.core.errors import DomainError
from mpp.core.pii import nik_digest

log = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60.0

_breaker = Breaker("rate limits")
# The in-process limiter used while Redis is down (never the default cache: that may be
# Redis too). Same keys, same windows, counted per process.
_fallback = LocMemCache("mpp-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 20000}})


def fallback_clear() -> None:
    """Forget the in-process fallback counts (tests)."""
    _fallback.clear()


@dataclass(frozen=True)
class RateLimitResult:
    """The outcome of one hit: allowed or not, and when to come back (whole seconds)."""

    allowed: bool
    retry_after: int = 0
    count: float = 0.0  # the sliding-window estimate, this hit included
    limit: int = 0


class RateLimited(DomainError):
    """Too many requests: the API answers 429 {"code": "rate_limited"} with Retry-After."""

    status = 429
    code = "rate_limited"
    default_message = gettext_lazy("Too many requests. Please wait a moment and try again.")

    def __init__(self, retry_after: int, message=None):
        self.retry_after = max(int(retry_after), 1)
        super().__init__(
            message
            or _("Too many requests. Please try again in %(seconds)d seconds.")
            % {"seconds": self.retry_after}
        )


# Counting ------------------------------------------------------------------------


def _retry_after(prev: int, cur: int, elapsed: float, window: int, limit: int) -> int:
    """Seconds until one more hit would be allowed, if nobody else hits meanwhile."""
    if cur + 1 <= limit:  # blocked by the previous window's weight: wait for it to fade
        wait = window * (1 - (limit - cur - 1) / prev) - elapsed if prev else 0.0
    else:  # the current window alone is over: wait into the next one
        wait = window - elapsed + window * (1 - (limit - 1) / cur)
    return max(1, math.ceil(wait))


def _result(prev: int, cur: int, elapsed: float, window: int, limit: int) -> RateLimitResult:
    estimate = prev * (1 - elapsed / window) + cur
    if estimate <= limit:
        return RateLimitResult(allowed=True, count=estimate, limit=limit)
    retry = _retry_after(prev, cur, elapsed, window, limit)
    return RateLimitResult(allowed=False, retry_after=retry, count=estimate, limit=limit)


@lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, health_check_interval=30, **REDIS_OPTIONS)


def _count_redis(url: str, cur_key: str, prev_key: str, ttl: int) -> tuple[int, int]:
    pipe = _redis(url).pipeline(transaction=True)
    pipe.incr(cur_key)
    pipe.expire(cur_key, ttl)
    pipe.get(prev_key)
    cur, _expire, prev = pipe.execute()
    return int(prev or 0), int(cur)


def _count_cache(cur_key: str, prev_key: str, ttl: int, store=None) -> tuple[int, int]:
    store = cache if store is None else store
    store.add(cur_key, 0, timeout=ttl)
    try:
        cur = store.incr(cur_key)
    except ValueError:  # expired between add and incr
        store.set(cur_key, 1, timeout=ttl)
        cur = 1
    return int(store.get(prev_key) or 0), int(cur)


def _count(cur_key: str, prev_key: str, ttl: int) -> tuple[int, int]:
    """Count in Redis, the default cache without it, or in-process while Redis is down."""
    if not settings.REDIS_URL:
        return _count_cache(cur_key, prev_key, ttl)
    if _breaker.allow():
        try:
            counts = _count_redis(settings.REDIS_URL, cur_key, prev_key, ttl)
        except redis_errors() as exc:
            _breaker.failed(exc)
        else:
            _breaker.ok()
            return counts
    return _count_cache(cur_key, prev_key, ttl, _fallback)


_warned_at = 0.0
_warn_lock = threading.Lock()


def _warn(exc: Exception) -> None:
    global _warned_at
    with _warn_lock:
        now = time.monotonic()
        if now - _warned_at < WARN_EVERY_SECONDS:
            return
        _warned_at = now
    log.warning("rate limiter unavailable, allowing requests: %s", type(exc).__name__)


def ratelimit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> RateLimitResult:
    """Count one hit of `key` in `scope`; allowed while at most `limit` hits fall in the
    last `window_seconds` (sliding). `key` must not be personal data (see nik_key)."""
    window = max(int(window_seconds), 1)
    now = time.time()
    bucket = int(now // window)
    elapsed = now - bucket * window
    prefix = f"{getattr(settings, 'MPP_RATELIMIT_PREFIX', 'rl')}:{scope}:{window}"
    cur_key, prev_key = f"{prefix}:{bucket}:{key}", f"{prefix}:{bucket - 1}:{key}"
    ttl = 2 * window + 1
    try:
        prev, cur = _count(cur_key, prev_key, ttl)
    except Exception as exc:  # fail open: never a 500 because the limiter is broken
        _warn(exc)
        return RateLimitResult(allowed=True, limit=limit)
    return _result(prev, cur, elapsed, window, limit)


# Keys ----------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _networks(proxies: tuple[str, ...]) -> tuple:
    nets = []
    for item in proxies:
        try:
            nets.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            log.warning("MPP_TRUSTED_PROXIES: ignoring an entry that is not an address")
    return tuple(nets)


def _trusted(address: str, nets: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or through trusted proxies (X-Forwarded-For)."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    nets = _networks(tuple(getattr(settings, "MPP_TRUSTED_PROXIES", ()) or ()))
    if not nets or not _trusted(remote, nets):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, nets):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a forged or broken header: count it against the proxy
    return remote


def nik_key(nik: str) -> str:
    """The key of a NIK for counting: its keyed digest (spaces, dots and dashes ignored)."""
    digits = "".join(ch for ch in str(nik or "") if ch not in " .-")
    return nik_digest(digits)[:32]


# Named limits --------------------------------------------------------------------


def limit_for(name: str) -> tuple[int, int] | None:
    """(count, seconds) of a named limit of settings.MPP_RATE_LIMITS, or None (no limit)."""
    value = getattr(settings, "MPP_RATE_LIMITS", {}).get(name)
    if not value:
        return None
    count, seconds = value
    return int(count), int(seconds)


def ratelimit_check(request, *, name: str, nik: str | None = None) -> RateLimitResult:
    """Count this request against the named limits "<name>_ip" (and "<name>_nik" when a
    NIK is given); the refusal with the longest wait, or allowed."""
    checks = [(f"{name}_ip", client_ip(request))]
    if nik:
        checks.append((f"{name}_nik", nik_key(nik)))
    refused: RateLimitResult | None = None
    for scope, key in checks:
        limit = limit_for(scope)
        if limit is None:
            continue
        result = ratelimit_hit(scope=scope, key=key, limit=limit[0], window_seconds=limit[1])
        if not result.allowed and (refused is None or result.retry_after > refused.retry_after):
            refused = result
    return refused or RateLimitResult(allowed=True)


def ratelimit_enforce(request, *, name: str, nik: str | None = None) -> None:
    """ratelimit_check, raising RateLimited (429, code rate_limited) when refused."""
    result = ratelimit_check(request, name=name, nik=nik)
    if not result.allowed:
        raise RateLimited(result.retry_after)
