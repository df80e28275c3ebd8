"""The Idempotency-Key header on API POSTs: a retried request gets the first answer back.

Why: a kiosk that loses the answer to "print a ticket", or a phone that loses the
answer to "book" at 07:00, sends the request again. With the same Idempotency-Key it
gets the very first answer (header `Idempotent-Replayed: true`) instead of a second
ticket or booking. Handlers stay thin: they are wrapped with

    @router.post(...)
    @idempotent(BookingOut, throttle=booking_throttle)
    def create_booking(request, payload: BookingIn, mall: str = MallCode): ...

What is kept (mpp.core.idempotency; keys live 24 hours): the success answer, in the
same transaction as the change; a refusal of the domain (409, 404, 422 such as
slot_full or invalid_nik), right after its rolled-back transaction. Not kept, so that a
retry runs again: 429 rate limits, server errors, and ninja's own 401/422 (those come
before the handler and answer the same way every time).

The scope of a key is method + path + caller (the staff user of a token or session,
the API client of an agency's key, else anonymous): keys of different staff, or of a
client and a user that happen to share an id, never meet. An anonymous caller's request is
recognised by its fingerprint, a keyed digest of the body and the X-NIK proof header:
only the identical request, which already holds the NIK, gets the stored answer back.

Without the header, a request runs as usual (throttle, then the handler).
"""

from __future__ import annotations

import functools
import hmac
import inspect
import json
from collections.abc import Callable

from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Schema, Status
from ninja.responses import NinjaJSONEncoder

from mpp.api.schemas import IDEMPOTENCY_DESCRIPTION
from mpp.core import dbfaults
from mpp.core.errors import DomainError, Invalid
from mpp.core.idempotency import (
    idempotency_claim,
    idempotency_complete,
    idempotency_forget_failed_claim,
    idempotency_release_after_failure,
    key_valid,
    request_fingerprint,
    scope_digest,
)
from mpp.core.models import IdempotencyRecord
from mpp.core.ratelimit import RateLimited

HEADER = "Idempotency-Key"
# The header as a documented handler parameter (the wrapper reads it, the handler not).
IdempotencyKey = Header(None, alias=HEADER, max_length=255, description=IDEMPOTENCY_DESCRIPTION)
REPLAYED = "Idempotent-Replayed"
CONTENT_TYPE = "application/json; charset=utf-8"


def _caller(request) -> str:
    user = getattr(request, "auth", None)
    if getattr(user, "is_api_client", False) is True:  # an agency's system: never a user
        return f"client:{user.pk}"
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "anon"


def _json(status: int, text: str, *, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type=CONTENT_TYPE)
    if replayed:
        response[REPLAYED] = "true"
    return response


def render(schema: type[Schema], result, default_status: int) -> tuple[int, str]:
    """A handler's result (a dict or ninja Status) as (status, JSON text), shaped by the
    response schema exactly as ninja would."""
    status, data = default_status, result
    if isinstance(result, Status):
        status, data = result.status_code, result.value
    if data is None:  # 204 No Content (call-next with nobody waiting)
        return status, ""
    dumped = schema.model_validate(data).model_dump()
    return status, json.dumps(dumped, cls=NinjaJSONEncoder)


def _body(request) -> bytes:
    """The raw body; for a multipart form already read (the CSRF check of a session
    reads it), its fields in canonical form instead."""
    try:
        return request.body
    except RawPostDataException:
        fields = sorted((k, v) for k in request.POST for v in request.POST.getlist(k))
        return json.dumps(fields).encode()


def _error_text(exc: DomainError) -> str:
    return json.dumps({"code": exc.code, "message": exc.message})


def _replay_or_raise(request, exc: RateLimited, scope: str, key: str, fingerprint: str):
    """A rate-limited retry still gets its stored answer, if there is one."""
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if (
        record is not None
        and record.status_code
        and hmac.compare_digest(record.fingerprint, fingerprint)
    ):
        return _json(record.status_code, record.response, replayed=True)
    raise exc


def idempotent(schema: type[Schema], *, status: int = 200, throttle: Callable | None = None):
    """Wrap a POST handler so that the Idempotency-Key header makes it safe to retry.

    `schema` shapes the success answer (the handler returns a dict or Status(code, dict));
    `throttle(request, **kwargs)` (rate limits) runs before any write and may raise.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            raw = request.headers.get(HEADER)
            if raw is None:
                if throttle is not None:
                    throttle(request, **kwargs)
                return func(request, *args, **kwargs)
            key = raw.strip()
            if not key_valid(key):
                raise Invalid(
                    _("The Idempotency-Key must be 1 to 255 visible characters (a UUID)."),
                    code="invalid_idempotency_key",
                )
            scope = scope_digest(request.method, request.path, _caller(request))
            fingerprint = request_fingerprint(_body(request), request.headers.get("X-NIK", ""))
            if throttle is not None:
                try:
                    throttle(request, **kwargs)
                except RateLimited as exc:
                    return _replay_or_raise(request, exc, scope, key, fingerprint)
            now = timezone.now()
            try:
                with dbfaults.untracked():  # released if the request fails: may be retried
                    outcome, record = idempotency_claim(
                        scope=scope, key=key, fingerprint=fingerprint, now=now
                    )
            except DatabaseError:
                # Lost at COMMIT, the claim may exist all the same: ours has this instant.
                idempotency_forget_failed_claim(scope=scope, key=key, created_at=now)
                raise
            if outcome == "replay":
                return _json(record.status_code, record.response, replayed=True)
            try:
                with transaction.atomic():
                    result = func(request, *args, **kwargs)
                    code, text = render(schema, result, status)
                    idempotency_complete(record=record, status_code=code, response=text)
            except DomainError as exc:
                if exc.status == 429 or exc.status >= 500:
                    idempotency_release_after_failure(record=record)
                    raise
                text = _error_text(exc)
                try:
                    idempotency_complete(record=record, status_code=exc.status, response=text)
                except DatabaseError:  # the refusal could not be kept: a retry runs again
                    idempotency_release_after_failure(record=record)
                    raise
                return _json(exc.status, text)
            except BaseException:
                # Rolled back (or the connection died): a retry with this key runs again.
                idempotency_release_after_failure(record=record)
                raise
            return _json(code, text)

        # ninja reads the handler's parameters through the wrapper: give it the real
        # types (string annotations would be resolved in this module's globals).
        wrapper.__signature__ = inspect.signature(func, eval_str=True)
        return wrapper

    return decorate
