"""Record what a batch of webhook attempts gave (in the dispatcher's transaction).

Why a module of its own: dispatch.py claims and sends; this writes the outcomes, the
only place where a message leaves `sending`. The dispatcher writes a batch's outcomes
and claims the next messages in ONE short transaction (one commit per turn). Per
batch: one UPDATE per subscription to pause or disable (rare), one conditional UPDATE
per failed message (its own next attempt) and per (attempt number, status code) group
of delivered messages (usually one), one INSERT of DeliveryAttempt rows (every
attempt, whatever happened to the row meanwhile). A message's outcome is written only if the row is
still this attempt's (status `sending`, same attempt number): a dispatcher whose lease
ran out cannot overwrite a newer attempt or a cancellation.

Outcomes (see deliver.py for how an answer is classified):
- delivered: DELIVERED, delivered_at = now;
- gone (410): the message CANCELLED, the subscription disabled with reason "410 Gone"
  (through subscriptions.subscription_disable when it exists), its unfinished messages
  CANCELLED, the contact told ("webhook_disabled", once a day);
- 429/503 with Retry-After: FAILED, next attempt at now + Retry-After (at most 24 h),
  the subscription paused until then;
- any other failure (other status, Retry-After on a status other than 429/503, a
  timeout, a refused connection): FAILED, next attempt after the back-off schedule
  (settings.MPP_WEBHOOK_BACKOFF, +-10 % jitter), the subscription paused for
  min(that wait, 60 s) so a dead or slow receiver does not hold up the dispatchers;
  after the last wait the message is DEAD and the contact told ("webhook_dead", at
  most once per subscription per day).
A Retry-After wait counts as an attempt like any other (a receiver answering 503
forever still ends in DEAD after len(MPP_WEBHOOK_BACKOFF) + 1 attempts).
The dispatcher retries a turn that met a transient database error on a fresh
connection for a few seconds (as notifications.worker does); if it persists, the rows
stay `sending` and are sent again, same id and body, when their lease ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from mpp.core.backoff import backoff_wait, schedule_of
from mpp.integrations.models import (
    UNFINISHED,
    DeliveryAttempt,
    MessageStatus,
    Subscription,
    WebhookMessage,
)
from mpp.integrations.webhooks import deliver
from mpp.integrations.webhooks.notices import notice_contact
from mpp.notifications.worker import TRANSIENT

log = logging.getLogger("mpp.integrations.webhooks.dispatch")

PAUSE_MAX = dt.timedelta(seconds=60)
GONE_REASON = "410 Gone"


def schedule() -> list[float]:
    """The waits in seconds after each failed attempt (settings.MPP_WEBHOOK_BACKOFF)."""
    return schedule_of("MPP_WEBHOOK_BACKOFF", settings.MPP_WEBHOOK_BACKOFF)


def max_attempts() -> int:
    """Attempts before a message is given up: one more than there are waits."""
    return len(schedule()) + 1


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt, from the schedule, jittered."""
    return backoff_wait(schedule(), attempts, rng)


def _settle(job: deliver.Job, **fields) -> int:
    return WebhookMessage.objects.filter(
        pk=job.message_id, status=MessageStatus.SENDING, attempts=job.attempt
    ).update(**fields)


def _pause(pauses: dict, subscription_id, until: dt.datetime) -> None:
    if pauses.get(subscription_id) is None or pauses[subscription_id] < until:
        pauses[subscription_id] = until


def subscription_gone(*, subscription_id, now: dt.datetime, results=()) -> bool:
    """Disable a subscription whose receiver answered 410 and cancel what it had left,
    through subscriptions.subscription_disable (which also tells the contact)."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(pk=subscription_id)
        .first()
    )
    for r in results:  # the messages answered 410 (after the subscription's lock)
        _settle(r.job, status=MessageStatus.CANCELLED, last_status_code=410, last_error=r.error)
    if subscription is None or subscription.status != Subscription.Status.ACTIVE:
        return False  # already disabled (another message's 410, or by hand)
    try:
        from mpp.integrations.webhooks.subscriptions import subscription_disable
    except ImportError:
        subscription_disable = None
    done = False
    if subscription_disable is not None:
        try:
            with transaction.atomic():
                subscription_disable(subscription=subscription, reason=GONE_REASON)
            done = True
        except TRANSIENT:
            raise
        except Exception:
            log.exception("subscription %s: subscription_disable failed", subscription_id)
    if not done:  # without the service (or if it failed): the same effect, here
        Subscription.objects.filter(pk=subscription_id).update(
            status=Subscription.Status.DISABLED,
            disabled_reason=GONE_REASON,
            disabled_at=now,
            paused_until=None,
        )
        WebhookMessage.objects.filter(
            subscription_id=subscription_id, status__in=UNFINISHED
        ).update(status=MessageStatus.CANCELLED, last_error=f"subscription disabled: {GONE_REASON}")
        notice_contact(
            subscription=subscription,
            template="webhook_disabled",
            context={"reason": GONE_REASON},
            now=now,
        )
    log.warning("subscription %s disabled: the receiver answered 410", subscription_id)
    return True


def dead_notice(
    *, subscription_id, webhook_id: str, event_type: str, attempts: int, last_error: str, now
) -> None:
    """Tell the contact that a message was given up (at most once a day per subscription)."""
    subscription = Subscription.objects.select_related("client").get(pk=subscription_id)
    notice_contact(
        subscription=subscription,
        template="webhook_dead",
        context={
            "webhook_id": webhook_id,
            "event_type": event_type,
            "attempts": attempts,
            "last_error": last_error,
        },
        now=now,
    )


def given_up_while_sending(message: WebhookMessage, *, now: dt.datetime) -> None:
    """A row whose lease ran out on its last allowed attempt: DEAD, the contact told."""
    error = "dispatcher stopped while sending"
    WebhookMessage.objects.filter(pk=message.pk).update(status=MessageStatus.DEAD, last_error=error)
    log.warning("webhook %s given up: %s", message.webhook_id, error)
    dead_notice(
        subscription_id=message.subscription_id,
        webhook_id=message.webhook_id,
        event_type=message.event_type,
        attempts=message.attempts,
        last_error=error,
        now=now,
    )


def outcomes_write(results: list[deliver.Result], *, now: dt.datetime, rng=None) -> None:
    """Write what `results` gave (inside the caller's transaction; see the module).

    Lock order, the same in every dispatcher and in subscriptions.subscription_disable:
    subscriptions (by id), then messages, then the DeliveryAttempt rows (whose foreign
    keys share-lock both), so two dispatchers never wait for each other in a cycle.
    """
    delivered: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    failed: list[tuple[deliver.Result, dt.timedelta]] = []
    pauses: dict = {}
    gone: dict = defaultdict(list)
    for r in results:
        job = r.job
        if r.delivered:
            delivered[(job.attempt, r.status_code)].append(job.message_id)
        elif r.outcome == deliver.GONE_OUTCOME:
            gone[job.subscription_id].append(r)
        else:
            if r.retry_after is not None:
                wait = r.retry_after
                _pause(pauses, job.subscription_id, now + wait)
            else:
                wait = backoff(job.attempt, rng)
                _pause(pauses, job.subscription_id, now + min(wait, PAUSE_MAX))
            failed.append((r, wait))
    for subscription_id in sorted({*gone, *pauses}, key=str):
        if subscription_id in gone:
            subscription_gone(
                subscription_id=subscription_id, now=now, results=gone[subscription_id]
            )
        else:
            Subscription.objects.filter(pk=subscription_id).filter(
                Q(paused_until__isnull=True) | Q(paused_until__lt=pauses[subscription_id])
            ).update(paused_until=pauses[subscription_id])
    _failures_write(failed, now=now)
    for (attempt, code), ids in delivered.items():
        WebhookMessage.objects.filter(
            pk__in=ids, status=MessageStatus.SENDING, attempts=attempt
        ).update(
            status=MessageStatus.DELIVERED, delivered_at=now, last_status_code=code, last_error=""
        )
    DeliveryAttempt.objects.bulk_create(
        [
            DeliveryAttempt(
                message_id=r.job.message_id,
                subscription_id=r.job.subscription_id,
                number=r.job.attempt,
                started_at=r.job.started_at,
                outcome=r.outcome,
                status_code=r.status_code,
                latency_ms=r.latency_ms,
                response_excerpt=r.excerpt[: deliver.EXCERPT],
                error=r.error[:300],
            )
            for r in results
        ]
    )


def _failures_write(failed: list[tuple[deliver.Result, dt.timedelta]], *, now) -> None:
    """FAILED with the next attempt after `wait`, or DEAD after the last attempt."""
    most = max_attempts()
    told: set = set()
    for r, wait in failed:
        job = r.job
        fields = {"last_status_code": r.status_code, "last_error": r.error[:300]}
        if job.attempt < most:
            if _settle(job, status=MessageStatus.FAILED, next_attempt_at=now + wait, **fields):
                log.info("webhook %s attempt %s failed: %s", job.webhook_id, job.attempt, r.error)
            continue
        if _settle(job, status=MessageStatus.DEAD, **fields):
            log.warning("webhook %s given up: %s", job.webhook_id, r.error)
            if job.subscription_id not in told:
                told.add(job.subscription_id)
                dead_notice(
                    subscription_id=job.subscription_id,
                    webhook_id=job.webhook_id,
                    event_type=job.event_type,
                    attempts=job.attempt,
                    last_error=r.error,
                    now=now,
                )
