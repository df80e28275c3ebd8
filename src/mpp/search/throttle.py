"""The search's rate limit per client IP (mpp.core.ratelimit), shared by page and API.

Why: a search costs a little CPU and, after a catalogue change, a write; one script
must not take the server for itself. Limit: settings.MPP_RATE_LIMITS["search_ip"] when
configured, else SEARCH_RATE (generous: mobile networks put many people behind one IP).
"""

from __future__ import annotations

from mpp.core.ratelimit import RateLimitResult, client_ip, limit_for, ratelimit_hit

SEARCH_RATE = (120, 60)  # searches per IP per minute


def search_throttle(request) -> RateLimitResult:
    """Count one search of this client; `.allowed` False: answer 429 (Retry-After)."""
    count, seconds = limit_for("search_ip") or SEARCH_RATE
    return ratelimit_hit(
        scope="search_ip", key=client_ip(request), limit=count, window_seconds=seconds
    )
