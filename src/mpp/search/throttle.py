"""The search's rate limit per client IP, shared by page and API.

Why: a search costs a little CPU and, with unknown words, a write; one script must not
take the server for itself. The limit is settings.MPP_RATE_LIMITS["search_ip"]
(generous: mobile networks put many people behind one IP), counted by core.ratelimit.
"""

from __future__ import annotations

from mpp.core.ratelimit import RateLimitResult, ratelimit_check


def search_throttle(request) -> RateLimitResult:
    """Count one search of this client; `.allowed` False: answer 429 (Retry-After)."""
    return ratelimit_check(request, name="search")
