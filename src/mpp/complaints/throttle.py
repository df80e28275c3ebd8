"""Rate limits of the public complaint channels (web form, kiosk, API, tracking look-ups).

Why: filing is open to anyone without an account, and a tracking code is the key to a
complaint; one script must neither flood the managers' desk nor try codes one after
another. Limits per client IP, the named limits "complaint_ip" and "complaint_lookup_ip"
of settings.MPP_RATE_LIMITS (mpp.core.ratelimit; None or absent turns one off). A mall's
kiosk is one IP for everyone, so the filing limit stays loose.
"""

from __future__ import annotations

from mpp.core.ratelimit import RateLimitResult, ratelimit_check, ratelimit_enforce


def _name(limit: str) -> str:
    return limit.removesuffix("_ip")  # core adds "_ip" to the name it is given


def complaint_throttle(request, *, name: str = "complaint_ip") -> RateLimitResult:
    """Count this request against the named limit; the result says if it is allowed."""
    return ratelimit_check(request, name=_name(name))


def complaint_throttle_enforce(request, *, name: str = "complaint_ip") -> None:
    """complaint_throttle, raising RateLimited (429 rate_limited) when refused."""
    ratelimit_enforce(request, name=_name(name))
