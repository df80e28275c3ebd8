"""Every API error as JSON {"code", "message"} with the right status.

Clients of other vendors branch on `code`, so codes are stable; `message` is
readable (and translated). Nothing unexpected leaks: an unhandled exception is
logged and answered with a plain 500 body.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError, ValidationError

from mpp.core import dbfaults
from mpp.core.errors import DomainError
from mpp.core.middleware import HybridMiddleware

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
    429: "too_many_requests",
}


def error_response(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "message": str(message), **extra}, status=status)


def on_domain_error(request: HttpRequest, exc: DomainError) -> JsonResponse:
    """A refusal of the domain; a rate limit (429) says when to come back (Retry-After)."""
    response = error_response(exc.status, exc.code, exc.message)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


def _field(loc) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    return ".".join(parts) or _("request")


def _loc(loc) -> list:
    """The error's location as the client sees it: ["body", "service"], not the handler's
    parameter name (["body", "payload", "service"])."""
    parts = [p if isinstance(p, int) else str(p) for p in loc]
    if parts[:2] == ["body", "payload"]:
        parts = ["body", *parts[2:]]
    return parts


def on_validation_error(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    errors = [
        {
            "loc": _loc(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    details = "; ".join(f"{_field(e['loc'])}: {e['msg']}" for e in errors)
    message = _("The input is not valid: %(details)s") % {"details": details}
    return error_response(422, "validation_error", message, errors=errors)


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
    response = error_response(
        401, "unauthorized", _("Sign in, or send an API token as 'Authorization: Bearer …'.")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def on_http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    status = exc.status_code
    if status == 400 and isinstance(exc.__cause__, ValueError):
        return error_response(400, "invalid_json", _("The request body is not valid JSON."))
    code = _STATUS_CODES.get(status, "error")
    return error_response(status, code, str(exc))


def on_not_found(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(404, "not_found", _("Not found."))


def on_too_big(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(413, "too_large", _("The request is too large."))


def on_suspicious(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(400, "bad_request", _("The request cannot be carried out."))


def on_unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
    if dbfaults.is_connection_error(exc):  # a lost connection: 503, retried once (core.dbfaults)
        dbfaults.mark(request, exc)
        return dbfaults.unavailable(request)
    log.exception("unhandled API error on %s %s", request.method, request.path)
    return error_response(500, "server_error", _("Something went wrong on our side."))


HANDLERS = [
    (Exception, on_unexpected),
    (SuspiciousOperation, on_suspicious),
    (RequestDataTooBig, on_too_big),
    (Http404, on_not_found),
    (HttpError, on_http_error),
    (AuthenticationError, on_authentication_error),
    (ValidationError, on_validation_error),
    (DomainError, on_domain_error),
]


def method_not_allowed(response: HttpResponseNotAllowed) -> JsonResponse:
    """Ninja's plain-text 405 as JSON, keeping its Allow header."""
    json = error_response(405, "method_not_allowed", _("This method is not allowed here."))
    json["Allow"] = response["Allow"]
    return json


# Lazy: translated per request into the caller's language, not once at import.
_MESSAGES = {
    400: gettext_lazy("The request cannot be carried out."),
    403: gettext_lazy("You may not do this here."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("This method is not allowed here."),
    413: gettext_lazy("The request is too large."),
    500: gettext_lazy("Something went wrong on our side."),
}


def as_json(response):
    """An error answer of Django or a middleware (HTML) under /api/, as JSON."""
    status = response.status_code
    if status < 400 or response.streaming or "json" in response.get("Content-Type", ""):
        return response
    code = _STATUS_CODES.get(status, "server_error" if status >= 500 else "error")
    message = str(_MESSAGES.get(status) or _MESSAGES[500 if status >= 500 else 400])
    json = error_response(status, code, message)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            json[header] = response[header]
    return json


class JsonErrorsMiddleware(HybridMiddleware):
    """Every answer under /api/ is JSON {"code", "message"}: also the ones made outside
    the API's handlers (CSRF refusals, Django's 400/404/500 pages, encoded "../" paths)."""

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        response = self.get_response(request)
        return as_json(response) if request.path.startswith("/api/") else response

    async def _acall(self, request):
        response = await self.get_response(request)
        return as_json(response) if request.path.startswith("/api/") else response
