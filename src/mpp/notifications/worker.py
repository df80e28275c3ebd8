"""The background worker: sends the outbox and runs the periodic jobs.

Why this shape: several workers may run at once and any of them may be killed at any
moment (kill -9 while a gateway request is open), and the database may drop its
connections. What is promised is AT LEAST ONCE: every message is attempted until it is
sent or given up; it may reach the gateway more than once (a worker killed after the
gateway accepted it, an answer lost on the way back), always with the same stable
`reference` (Message.reference, also sent as the Idempotency-Key header), so a gateway
that drops repeated references delivers it once. See docs/faults.md, "## outbox".

Claiming: a worker claims ONE due message at a time in a short transaction
(PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so workers take different rows;
SQLite: the settings' IMMEDIATE transactions let one writer in at a time), marks it
`sending` with a lease of settings.MPP_OUTBOX_LEASE seconds (30) and commits BEFORE
any network call. A gateway request's timeout is at most a third of the lease, so a
live worker finishes within it; a killed worker holds one message, due again when its
lease ends (within 30 s), and no other. The outcome is recorded only if the row is
still this attempt's (same status and attempt number), so a worker whose lease ran out
cannot overwrite a newer attempt.

Database errors: a transient error (OperationalError, InterfaceError: a killed
connection, a locked SQLite file) while recording an outcome is retried on a fresh
connection for a few seconds; if it persists, the row stays `sending` and is due again
at the end of its lease (sent again with the same reference). An error between
messages closes the connection, waits briefly and ends the pass; the worker lives on.

Retries: settings.MPP_OUTBOX_BACKOFF lists the waits after the 1st, 2nd, ... failed
attempt (default 30 s, 2 min, 8 min, 32 min, 1 h, 1 h, 1 h; each +-10 % jitter); a
message gets one attempt more than there are waits (default 8), then it is `dead`:
with the default schedule, about 3 h 43 min after its first attempt (13 350 s of waits).
A missing SMS gateway counts as a failed attempt like any other, so without a gateway
a message is given up rather than reaching a citizen days late; a national admin can
list dead messages and send them again from the admin once the gateway is configured.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from mpp.core.backoff import backoff_wait, schedule_of
from mpp.notifications import periodic
from mpp.notifications.channels import DeliveryError, Permanent, Retry, deliver
from mpp.notifications.models import PICKABLE, Message, Status
from mpp.notifications.rendering import render

log = logging.getLogger(__name__)

# Errors that a new connection may cure (a killed backend, a restart, a locked file).
TRANSIENT = (OperationalError, InterfaceError)
# Pauses before re-recording an outcome after a transient error (seconds, 3.7 in all).
RECORD_RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0)

_db_failures = 0  # consecutive passes that ended on a transient database error

# Other outboxes the worker drains after its messages (webhooks: mpp.integrations).
# A drain is called as drain(now=..., should_stop=...) and returns how many rows it
# handled; it must not raise for a transient database error (see send_claimed).
_drains: dict[str, Callable[..., int]] = {}


def register_drain(name: str, drain: Callable[..., int]) -> None:
    """Let a higher app's outbox be delivered by `mpp worker` (registered in ready())."""
    _drains[name] = drain


def unregister_drain(name: str) -> None:
    _drains.pop(name, None)


@dataclass
class RunResult:
    """What one run_once did (for tests, the command's output and monitoring)."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    db_errors: int = 0
    drained: int = 0  # rows other outboxes handled (register_drain)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.dead) + self.drained


def lease() -> dt.timedelta:
    """How long a claimed message is this worker's (settings.MPP_OUTBOX_LEASE)."""
    seconds = float(settings.MPP_OUTBOX_LEASE)
    if seconds <= 0:
        raise ValueError("MPP_OUTBOX_LEASE must be a positive number of seconds")
    return dt.timedelta(seconds=seconds)


def schedule() -> list[float]:
    """The waits in seconds after each failed attempt (settings.MPP_OUTBOX_BACKOFF)."""
    return schedule_of("MPP_OUTBOX_BACKOFF", settings.MPP_OUTBOX_BACKOFF)


def max_attempts() -> int:
    """Attempts before a message is given up: one more than there are waits."""
    return len(schedule()) + 1


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt, from the schedule, jittered."""
    return backoff_wait(schedule(), attempts, rng)


def reconnect() -> None:
    """Drop this thread's database connection; the next query opens a fresh one."""
    if connection.in_atomic_block:
        return  # inside a caller's transaction (tests): the caller owns it
    with contextlib.suppress(Exception):  # a broken connection may fail to close: gone
        connection.close()


def claim(*, now: dt.datetime, limit: int = 1) -> list[Message]:
    """Take up to `limit` (the worker: one) due messages and commit them as `sending`.

    Rows whose lease ran out after their last allowed attempt are given up here
    (a message that crashes every worker that sends it must not loop forever).
    """
    due = Message.objects.filter(status__in=PICKABLE, next_attempt_at__lte=now)
    # A plain read first: an idle worker must not take SQLite's write lock every second.
    if not due.exists():
        return []
    most = max_attempts()
    until = now + lease()
    claimed: list[Message] = []
    with transaction.atomic():
        # Rows whose lease ran out first: they were at the head of the queue when a
        # worker that died took them, and must not wait behind a backlog a second time.
        for message in _due_rows(due, limit):
            if message.status == Status.SENDING and message.attempts >= most:
                Message.objects.filter(pk=message.pk).update(
                    status=Status.DEAD, last_error="worker stopped while sending"
                )
                log.warning("message %s given up: worker stopped while sending", message.pk)
                continue
            if message.status == Status.SENDING:
                log.warning("message %s: lease ran out, sending again", message.pk)
            message.status = Status.SENDING
            message.attempts += 1
            message.next_attempt_at = until
            Message.objects.filter(pk=message.pk).update(
                status=message.status,
                attempts=message.attempts,
                next_attempt_at=message.next_attempt_at,
            )
            claimed.append(message)
    return claimed


def _due_rows(due, limit: int) -> list[Message]:
    """Up to `limit` due rows, locked for this transaction: expired leases first."""
    rows: list[Message] = []
    for qs in (due.filter(status=Status.SENDING), due.exclude(status=Status.SENDING)):
        if len(rows) >= limit:
            break
        qs = qs.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        rows += list(qs[: limit - len(rows)])
    return rows


def _settle(message: Message, **fields) -> bool:
    """Write an attempt's outcome if the row is still this attempt's."""
    return bool(
        Message.objects.filter(
            pk=message.pk, status=Status.SENDING, attempts=message.attempts
        ).update(**fields)
    )


def _record(message: Message, **fields) -> bool:
    """_settle, tried again on a fresh connection after a transient database error.

    The write is conditional, so repeating it is harmless. When the database stays
    away, the row is left `sending`: it is due again when its lease ends.
    """
    for pause in (*RECORD_RETRY_PAUSES, None):
        try:
            return _settle(message, **fields)
        except TRANSIENT as exc:
            reconnect()
            if pause is None or connection.in_atomic_block:
                log.warning(
                    "message %s: outcome not recorded (%s); due again when its lease ends",
                    message.pk,
                    type(exc).__name__,
                )
                return False
            log.warning("message %s: database error while recording, retrying", message.pk)
            time.sleep(pause)
    return False


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
                reference=str(message.reference),
            )
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug or odd configuration: retry, keep the worker up
            log.exception("message %s: unexpected error while sending", message.pk)
            error = Retry(f"unexpected error: {type(exc).__name__}")
        else:
            if _record(
                message,
                status=Status.SENT,
                sent_at=now,
                provider_message_id=provider_id,
                last_error="",
            ):
                result.sent.append(message.pk)
                log.info("message %s sent (%s, %s)", message.pk, message.template, message.channel)
            return

    if error.permanent or message.attempts >= max_attempts():
        if _record(message, status=Status.DEAD, last_error=error.reason):
            result.dead.append(message.pk)
            log.warning("message %s given up: %s", message.pk, error.reason)
        return
    next_at = now + backoff(message.attempts, rng)
    if _record(message, status=Status.FAILED, next_attempt_at=next_at, last_error=error.reason):
        result.retried.append(message.pk)
        log.info("message %s attempt %s failed: %s", message.pk, message.attempts, error.reason)


def _database_lost(exc: Exception, result: RunResult, should_stop: Callable[[], bool]) -> None:
    """A transient error between messages: fresh connection, a short growing pause."""
    global _db_failures
    _db_failures += 1
    result.db_errors += 1
    log.warning("worker: database error (%s), reconnecting", type(exc).__name__)
    reconnect()
    deadline = time.monotonic() + min(0.25 * 2 ** (_db_failures - 1), 10.0)
    while time.monotonic() < deadline and not should_stop():
        time.sleep(0.05)


def run_once(
    *,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    jobs: bool = True,
    limit: int | None = None,
) -> RunResult:
    """Send every message due at `now` (default: the clock, read per message), at most
    `limit` of them, and run the due periodic jobs. Tests pass `now` to move time
    instead of sleeping. Never raises for a transient database error (see above)."""
    global _db_failures
    result = RunResult()
    try:
        if jobs:
            result.jobs = periodic.run_due(now=now)
        while not should_stop() and (limit is None or result.handled < limit):
            claimed = claim(now=now or timezone.now())
            _db_failures = 0
            if not claimed:
                break
            for message in claimed:
                send_claimed(message, now=now or timezone.now(), rng=rng, result=result)
        for drain in tuple(_drains.values()):
            if should_stop():
                break
            result.drained += drain(now=now, should_stop=should_stop)
    except TRANSIENT as exc:
        if connection.in_atomic_block:
            raise
        _database_lost(exc, result, should_stop)
    return result
