"""The device cookie: how a kiosk's or board's browser proves, on every page, what it is.

Why: a screen is enrolled once, by typing its credential on /devices/enrol/; from then on
its browser holds the credential in a cookie that scripts cannot read (HttpOnly), that
travels only over HTTPS when the site is served so (Secure), and that no other site can
make the browser send (SameSite=Strict). The cookie holds the credential itself, not a
signed id, so rotating the secret key does not un-enrol every kiosk, and revoking the
device in the admin stops the screen at its next page. Chromium keeps a cookie at most
400 days, so every kiosk and board page sets it again (the screen stays enrolled while
it is in use).
"""

from __future__ import annotations

from mpp.devices.models import Device
from mpp.devices.selectors import device_for_credential

COOKIE_NAME = "mpp_device"
COOKIE_MAX_AGE = 400 * 24 * 3600


def device_from_request(request, *, kind: str) -> Device | None:
    """The registered, unrevoked device of `kind` this browser was enrolled as, or None."""
    cache = request.__dict__.setdefault("_mpp_devices", {})
    if kind not in cache:
        cache[kind] = device_for_credential(request.COOKIES.get(COOKIE_NAME), kind=kind)
    return cache[kind]


def enrolled_any(request) -> Device | None:
    """The device this browser is enrolled as, whatever its kind."""
    return device_for_credential(request.COOKIES.get(COOKIE_NAME))


def cookie_set(response, request, raw: str) -> None:
    """Keep the credential in this browser (see the module's docstring)."""
    response.set_cookie(
        COOKIE_NAME,
        raw,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=request.is_secure(),
        samesite="Strict",
    )


def cookie_refresh(response, request) -> None:
    """Set the cookie again for another 400 days (a page of an enrolled screen)."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if raw:
        cookie_set(response, request, raw)


def cookie_forget(response) -> None:
    response.delete_cookie(COOKIE_NAME, samesite="Strict")
