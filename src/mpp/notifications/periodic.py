"""A tiny registry of periodic jobs that `mpp worker` runs (the no-show sweep, ...).

Why here: the worker process already runs all the time, so jobs that must happen
every few minutes need no cron. Higher apps register from their AppConfig.ready():

    from mpp.notifications.periodic import register_periodic
    register_periodic("bookings.no_show_sweep", 300, sweep_no_shows)

`func` is called with no arguments (read the time with django.utils.timezone.now()),
outside any transaction: it manages its own. With several workers running, a job runs
once per period in total, not once per worker (see models.PeriodicRun).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mpp.notifications.models import PeriodicRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    func: Callable[[], object]


_registry: dict[str, Job] = {}


def register_periodic(name: str, every_seconds: float, func: Callable[[], object]) -> None:
    """Run `func` about every `every_seconds` seconds in the worker. Registering the
    same name again replaces the job (ready() may run more than once)."""
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    _registry[name] = Job(name=name, every_seconds=float(every_seconds), func=func)


def unregister_periodic(name: str) -> None:
    _registry.pop(name, None)


def registered() -> list[Job]:
    return list(_registry.values())


def _claim(job: Job, now: dt.datetime) -> bool:
    """Take this period's run of `job`; True for exactly one worker per period."""
    # Plain reads first: an idle worker must not take SQLite's write lock every second.
    next_run_at = (
        PeriodicRun.objects.filter(name=job.name).values_list("next_run_at", flat=True).first()
    )
    if next_run_at is None:
        PeriodicRun.objects.bulk_create(
            [PeriodicRun(name=job.name, next_run_at=now)], ignore_conflicts=True
        )
    elif next_run_at > now:
        return False
    with transaction.atomic():
        won = PeriodicRun.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + dt.timedelta(seconds=job.every_seconds), last_started_at=now
        )
    return won == 1


def run_due(*, now: dt.datetime | None = None) -> list[str]:
    """Run every registered job that is due; return the names run. A failing job is
    logged (by name) and retried at its next period; it never stops the worker."""
    now = now or timezone.now()
    ran = []
    for job in registered():
        if not _claim(job, now):
            continue
        ran.append(job.name)
        error = ""
        try:
            job.func()
        except Exception as exc:
            log.exception("periodic job %s failed", job.name)
            error = f"{type(exc).__name__}"[:300]
        PeriodicRun.objects.filter(name=job.name).update(last_error=error)
    return ran
