"""The assistant's rate limit per client IP, for the page and the API.

Why: one message can cost several searches (a family's options are each looked up),
so a script must not take the server for itself. The limit is
settings.MPP_RATE_LIMITS["assistant_ip"] (loose: mobile networks put many people behind
one address), counted by core.ratelimit. Messaging senders are limited in services.py,
per sender ("assistant_sender").
"""

from __future__ import annotations

from mpp.core.ratelimit import RateLimitResult, ratelimit_check


def assistant_throttle(request) -> RateLimitResult:
    """Count one message of this client; `.allowed` False: answer 429 (Retry-After)."""
    return ratelimit_check(request, name="assistant")
