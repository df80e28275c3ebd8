"""Control characters in text input: refused with 422 in one place, for every form and
API request, before any view sees them.

Why: a NUL byte in a booking name or a survey comment made PostgreSQL refuse the
INSERT ("A string literal cannot contain NUL") and the request answered 500, while
SQLite stored it; other control characters (ESC, BEL, a lone UTF-16 surrogate from a
JSON "\\ud800") end up in exports, SMS and printed tickets. No text field of MPP has
a use for them, so TextCheckMiddleware looks at every decoded input:

- the query string of every API request (pages: such parameters are dropped, so a
  filter or search given junk shows the page unfiltered, as for other junk),
- a JSON body (keys and string values, at any depth) on every method with a body,
- form fields and uploaded file names (urlencoded and multipart bodies),

and answers 422 when one holds a character of `FORBIDDEN`: C0 controls except tab,
line feed and carriage return (the three of multi-line text, allowed everywhere:
single-line fields strip or refuse them in their own validation), DEL, C1 controls
and surrogates. The API answers like its other invalid input: 422
{"code": "validation_error", "message", "errors": [{"loc", "msg", "type": "invalid_text"}]};
pages answer a short readable page naming the field. Paths are left to the views
(their converters and look-ups answer 404), bodies that do not parse too (ninja:
400), and so are bodies larger than the path's limit (mpp.core.bodyguard: 413).
"""

from __future__ import annotations

import html
import json
import re

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from mpp.core.bodyguard import body_limit
from mpp.core.middleware import HybridMiddleware

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
JSON_TYPES = ("application/json", "application/problem+json")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control(text: str) -> bool:
    """True when `text` holds a character no text field accepts (see FORBIDDEN)."""
    return FORBIDDEN.search(text) is not None


def _json_loc(value, loc: tuple = ()) -> tuple | None:
    """The location (keys and indexes) of the first string, key or value, with a
    forbidden character; None when there is none."""
    if isinstance(value, str):
        return loc if has_control(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if has_control(str(key)):
                return (*loc, key)
            found = _json_loc(item, (*loc, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _json_loc(item, (*loc, i))
            if found is not None:
                return found
    return None


def _querydict_loc(data) -> tuple | None:
    for key, values in data.lists():
        if has_control(key) or any(has_control(str(v)) for v in values):
            return (key,)
    return None


def _drop_bad_query(request) -> None:
    """A page's query string without the parameters that hold a forbidden character
    (filters and searches given junk show the page unfiltered, as for other junk)."""
    if _querydict_loc(request.GET) is None:
        return
    clean = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [v for v in values if not has_control(v)]
        if kept and not has_control(key):
            clean.setlist(key, kept)
    clean._mutable = False
    request.GET = clean


def bad_input(request) -> list | None:
    """Where the first input of `request` with a forbidden character is, as the API's
    validation errors say it (["body", "name"], ["query", "q"], ["form", "comment"]);
    None when all is clean. May raise Django's body errors (too big, bad multipart)."""
    if _is_api(request):
        found = _querydict_loc(request.GET)
        if found:
            return ["query", *found]
    else:
        _drop_bad_query(request)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > body_limit(request.path):
        return None  # refused unread by mpp.core.bodyguard (or the view, under WSGI)
    content_type = request.content_type or ""
    # The API parses any body that is not a form as JSON, whatever its Content-Type.
    if content_type in JSON_TYPES or (_is_api(request) and content_type not in FORM_TYPES):
        try:
            data = json.loads(request.body)
        except ValueError:
            return None  # the view answers it (400 invalid_json)
        found = _json_loc(data)
        return None if found is None else ["body", *found]
    if content_type in FORM_TYPES:
        found = _querydict_loc(request.POST)
        if found:
            return ["form", *found]
        for key, upload in request.FILES.items():
            if has_control(key) or has_control(upload.name or ""):
                return ["form", key]
    return None


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def refused(request, loc: list) -> HttpResponse:
    """422: on the API a validation error like ninja's (code validation_error, one error
    of type invalid_text at `loc`), elsewhere a readable page naming the field."""
    field = ".".join(str(p) for p in loc[1:]) or loc[0]
    problem = _("contains control characters (such as a NUL byte) that cannot be stored")
    if _is_api(request):
        message = _("The input is not valid: %(details)s") % {"details": f"{field}: {problem}"}
        error = {"loc": loc, "msg": problem, "type": "invalid_text"}
        return JsonResponse(
            {"code": "validation_error", "message": message, "errors": [error]}, status=422
        )
    title = html.escape(_("The form could not be sent"))
    back = html.escape(_("Back to the form"))
    message = _(
        "The field %(field)s contains control characters (such as a NUL byte) that cannot "
        "be stored. Remove them and send it again."
    ) % {"field": field}
    body = (
        "<!doctype html><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f'<title>{title}</title><h1>{title}</h1><p role="alert">{html.escape(message)}'
        f'<p><a href="{html.escape(request.path)}">{back}</a>'
    )
    return HttpResponse(body, status=422, content_type="text/html; charset=utf-8")


class TextCheckMiddleware(HybridMiddleware):
    """Refuses requests whose text input holds control characters; see the module
    docstring. Async-capable: queries and JSON bodies (already read by the ASGI handler)
    are checked in the event loop, multipart bodies in the request's thread."""

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        refusal = self.check(request)
        return refusal or self.get_response(request)

    async def _acall(self, request):
        if (request.content_type or "") == "multipart/form-data":
            refusal = await sync_to_async(self.check)(request)
        else:
            refusal = self.check(request)
        return refusal or await self.get_response(request)

    @staticmethod
    def check(request) -> HttpResponse | None:
        """The refusal of `request`, or None when its input is clean."""
        try:
            loc = bad_input(request)
        except RequestDataTooBig:
            if not _is_api(request):
                raise
            message = _("The request is too large.")
            return JsonResponse({"code": "too_large", "message": message}, status=413)
        except (SuspiciousOperation, MultiPartParserError, OSError):
            if not _is_api(request):
                raise
            message = _("The request cannot be carried out.")
            return JsonResponse({"code": "bad_request", "message": message}, status=400)
        return refused(request, loc) if loc is not None else None
