"""The rate limit of survey submissions per client address (pages and API alike).

Why: a survey link works once, but a script could still hammer the submit endpoint
with guessed tokens or junk. settings.MPP_RATE_LIMITS["survey_ip"] sets (count,
seconds) when present (None there turns the limit off); otherwise DEFAULT_LIMIT. It is
loose on purpose: a mall's Wi-Fi or a mobile network puts many people behind one IP.
The counter's tablet (signed-in staff) is not limited.
"""

from __future__ import annotations

from django.conf import settings

from mpp.core.ratelimit import RateLimited, RateLimitResult, client_ip, ratelimit_hit

DEFAULT_LIMIT = (30, 600)
SCOPE = "survey_ip"


def survey_limit() -> tuple[int, int] | None:
    limits = getattr(settings, "MPP_RATE_LIMITS", {}) or {}
    return limits.get(SCOPE, DEFAULT_LIMIT)


def submit_allowed(request) -> RateLimitResult:
    """Count one submission from this client address (refused ones count too)."""
    limit = survey_limit()
    if not limit:
        return RateLimitResult(allowed=True)
    count, seconds = limit
    return ratelimit_hit(
        scope=SCOPE, key=client_ip(request), limit=int(count), window_seconds=int(seconds)
    )


def submit_enforce(request) -> None:
    """submit_allowed, raising RateLimited (429 rate_limited, Retry-After) when refused."""
    result = submit_allowed(request)
    if not result.allowed:
        raise RateLimited(result.retry_after)
