"""The webhook dispatcher: delivers the outbox (WebhookMessage) from `mpp worker`.

Why this shape: like the notification outbox (mpp.notifications.worker, read it
first), several dispatchers may run at once, any may be killed at any moment, and the
promise is AT LEAST ONCE with a stable identity: every retry, lease take-over and
replay sends the same webhook-id and the same body bytes, so a receiver that drops
repeated ids acts once. On top of that, webhooks keep ORDER PER SUBJECT: a message is
never sent while an older unfinished message of the same subscription and subject
("ticket/123") exists; a message given up (dead) or cancelled no longer holds the
subject back.

Claiming: a short transaction takes due messages (PostgreSQL: SELECT ... FOR UPDATE
OF the message SKIP LOCKED, so dispatchers take different rows; SQLite: the settings'
IMMEDIATE transactions let one writer in at a time) of ACTIVE subscriptions that are
not paused, with NOT EXISTS an older unfinished message of the same subscription and
subject (the partial index webhook_subject_idx), marks them `sending` with a lease of
settings.MPP_WEBHOOK_LEASE seconds and commits BEFORE any request. A dispatcher killed
with -9 holds its claims until the lease ends; another then sends them again. Rows
whose lease ran out are looked for first (at most every few seconds), so they do not
queue behind a backlog a second time; one whose lease ran out on its last allowed
attempt is given up (a message that crashes every dispatcher must not loop forever).

Sending: a pool of threads (settings.MPP_WEBHOOK_CONCURRENCY, default 32) sends the
claimed messages at once over kept-alive connections (deliver.py; threads never touch
the database). The main thread, in turns, writes the outcomes of the requests that
ended (deliver_record.py) and claims as many messages as slots are free, in ONE
transaction per turn. One subscription holds at most half the slots of a
dispatcher, and a subscription whose receiver fails or times out is paused briefly, so
a slow or dead receiver does not hold up the others. A drain returns after
DRAIN_BUDGET seconds of work so the worker's other jobs (SMS, periodic) keep turning;
the worker calls it again at once when it handled something.

Database errors: a transient error while claiming ends the pass after a short pause
(the messages in flight are still recorded); while recording, the write is retried on
a fresh connection for a few seconds, else the rows stay `sending` and are due again
when their lease ends. `drain` never raises for a transient error outside a caller's
transaction.

Tests move time by passing `now` (the scheduling clock: due times, leases, back-off,
pauses, rotation overlap); the webhook-timestamp header is always the real clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from mpp.integrations.models import UNFINISHED, MessageStatus, Subscription, WebhookMessage
from mpp.integrations.webhooks import deliver
from mpp.integrations.webhooks.deliver_record import (
    backoff,
    given_up_while_sending,
    max_attempts,
    outcomes_write,
    schedule,
)
from mpp.integrations.webhooks.notices import notice_contact
from mpp.notifications.worker import (
    RECORD_RETRY_PAUSES,
    TRANSIENT,
    reconnect,
    register_drain,
)

__all__ = [
    "backoff",
    "claim",
    "drain",
    "lease",
    "max_attempts",
    "notice_contact",
    "register",
    "schedule",
]

log = logging.getLogger(__name__)

DRAIN_BUDGET = 10.0  # seconds of claiming per drain call, then back to the worker
EXPIRED_CHECK_EVERY = 5.0  # seconds between looks for rows whose lease ran out
RECORD_MARGIN = 1.0  # seconds the lease must leave after the timeout for recording
DB_PAUSE = 0.5  # seconds to wait after a transient database error while claiming

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_warned_lease = False


def concurrency() -> int:
    """Requests in flight at once per dispatcher (settings.MPP_WEBHOOK_CONCURRENCY)."""
    return max(1, int(settings.MPP_WEBHOOK_CONCURRENCY))


def per_subscription() -> int:
    """Requests in flight at once per subscription and dispatcher: half the slots."""
    return max(1, concurrency() // 2)


def lease() -> dt.timedelta:
    """How long a claim is this dispatcher's (settings.MPP_WEBHOOK_LEASE): at least
    the request timeout plus a margin for recording, else a late answer would race
    another dispatcher's attempt."""
    global _warned_lease
    seconds = float(settings.MPP_WEBHOOK_LEASE)
    floor = deliver.timeout() + RECORD_MARGIN
    if seconds < floor:
        if not _warned_lease:
            log.warning("MPP_WEBHOOK_LEASE %.1f s is below timeout + %.0f s", seconds, floor)
            _warned_lease = True
        seconds = floor
    return dt.timedelta(seconds=seconds)


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_size
    size = concurrency()
    if _pool is None or _pool_size != size:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="webhook")
        _pool_size = size
    return _pool


def due_messages(now: dt.datetime):
    """Messages a dispatcher may send at `now`: due, unfinished, of an active and
    unpaused subscription, and first in line for their subscription and subject."""
    older = WebhookMessage.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        subject=OuterRef("subject"),
        status__in=UNFINISHED,
        id__lt=OuterRef("id"),
    )
    return WebhookMessage.objects.filter(
        Q(subscription__paused_until__isnull=True) | Q(subscription__paused_until__lte=now),
        ~Exists(older),
        status__in=UNFINISHED,
        next_attempt_at__lte=now,
        subscription__status=Subscription.Status.ACTIVE,
    )


@dataclass
class Claimed:
    """What one claim took: messages to send now, and rows it gave up instead."""

    messages: list[WebhookMessage] = field(default_factory=list)
    given_up: int = 0


def _locked(qs, count: int) -> list[WebhookMessage]:
    qs = qs.select_related("subscription").order_by("next_attempt_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:count])


def claim(
    *,
    now: dt.datetime,
    room: int = 1,
    busy: Counter | None = None,
    expired_first: bool = True,
) -> Claimed:
    """Take up to `room` sendable messages and commit them as `sending` with a lease.

    `busy` counts this dispatcher's requests in flight per subscription; no
    subscription gets more than per_subscription() of them.
    """
    busy = busy if busy is not None else Counter()
    cap = per_subscription()
    due = due_messages(now)
    full = [pk for pk, n in busy.items() if n >= cap]
    if full:
        due = due.exclude(subscription_id__in=full)
    # A plain read first on SQLite: an idle dispatcher must not take its write lock.
    if connection.vendor == "sqlite" and not connection.in_atomic_block and not due.exists():
        return Claimed()
    most = max_attempts()
    out = Claimed()
    taken: Counter = Counter()
    # Inside a dispatcher's turn (outcomes written first) no savepoint: the turn is
    # retried as a whole after an error.
    with transaction.atomic(savepoint=False):
        rows: list[WebhookMessage] = []
        if expired_first:
            rows = _locked(due.filter(status=MessageStatus.SENDING), room)
        if len(rows) < room:
            more = due.exclude(status=MessageStatus.SENDING)
            rows += _locked(more, 2 * room - len(rows))  # spare rows: the per-subscription cap
        for message in rows:
            sid = message.subscription_id
            if message.status == MessageStatus.SENDING and message.attempts >= most:
                given_up_while_sending(message, now=now)
                out.given_up += 1
                continue
            if len(out.messages) >= room or busy[sid] + taken[sid] >= cap:
                continue  # left for the next claim (its lock ends with this transaction)
            if message.status == MessageStatus.SENDING:
                log.warning("webhook %s: lease ran out, sending again", message.webhook_id)
            taken[sid] += 1
            out.messages.append(message)
        if out.messages:
            until = now + lease()
            WebhookMessage.objects.filter(pk__in=[m.pk for m in out.messages]).update(
                status=MessageStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=until
            )
            for message in out.messages:
                message.status = MessageStatus.SENDING
                message.attempts += 1
                message.next_attempt_at = until
    return out


def job_for(message: WebhookMessage, *, now: dt.datetime) -> deliver.Job:
    """Everything a sending thread needs, copied out of the claimed row."""
    sub = message.subscription
    secrets = [sub.secret]
    if sub.previous_secret and sub.previous_secret_until and sub.previous_secret_until > now:
        secrets.append(sub.previous_secret)
    return deliver.Job(
        message_id=message.pk,
        webhook_id=message.webhook_id,
        attempt=message.attempts,
        url=sub.url,
        body=message.body,
        secrets=tuple(secrets),
        subscription_id=message.subscription_id,
        started_at=now,
        event_type=message.event_type,
    )


def _collect(inflight: dict[Future, deliver.Job], busy: Counter) -> list[deliver.Result]:
    """Wait for at least one request to end; return every ended one's result."""
    done, _ = wait(tuple(inflight), return_when=FIRST_COMPLETED)
    results = []
    for future in done:
        job = inflight.pop(future)
        busy[job.subscription_id] -= 1
        try:
            results.append(future.result())
        except Exception as exc:  # attempt() does not raise; a bug must not lose the row
            log.exception("webhook %s: sending thread failed", job.webhook_id)
            results.append(
                deliver.Result(job=job, outcome=deliver.FAILED, error=f"bug: {type(exc).__name__}")
            )
    return results


def _turn(
    results: list[deliver.Result],
    *,
    now: dt.datetime | None,
    rng,
    room: int,
    busy: Counter,
    expired_first: bool,
) -> Claimed | None:
    """One transaction: write `results`, then claim up to `room` messages (0: none).

    A transient database error is retried on a fresh connection for a few seconds;
    None if it persists (the rows in `results` stay `sending` until their lease ends).
    """
    for pause in (*RECORD_RETRY_PAUSES, None):
        try:
            if not results:  # claim alone: its own transaction, after a plain read
                return claim(
                    now=now or timezone.now(), room=room, busy=busy, expired_first=expired_first
                )
            with transaction.atomic():
                outcomes_write(results, now=now or timezone.now(), rng=rng)
                if room <= 0:
                    return Claimed()
                return claim(
                    now=now or timezone.now(), room=room, busy=busy, expired_first=expired_first
                )
        except TRANSIENT as exc:
            if connection.in_atomic_block:
                raise  # a caller's transaction (tests): the caller owns it
            reconnect()
            if pause is None:
                log.warning(
                    "webhooks: database error (%s); %d outcomes due again when their lease ends",
                    type(exc).__name__,
                    len(results),
                )
                return None
            log.warning("webhooks: database error (%s), retrying", type(exc).__name__)
            time.sleep(pause)
    return None


def drain(
    *,
    now: dt.datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    limit: int | None = None,
    rng: random.Random | None = None,
) -> int:
    """Send the webhook messages due at `now` (default: the clock, read per step), at
    most `limit` of them; return how many were handled (attempted or given up).

    Returns when nothing more is sendable, `should_stop()` says so, `limit` is reached
    or DRAIN_BUDGET seconds have passed; requests in flight are finished and recorded
    first. Never raises for a transient database error outside a transaction.
    """
    pool = _executor()
    slots = concurrency()
    inflight: dict[Future, deliver.Job] = {}
    busy: Counter = Counter()
    results: list[deliver.Result] = []
    handled = 0
    began = time.monotonic()
    last_expired_check = -EXPIRED_CHECK_EVERY
    claiming, fresh = True, True  # fresh: something changed since the last empty claim
    while True:
        if claiming and (
            should_stop()
            or time.monotonic() - began > DRAIN_BUDGET
            or (limit is not None and handled + len(results) + len(inflight) >= limit)
        ):
            claiming = False
        room = slots - len(inflight)
        if limit is not None:
            room = min(room, limit - handled - len(results) - len(inflight))
        room = room if claiming and fresh else 0
        if results or room > 0:
            expired_first = time.monotonic() - last_expired_check >= EXPIRED_CHECK_EVERY
            claimed = _turn(
                results, now=now, rng=rng, room=room, busy=busy, expired_first=expired_first
            )
            handled += len(results)
            if claimed is None:  # the database stayed away: finish what is in flight
                claiming, claimed = False, Claimed()
                _pause(should_stop)
            if room > 0:
                fresh = bool(claimed.messages or claimed.given_up)
                if expired_first:
                    last_expired_check = time.monotonic()
            else:
                fresh = fresh or bool(results)
            results = []
            handled += claimed.given_up
            step_now = now or timezone.now()
            for message in claimed.messages:
                job = job_for(message, now=step_now)
                busy[job.subscription_id] += 1
                inflight[pool.submit(deliver.attempt, job)] = job
        if not inflight:
            if claiming and fresh:
                continue  # given-up rows may have unblocked subjects: claim again
            break
        results = _collect(inflight, busy)
    return handled


def _pause(should_stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DB_PAUSE
    while time.monotonic() < deadline and not should_stop():
        time.sleep(0.05)


def register() -> None:
    """`mpp worker` drains the webhook outbox after the notification outbox."""
    register_drain("webhooks", drain)


def shutdown() -> None:
    """Stop the sending threads and close kept-alive connections (tests, exit)."""
    global _pool
    if _pool is not None:
        with contextlib.suppress(Exception):
            _pool.shutdown(wait=True)
    _pool = None
    deliver.client_reset()
