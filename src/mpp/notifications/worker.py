"""The background worker: sends the outbox and runs the periodic jobs.

Why this shape: several workers may run at once (and crash at any moment), yet a
citizen must get each message once. A worker claims a small batch of due rows in a
short transaction (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so workers take
different rows; SQLite: the settings' IMMEDIATE transactions let one writer in at a
time), marks them `sending` with a lease and commits BEFORE any network call. Then it
sends each and records the outcome only if the row is still its own (same status and
attempt number), so a slow worker whose lease ran out cannot overwrite a newer attempt.

Retries: exponential backoff 30 s, 2 min, 8 min, 32 min, then 1 h (each +-10 %
jitter); after MAX_ATTEMPTS attempts the message is `dead`. A row left in `sending`
by a crashed worker is due again when its lease ends. A missing SMS gateway counts as
a failed attempt like any other, so without a gateway a message is given up after
about five hours instead of reaching a citizen days late; a national admin can
requeue it from the admin once the gateway is configured.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from mpp.notifications import periodic
from mpp.notifications.channels import DeliveryError, Permanent, Retry, deliver
from mpp.notifications.models import PICKABLE, Message, Status
from mpp.notifications.rendering import render

log = logging.getLogger(__name__)

BATCH_SIZE = 10
LEASE = dt.timedelta(minutes=5)  # longer than a batch of gateway timeouts (10 x 10 s)
MAX_ATTEMPTS = 8
BACKOFF_BASE = 30.0  # seconds before the second attempt
BACKOFF_FACTOR = 4.0
BACKOFF_CAP = 3600.0
JITTER = 0.1


@dataclass
class RunResult:
    """What one run_once did (for tests, the command's output and monitoring)."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.dead)


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s x 4^(n-1), capped, jittered."""
    rng = rng or random
    base = min(BACKOFF_BASE * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_CAP)
    return dt.timedelta(seconds=base * rng.uniform(1 - JITTER, 1 + JITTER))


def claim(*, now: dt.datetime, limit: int = BATCH_SIZE) -> list[Message]:
    """Take up to `limit` due messages for this worker and commit them as `sending`.

    Rows whose lease ran out after their last allowed attempt are given up here
    (a message that crashes every worker that sends it must not loop forever).
    """
    due = Message.objects.filter(status__in=PICKABLE, next_attempt_at__lte=now)
    # A plain read first: an idle worker must not take SQLite's write lock every second.
    if not due.exists():
        return []
    claimed: list[Message] = []
    with transaction.atomic():
        qs = due.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        for message in qs[:limit]:
            if message.status == Status.SENDING and message.attempts >= MAX_ATTEMPTS:
                Message.objects.filter(pk=message.pk).update(
                    status=Status.DEAD, last_error="worker stopped while sending"
                )
                log.warning("message %s given up: worker stopped while sending", message.pk)
                continue
            if message.status == Status.SENDING:
                log.warning("message %s: lease ran out, sending again", message.pk)
            message.status = Status.SENDING
            message.attempts += 1
            message.next_attempt_at = now + LEASE
            Message.objects.filter(pk=message.pk).update(
                status=message.status,
                attempts=message.attempts,
                next_attempt_at=message.next_attempt_at,
            )
            claimed.append(message)
    return claimed


def _settle(message: Message, **fields) -> bool:
    """Write an attempt's outcome if the row is still this attempt's."""
    return bool(
        Message.objects.filter(
            pk=message.pk, status=Status.SENDING, attempts=message.attempts
        ).update(**fields)
    )


def send_claimed(message: Message, *, now: dt.datetime, rng=None, result: RunResult) -> None:
    """Render and send one claimed message, then record sent, retry or dead."""
    try:
        rendered = render(
            template=message.template,
            channel=message.channel,
            language=message.language,
            context=message.context,
        )
    except Exception as exc:  # a template removed or broken since enqueue
        error: DeliveryError = Permanent(f"cannot render: {type(exc).__name__}")
    else:
        try:
            provider_id = deliver(
                channel=message.channel,
                recipient=message.recipient,
                rendered=rendered,
                reference=str(message.pk),
            )
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug or odd configuration: retry, keep the worker up
            log.exception("message %s: unexpected error while sending", message.pk)
            error = Retry(f"unexpected error: {type(exc).__name__}")
        else:
            if _settle(
                message,
                status=Status.SENT,
                sent_at=now,
                provider_message_id=provider_id,
                last_error="",
            ):
                result.sent.append(message.pk)
                log.info("message %s sent (%s, %s)", message.pk, message.template, message.channel)
            return

    if error.permanent or message.attempts >= MAX_ATTEMPTS:
        if _settle(message, status=Status.DEAD, last_error=error.reason):
            result.dead.append(message.pk)
            log.warning("message %s given up: %s", message.pk, error.reason)
        return
    next_at = now + backoff(message.attempts, rng)
    if _settle(message, status=Status.FAILED, next_attempt_at=next_at, last_error=error.reason):
        result.retried.append(message.pk)
        log.info("message %s attempt %s failed: %s", message.pk, message.attempts, error.reason)


def run_once(
    *,
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    rng: random.Random | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    jobs: bool = True,
) -> RunResult:
    """Send every message due at `now` (default: the clock, read per batch) and run
    the due periodic jobs. Tests pass `now` to move time instead of sleeping."""
    result = RunResult()
    if jobs:
        result.jobs = periodic.run_due(now=now)
    while not should_stop():
        at = now or timezone.now()
        batch = claim(now=at, limit=batch_size)
        if not batch:
            break
        for index, message in enumerate(batch):
            if should_stop():
                release(batch[index:], now=at)
                return result
            send_claimed(message, now=now or timezone.now(), rng=rng, result=result)
    return result


def release(messages: list[Message], *, now: dt.datetime) -> None:
    """Hand back claimed messages not yet sent (the worker is stopping), due at once."""
    for message in messages:
        _settle(
            message,
            status=Status.FAILED if message.attempts > 1 else Status.PENDING,
            attempts=message.attempts - 1,
            next_attempt_at=now,
        )
