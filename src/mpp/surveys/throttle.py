"""The rate limit of survey submissions per client address (pages and API alike).

Why: a survey link works once, but a script could still hammer the submit endpoint
with junk. The limit is settings.MPP_RATE_LIMITS["survey_ip"] (None there turns it
off), counted by core.ratelimit. It is loose on purpose: a mall's Wi-Fi or a mobile
network puts many people behind one IP. The counter's tablet (signed-in staff) is not
limited.
"""

from __future__ import annotations

from mpp.core.ratelimit import RateLimitResult, ratelimit_check, ratelimit_enforce


def submit_allowed(request) -> RateLimitResult:
    """Count one submission from this client address (refused ones count too)."""
    return ratelimit_check(request, name="survey")


def submit_enforce(request) -> None:
    """submit_allowed, raising RateLimited (429 rate_limited, Retry-After) when refused."""
    ratelimit_enforce(request, name="survey")
