"""Enrolment: a kiosk's or board's browser is told once what it is, by its credential.

GET /devices/enrol/ shows whether this browser is enrolled and a form for the credential;
the POST checks it and keeps it in an HttpOnly cookie (mpp.devices.enrolment), then goes
on to the screen's page (or ?next=, a path of this site). Attempts are limited per client
address, so the page cannot be used to try credentials.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mpp.core.ratelimit import client_ip, ratelimit_hit
from mpp.devices.enrolment import cookie_forget, cookie_set, enrolled_any
from mpp.devices.models import Device, DeviceKind
from mpp.devices.selectors import device_for_credential

ENROL_LIMIT = (10, 600)  # attempts per client address per 10 minutes


def _next(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if ok and wanted.startswith("/") else ""


def device_home(device: Device) -> str:
    """The page a device shows: its mall's kiosk or board."""
    name = "kiosk" if device.kind == DeviceKind.KIOSK else "board"
    return reverse(name, args=[device.mall.code])


def _page(request, *, error: str = "", status: int = 200):
    response = render(
        request,
        "devices/enrol.html",
        {"device": enrolled_any(request), "error": error, "next": _next(request)},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request):
    if request.method != "POST":
        return _page(request)
    result = ratelimit_hit(
        scope="device_enrol_ip",
        key=client_ip(request),
        limit=ENROL_LIMIT[0],
        window_seconds=ENROL_LIMIT[1],
    )
    if not result.allowed:
        message = _("Too many attempts. Please try again in %(seconds)d seconds.") % {
            "seconds": result.retry_after
        }
        response = _page(request, error=message, status=429)
        response["Retry-After"] = str(result.retry_after)
        return response
    raw = request.POST.get("credential", "").strip()
    device = device_for_credential(raw)
    if device is None:
        message = _(
            "This is not the credential of a registered device, or the device was revoked. "
            "Check it in the admin (Devices) and type it again."
        )
        return _page(request, error=message, status=400)
    response = redirect(_next(request) or device_home(device))
    cookie_set(response, request, raw)
    return response


@require_POST
def forget(request):
    """Un-enrol this browser (the device stays registered; revoke it in the admin)."""
    response = redirect(reverse("device-enrol"))
    cookie_forget(response)
    return response
