"""Idempotency keys: one answer per (scope, key), however often a request is retried.

Why: at 07:00 connections drop and people press "book" again; a kiosk that loses the
answer to "print a ticket" retries on its own. A client that sends the same
Idempotency-Key again must get the first answer back, not a second booking or ticket.
The HTTP side (header, replay, which answers are kept) is mpp.api.idempotency; this
module keeps the records (core.models.IdempotencyRecord):

    idempotency_claim(*, scope, key, fingerprint, now=None) -> (outcome, record)
        outcome "new": this request runs (the record is committed, in flight);
        "replay": an answer with the same fingerprint is stored: send it again.
        Errors: Invalid idempotency_key_reused (422: same key, different request),
        Conflict idempotency_in_progress (409: the first request is still running).
    idempotency_complete(*, record, status_code, response) -- call it inside the
        transaction of the change, so the answer is kept if and only if it committed
    idempotency_release(*, record) -- the request ended without an answer to keep
    idempotency_release_after_failure(*, record) -> bool -- the same after a rolled-back
        transaction or a lost connection: on a fresh connection, never raising
    idempotency_forget_failed_claim(*, scope, key, created_at) -- a claim whose own
        query lost its connection (it may have been committed all the same)
    idempotency_purge(*, now=None) -> int -- drop records older than a day (periodic)

A record left in flight by a crashed process (nothing committed: the answer is stored
in the change's own transaction) is taken over by a retry after STALE_AFTER.
Fingerprints and scopes are keyed digests (MPP_PII_KEY): a body with a NIK in it is
never stored, nor is any hash of it that could be reversed by trying every NIK.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.core import dbfaults
from mpp.core.errors import Conflict, Invalid
from mpp.core.models import IdempotencyRecord

log = logging.getLogger(__name__)

TTL = dt.timedelta(hours=24)
STALE_AFTER = dt.timedelta(seconds=60)
PURGE_BATCH = 1000
KEY_MAX = 255


def key_valid(key: str) -> bool:
    """1 to 255 visible ASCII characters (a UUID is best)."""
    return 0 < len(key) <= KEY_MAX and all(33 <= ord(ch) <= 126 for ch in key)


def _digest(*parts: bytes) -> str:
    mac = hmac.new(settings.MPP_PII_KEY.encode(), digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def scope_digest(method: str, path: str, caller: str) -> str:
    """The scope of a key: the same key on another path or from another caller is another."""
    return _digest(method.upper().encode(), path.encode(), caller.encode())


def request_fingerprint(body: bytes, *extra: str) -> str:
    """A keyed digest of the request: its JSON body in canonical form (key order and
    spacing do not matter), or its raw bytes, plus proof headers such as X-NIK."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        data = canonical.encode()
    except (ValueError, UnicodeDecodeError):
        data = body
    return _digest(data, *(e.encode() for e in extra))


def _reused() -> Invalid:
    return Invalid(
        _("This Idempotency-Key was already used for a different request; use a new key."),
        code="idempotency_key_reused",
    )


def _in_progress() -> Conflict:
    exc = Conflict(
        _("A request with this Idempotency-Key is still being processed; try again shortly."),
        code="idempotency_in_progress",
    )
    exc.retry_after = 1  # the API sends it as Retry-After
    return exc


def _decide(record: IdempotencyRecord, fingerprint: str, now: dt.datetime) -> str:
    """What an existing record means for a new request: "replay", "expired", "stale",
    or an error raised."""
    if record.created_at <= now - TTL:
        return "expired"
    if record.status_code is None:
        if record.created_at <= now - STALE_AFTER:
            return "stale"
        raise _in_progress()
    if not hmac.compare_digest(record.fingerprint, fingerprint):
        raise _reused()
    return "replay"


def _take_over(record: IdempotencyRecord, fingerprint: str, now: dt.datetime) -> bool:
    """Claim an expired or abandoned record in one conditional UPDATE; False if another
    request did it first."""
    won = IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).update(
        fingerprint=fingerprint, status_code=None, response="", created_at=now, completed_at=None
    )
    if won:
        record.fingerprint, record.status_code, record.response = fingerprint, None, ""
        record.created_at, record.completed_at = now, None
    return won == 1


def idempotency_claim(
    *, scope: str, key: str, fingerprint: str, now: dt.datetime | None = None
) -> tuple[str, IdempotencyRecord]:
    """Find or start the record of (scope, key); see the module docstring."""
    now = now or timezone.now()
    for _attempt in range(2):
        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if record is not None:
            outcome = _decide(record, fingerprint, now)
            if outcome == "replay":
                return "replay", record
            if _take_over(record, fingerprint, now):
                return "new", record
            continue  # someone else took it over: look again
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, created_at=now
                )
            return "new", record
        except IntegrityError:
            continue  # a concurrent request with the same key won: look again
    raise _in_progress()


def idempotency_complete(*, record: IdempotencyRecord, status_code: int, response: str) -> None:
    """Keep the answer (JSON text) of the request that claimed `record`; call it inside
    the transaction of the change."""
    now = timezone.now()
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status_code, response=response, completed_at=now
    )
    record.status_code, record.response, record.completed_at = status_code, response, now


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget a claim whose request ended without an answer worth replaying (a server
    error, a rate limit), so that a retry runs again."""
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def _on_a_live_connection(forget) -> bool:
    """Run `forget` (a delete) after a failure, on a fresh connection if the request's
    died (the pool lends only checked ones), three times at most. False when the
    database could not be reached: the request is then not retried (core.dbfaults)."""
    for attempt in range(3):
        try:
            with dbfaults.untracked():
                forget()
            return True
        except DatabaseError:
            if connection.in_atomic_block:  # inside an outer transaction: nothing to do
                break
            connection.close()  # a dead connection goes back to the pool and is dropped
            time.sleep(0.05 * attempt)
    dbfaults.forbid_retry()
    return False


def idempotency_release_after_failure(*, record: IdempotencyRecord) -> bool:
    """idempotency_release after the request's transaction rolled back, also when the
    connection died with it; never raises (the request's own error is what counts).
    False when the claim could not be released (it becomes stale after STALE_AFTER)."""
    released = _on_a_live_connection(lambda: idempotency_release(record=record))
    if not released:
        log.warning("idempotency claim %s could not be released", record.pk)
    return released


def idempotency_forget_failed_claim(*, scope: str, key: str, created_at: dt.datetime) -> bool:
    """A claim whose own query failed with a lost connection may still have been
    committed (the connection died at COMMIT): delete it if it is there, in flight and
    made at `created_at` (the `now` given to that idempotency_claim: not another
    request's claim of the same key). Never raises."""

    def forget() -> None:
        IdempotencyRecord.objects.filter(
            scope=scope, key=key, created_at=created_at, status_code__isnull=True
        ).delete()

    forgotten = _on_a_live_connection(forget)
    if not forgotten:
        log.warning("a failed idempotency claim could not be checked")
    return forgotten


def idempotency_purge(*, now: dt.datetime | None = None) -> int:
    """Delete records older than TTL, in small batches (SQLite's write lock stays short).
    Returns how many were deleted."""
    cutoff = (now or timezone.now()) - TTL
    total = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :PURGE_BATCH
            ]
        )
        if not ids:
            return total
        with transaction.atomic():
            total += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
