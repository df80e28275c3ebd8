"""Rate limits of the public complaint channels (web form, kiosk, API, tracking look-ups).

Why: filing is open to anyone without an account, and a tracking code is the key to a
complaint; one script must neither flood the managers' desk nor try codes one after
another. Limits per client IP (mpp.core.ratelimit), by name in settings.MPP_RATE_LIMITS
when set there ("complaint_ip", "complaint_lookup_ip"; None turns one off), else the
defaults below. A mall's kiosk is one IP for everyone, so the filing limit stays loose.
"""

from __future__ import annotations

from django.conf import settings

from mpp.core.ratelimit import RateLimited, RateLimitResult, client_ip, ratelimit_hit

DEFAULTS = {
    "complaint_ip": (10, 600),  # complaints filed per IP in 10 minutes
    "complaint_lookup_ip": (30, 60),  # tracking look-ups per IP per minute
}


def _limit(name: str) -> tuple[int, int] | None:
    configured = getattr(settings, "MPP_RATE_LIMITS", {})
    value = configured[name] if name in configured else DEFAULTS[name]
    return (int(value[0]), int(value[1])) if value else None


def complaint_throttle(request, *, name: str = "complaint_ip") -> RateLimitResult:
    """Count this request against the named limit; the result says if it is allowed."""
    limit = _limit(name)
    if limit is None:
        return RateLimitResult(allowed=True)
    return ratelimit_hit(
        scope=name, key=client_ip(request), limit=limit[0], window_seconds=limit[1]
    )


def complaint_throttle_enforce(request, *, name: str = "complaint_ip") -> None:
    """complaint_throttle, raising RateLimited (429 rate_limited) when refused."""
    result = complaint_throttle(request, name=name)
    if not result.allowed:
        raise RateLimited(result.retry_after)
