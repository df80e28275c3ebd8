"""Rate limits of the public mobile-service channels (the request form and API, and
tracking look-ups), per client IP.

Why: filing needs no account and a tracking code is the key to a request; one script
must neither flood the manager's demand table nor try codes one after another. The
named limits "outreach_request_ip" and "outreach_lookup_ip" of settings.MPP_RATE_LIMITS
apply when set; otherwise the defaults below (a mall's kiosk is one IP for everyone, so
filing stays loose).
"""

from __future__ import annotations

from mpp.core.ratelimit import RateLimited, RateLimitResult, client_ip, limit_for, ratelimit_hit

DEFAULTS = {"outreach_request_ip": (20, 600), "outreach_lookup_ip": (30, 60)}


def outreach_throttle(request, *, name: str = "outreach_request_ip") -> RateLimitResult:
    """Count this request against the named limit; the result says if it is allowed."""
    count, seconds = limit_for(name) or DEFAULTS[name]
    return ratelimit_hit(scope=name, key=client_ip(request), limit=count, window_seconds=seconds)


def outreach_throttle_enforce(request, *, name: str = "outreach_request_ip") -> None:
    """outreach_throttle, raising RateLimited (429 rate_limited) when refused."""
    result = outreach_throttle(request, name=name)
    if not result.allowed:
        raise RateLimited(result.retry_after)
