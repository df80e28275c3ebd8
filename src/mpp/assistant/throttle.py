"""The assistant's rate limit per client IP (mpp.core.ratelimit), for the page and the API.

Why: one message can cost several searches (a family's options are each looked up),
so a script must not take the server for itself. Limit: settings.MPP_RATE_LIMITS
["assistant_ip"] when configured, else ASSISTANT_RATE (loose: mobile networks put many
people behind one address). Messaging senders are limited in services.py, per sender.
"""

from __future__ import annotations

from mpp.core.ratelimit import RateLimitResult, client_ip, limit_for, ratelimit_hit

ASSISTANT_RATE = (30, 60)  # messages per IP per minute


def assistant_throttle(request) -> RateLimitResult:
    """Count one message of this client; `.allowed` False: answer 429 (Retry-After)."""
    count, seconds = limit_for("assistant_ip") or ASSISTANT_RATE
    return ratelimit_hit(
        scope="assistant_ip", key=client_ip(request), limit=count, window_seconds=seconds
    )
