"""The field app's JSON endpoints: its data for the coming days, and the sync.

Why JSON views and not the /api/: the app runs in the crew's browser on the staff
session (the same login as the staff pages), from the same origin, under /lapangan/
where its service worker lives. Every answer is JSON, errors too ({"code", "message"}
with a 4xx), because the app may have been offline for days and must tell "sign in
again" (401 unauthorized), "fetch a new CSRF token" (403 csrf) and "this record is
refused" apart without reading a page. The CSRF check is Django's own (the token in
the X-CSRFToken header), run here after the sign-in check so that its refusal is JSON.

- GET  /lapangan/data/?date=&days=&vehicle=  -> outreach.field_data
- POST /lapangan/sync/records                -> outreach.sync.records_sync
- PUT  /lapangan/sync/files/<id> (Content-Range: bytes START-END/TOTAL; GET: progress)
                                             -> outreach.sync_files
"""

from __future__ import annotations

import json
import re
from functools import wraps

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from ninja.utils import check_csrf

from mpp.core.errors import DomainError
from mpp.outreach import field_data as data
from mpp.outreach import sync, sync_files

_RANGE = re.compile(r"^bytes (\d{1,12})-(\d{1,12})/(\d{1,12})$")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _error(status: int, code: str, message, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "message": str(message), **extra}, status=status)


def json_endpoint(*methods: str):
    """A JSON view for signed-in staff: 401/403/405 and domain errors as JSON, the CSRF
    token checked on writes (403 csrf), never cached."""

    def decorate(view):
        @csrf_exempt  # checked below, after the sign-in, so that its refusal is JSON
        @never_cache
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = _error(405, "method_not_allowed", _("This method is not allowed here."))
                response["Allow"] = ", ".join(methods)
                return response
            user = request.user
            if not user.is_authenticated or not user.is_active:
                return _error(401, "unauthorized", _("Sign in again to continue."))
            if request.method not in SAFE_METHODS and check_csrf(request) is not None:
                return _error(
                    403,
                    "csrf",
                    _("The security token is missing or out of date. Fetch a new one and retry."),
                )
            try:
                return view(request, *args, **kwargs)
            except sync_files.OffsetMismatch as exc:
                return _error(exc.status, exc.code, exc.message, received=exc.received)
            except DomainError as exc:
                return _error(exc.status, exc.code, exc.message)

        return wrapper

    return decorate


@json_endpoint("GET")
def field_data(request):
    """The vehicle's stops and service standards for `days` days from `date`."""
    sync.field_require(request.user)
    vehicle = data.field_vehicle(user=request.user, vehicle_id=request.GET.get("vehicle"))
    dates = data.field_dates(
        vehicle=vehicle, date=request.GET.get("date"), days=request.GET.get("days")
    )
    return JsonResponse(data.field_data(user=request.user, vehicle=vehicle, dates=dates))


@json_endpoint("POST")
def sync_records(request):
    """A batch of records: one result per record (outreach.sync)."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "invalid_json", _("The request body is not valid JSON."))
    if not isinstance(body, dict):
        return _error(422, "invalid_body", _('Send a JSON object {"device_id", "records": [...]}.'))
    results = sync.records_sync(
        user=request.user, device_id=body.get("device_id"), records=body.get("records")
    )
    return JsonResponse({"results": results})


def _progress(attachment) -> JsonResponse:
    return JsonResponse(
        {"id": str(attachment.pk), "received": attachment.received, "complete": attachment.complete}
    )


@json_endpoint("GET", "PUT")
def sync_file(request, id):
    """PUT: one chunk of an announced file; GET: how much of it has arrived."""
    if request.method == "GET":
        return _progress(sync_files.attachment_for(user=request.user, attachment_id=id))
    match = _RANGE.match(request.headers.get("Content-Range", "").strip())
    if match is None:
        # Unknown files first: the app learns the file was never announced.
        sync_files.attachment_for(user=request.user, attachment_id=id)
        return _error(
            400, "invalid_range", _('Send the header "Content-Range: bytes START-END/TOTAL".')
        )
    start, end, total = (int(g) for g in match.groups())
    attachment = sync_files.file_chunk_put(
        user=request.user,
        attachment_id=id,
        start=start,
        end=end,
        total=total,
        data=request.body,
    )
    return _progress(attachment)
