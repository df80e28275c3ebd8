"""REST API v1 (django-ninja). Handlers stay thin: parse, authorise, call one service.

Kiosks and boards of other vendors and agency systems integrate against these
paths, so they do not change within v1; the spec is committed as
src/mpp/api/openapi.json (regenerate with `mpp openapi`).
"""

from __future__ import annotations

import functools

from asgiref.sync import iscoroutinefunction
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger

from mpp.api import errors
from mpp.api.routers import (
    assistant,
    board,
    bookings,
    cases,
    complaints,
    consultation,
    counters,
    malls,
    outreach_requests,
    outreach_schedule,
    search,
    surveys,
    tickets,
    webhooks,
)


class MppNinjaAPI(NinjaAPI):
    """NinjaAPI whose every answer is JSON, even for unknown paths and wrong methods."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        wrapped = [_json_errors(p) for p in patterns]
        wrapped.append(re_path(r"^.*$", _not_found, name="not-found"))
        return wrapped, app_name, namespace


_READ_ONLY = {"openapi-json", "openapi-view"}  # the spec and the docs page: GET only


def _read_only(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        return view(request, *args, **kwargs)

    return wrapper


def _fix(response):
    if isinstance(response, HttpResponseNotAllowed):
        return errors.method_not_allowed(response)
    return response


def _json_errors(pattern):
    """Wrap a URL pattern's view so a 405 or a raised Http404 comes back as JSON."""
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback
    if pattern.name == "api-root":
        view = _index
    elif pattern.name in _READ_ONLY:
        view = _read_only(view)

    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def wrapper(request, *args, **kwargs):
            try:
                return _fix(await view(request, *args, **kwargs))
            except Http404:
                return _not_found(request)

    else:

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return _fix(view(request, *args, **kwargs))
            except Http404:
                return _not_found(request)

    wrapper.csrf_exempt = True
    return URLPattern(pattern.pattern, wrapper, pattern.default_args, pattern.name)


@csrf_exempt  # an unknown path answers 404 JSON whatever the method, never a CSRF page
def _not_found(request, *args, **kwargs):
    return errors.error_response(404, "not_found", _("There is no such API endpoint."))


def _index(request, *args, **kwargs):
    if request.method not in ("GET", "HEAD"):
        return errors.method_not_allowed(HttpResponseNotAllowed(["GET"]))
    root = request.path
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "openapi": f"{root}openapi.json",
            "docs": f"{root}docs",
        }
    )


api = MppNinjaAPI(
    title="MPP API",
    version="1.0.0",
    description=(
        "Mal Pelayanan Publik: catalogue, walk-in queue, display boards, online booking.\n\n"
        "Catalogue, ticket lookup, the board, slots and booking are public. Issuing a walk-in "
        "ticket needs a registered kiosk of that mall (`X-Device-Key: mppd_...`, registered "
        "in the admin) or staff credentials. Officer "
        "actions need an API token (`Authorization: Bearer mpp_...`) or a signed-in staff "
        "session with its CSRF token (`X-CSRFToken`), of a staff member of that mall.\n\n"
        "A booking is proven by its code plus the citizen's NIK, sent in the `X-NIK` header "
        "(never in a URL; never logged). POSTs accept an `Idempotency-Key` header: a retry "
        "with the same key gets the first answer back (`Idempotent-Replayed: true`).\n\n"
        "Agency systems call the API as an API client with its own key "
        "(`Authorization: Bearer mppc_...`, created in the admin or with `mpp client "
        "create`): scoped to one agency's booths in its malls and to its operations. "
        "A client with `webhook.manage` subscribes to events (`/webhooks/subscriptions`): "
        "signed Standard Webhooks v1 POSTs with CloudEvents 1.0 bodies, retried with "
        "backoff, with a delivery log and replay; the event types are listed at "
        "`/webhooks/event-types`.\n\n"
        'Every error is JSON `{"code": "...", "message": "..."}`; branch on `code` '
        "(e.g. `mall_not_found`, `service_not_found`, `counter_busy`, `invalid_state`, "
        "`recall_first`, `same_service`, `unauthorized`, `forbidden`, `csrf_failed`, "
        "`slot_full`, `duplicate_booking`, `window_closed`, `booking_not_found`). "
        "Applications (`/cases`) need staff credentials; every case answer carries an "
        "`ETag` and every change needs it back in `If-Match` (without: 428 "
        "`precondition_required`; changed meanwhile: 412 `precondition_failed`). "
        "Invalid input gives 422 `validation_error` with a list of `errors`, or a domain "
        "code such as `invalid_nik`. Too many requests from one address or for one NIK: "
        "429 `rate_limited`; booking writes past what the server sustains: 503 "
        "`overloaded`; both with `Retry-After` (seconds)."
    ),
    urls_namespace="api-v1",
    # Without deep links an operation's summary button holds no link inside it (axe
    # nested-interactive); the page and its CSS are api/templates/ninja/swagger.html.
    docs=Swagger(settings={"deepLinking": False}),
)

for exc_class, handler in errors.HANDLERS:
    api.add_exception_handler(exc_class, handler)

api.add_router("", malls.router)
api.add_router("", tickets.router)
api.add_router("", counters.router)
api.add_router("", board.router)
api.add_router("", bookings.router)
api.add_router("", surveys.router)
api.add_router("", complaints.router)
api.add_router("", consultation.router)
api.add_router("", search.router)
api.add_router("", assistant.router)
api.add_router("", cases.router)
api.add_router("", webhooks.router)
api.add_router("", outreach_requests.router)
api.add_router("", outreach_schedule.router)
