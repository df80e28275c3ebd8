"""Retry schedules: the wait after the n-th failed attempt, from a list, jittered.

Why one module: the notification outbox, the webhook dispatcher and the connectors'
pushes all retry on a schedule of waits read from a setting (MPP_OUTBOX_BACKOFF,
MPP_WEBHOOK_BACKOFF, MPP_CONNECTOR_BACKOFF), each +-10 % so that many failures at
once do not all come back at the same second; three copies had grown.
"""

from __future__ import annotations

import datetime as dt
import random

JITTER = 0.1


def schedule_of(name: str, values) -> list[float]:
    """The waits of setting `name` as positive seconds, or ValueError naming it."""
    waits = [float(w) for w in values]
    if not waits or any(w <= 0 for w in waits):
        raise ValueError(f"{name} must list one or more positive numbers of seconds")
    return waits


def backoff_wait(
    waits: list[float], attempts: int, rng: random.Random | None = None
) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt (the last wait once past the
    end of the list), +-JITTER."""
    base = waits[min(max(attempts, 1), len(waits)) - 1]
    return dt.timedelta(seconds=base * (rng or random).uniform(1 - JITTER, 1 + JITTER))
