"""Conditional requests on the API: an ETag on what a client reads, If-Match on what
it changes (optimistic concurrency, RFC 9110 section 13).

Why: an officer's console and an agency's system may act on the same case at once; a
step taken on a stale copy (returning a case someone has just verified) must be
refused, not silently applied. A record with a `version` that rises on every change
answers with `ETag: "v<version>"` (strong); a change needs it back in `If-Match`:
without it 428 precondition_required, with another one 412 precondition_failed (read
again, then retry). `If-Match: *` checks nothing, as HTTP has it. The version the
client named is then checked again under the row's lock by the service
(Conflict "version_mismatch", answered 412 too).

Also here: 415 for a body of the wrong Content-Type, and `with_etag`, which answers a
handler's result (also a replayed Idempotency-Key answer) with its ETag.
"""

from __future__ import annotations

import functools
import inspect
import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema

from mpp.api.idempotency import CONTENT_TYPE, render
from mpp.core.errors import DomainError

JSON_TYPES = ("application/json", "application/problem+json")


class PreconditionRequired(DomainError):
    status = 428
    code = "precondition_required"
    default_message = gettext_lazy(
        "Send the case's ETag in the If-Match header: read the case first."
    )


class PreconditionFailed(DomainError):
    status = 412
    code = "precondition_failed"
    default_message = gettext_lazy(
        "The case has changed since you read it. Read it again, then retry."
    )


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    default_message = gettext_lazy("This body's Content-Type is not accepted here.")


def etag_of(version: int) -> str:
    return f'"v{version}"'


def tags(raw: str | None) -> list[str]:
    """The entity tags of an If-Match or If-None-Match header."""
    return [t.strip() for t in (raw or "").split(",") if t.strip()]


def if_match_present(request) -> None:
    """428 unless the request names what it changes (run before anything is claimed)."""
    if not tags(request.headers.get("If-Match")):
        raise PreconditionRequired()


def expected_version(request, version: int) -> int | None:
    """The version the client last read (its If-Match), when it is `version`; 412 when
    the record changed since; None for `*` (any current record)."""
    given = tags(request.headers.get("If-Match"))
    if not given:
        raise PreconditionRequired()
    if "*" in given:
        return None
    if etag_of(version) in given:
        return version
    raise PreconditionFailed()


def not_modified(request, version: int) -> bool:
    """Does the client hold this version already (If-None-Match)?"""
    given = tags(request.headers.get("If-None-Match"))
    return "*" in given or etag_of(version) in given


def json_only(request, **kwargs) -> None:
    if (request.content_type or "") not in JSON_TYPES:
        raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))


def with_etag(schema: type[Schema], *, status: int = 200):
    """Answer a handler's result (a dict, a ninja Status or a ready response, such as a
    replayed Idempotency-Key answer) with the ETag of the `version` it carries."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            result = func(request, *args, **kwargs)
            if not isinstance(result, HttpResponse):
                code, text = render(schema, result, status)
                result = HttpResponse(text, status=code, content_type=CONTENT_TYPE)
            if 200 <= result.status_code < 300 and result.content:
                version = json.loads(result.content).get("version")
                if version is not None:
                    result["ETag"] = etag_of(version)
            return result

        wrapper.__signature__ = inspect.signature(func, eval_str=True)
        return wrapper

    return decorate
