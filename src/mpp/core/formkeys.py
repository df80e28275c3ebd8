"""Idempotency keys for HTML forms (kiosk, officer console): a retried form never acts twice.

Why: a kiosk whose "print my number" request failed half-way (Redis gone, a proxy
timeout, a double tap) sends the form again; an officer presses "call next" again when
the screen did not change. The API has its Idempotency-Key header for this; pages get
the same mechanism, the records of mpp.core.idempotency in the database (never the
cache: it must survive a Redis outage and every server process must see it):

    # rendering the form: a hidden field, new on every render
    <input type="hidden" name="nonce" value="{{ nonce }}">   # nonce = form_key_new()

    # handling the POST
    result, replayed = form_once(request, scope=f"kiosk:{mall.pk}",
                                 fields={"service": code}, run=lambda: {...})

`run()` makes the change and returns a small JSON-able dict (what the answer needs: a
ticket id, a message); it runs inside a transaction together with storing that dict, so
the dict is kept if and only if the change committed. The same key again (a retry, a
JS re-send) gets the stored dict back (`replayed` True) without running anything; while
the first request is still running, the second waits for it (up to WAIT_SECONDS). A
DomainError (the change was refused: nothing happened) or any other error forgets the
key, so a retry runs again. A missing or malformed key: `run()` simply runs (old pages).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable

from django.db import DatabaseError, transaction
from django.utils import timezone

from mpp.core import dbfaults
from mpp.core.errors import Conflict
from mpp.core.idempotency import (
    idempotency_claim,
    idempotency_complete,
    idempotency_forget_failed_claim,
    idempotency_release_after_failure,
    request_fingerprint,
    scope_digest,
)

FIELD = "nonce"
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
WAIT_SECONDS = 10.0  # a repeated submit waits this long for the first one to finish
WAIT_STEP = 0.1


def form_key_new() -> str:
    """A fresh key for a rendered form (32 hex digits)."""
    return uuid.uuid4().hex


def _caller(request) -> str:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if getattr(user, "is_authenticated", False) else "anon"


def _claim(scope: str, key: str, fingerprint: str, wait_seconds: float):
    """idempotency_claim as mpp.api.idempotency makes it (a lost connection: the claim is
    forgotten and the request may be retried), waiting while the first request runs."""
    deadline = time.monotonic() + wait_seconds
    while True:
        now = timezone.now()
        try:
            with dbfaults.untracked():  # released if the request fails: may be retried
                return idempotency_claim(scope=scope, key=key, fingerprint=fingerprint, now=now)
        except DatabaseError:
            idempotency_forget_failed_claim(scope=scope, key=key, created_at=now)
            raise
        except Conflict as exc:
            if exc.code != "idempotency_in_progress" or time.monotonic() >= deadline:
                raise
            time.sleep(WAIT_STEP)


def form_once(
    request,
    *,
    scope: str,
    fields: dict,
    run: Callable[[], dict],
    wait_seconds: float | None = None,
) -> tuple[dict, bool]:
    """Run `run()` once per form key (request.POST["nonce"]); (its dict, replayed).

    `scope` names what the form does and where ("kiosk:<mall id>", "console:<counter
    id>:call"); `fields` are the POST values that make it this request (the same key
    with other fields: 422 idempotency_key_reused). Raises what `run()` raises.
    """
    key = request.POST.get(FIELD, "")
    if not KEY_RE.match(key):
        return run(), False
    scope_key = scope_digest("POST", f"form:{scope}", _caller(request))
    fingerprint = request_fingerprint(json.dumps(fields, sort_keys=True).encode())
    wait = WAIT_SECONDS if wait_seconds is None else wait_seconds
    outcome, record = _claim(scope_key, key, fingerprint, wait)
    if outcome == "replay":
        return json.loads(record.response), True
    try:
        with transaction.atomic():
            result = run()
            idempotency_complete(record=record, status_code=200, response=json.dumps(result))
    except BaseException:  # refused (DomainError: nothing changed) or failed: forget the key
        idempotency_release_after_failure(record=record)
        raise
    return result, False
