"""Optional two-factor sign-in for staff: a TOTP code from an authenticator app.

Why: a staff password alone opens the admin of a mall (or of every mall). Staff may
enrol a TOTP device (django-otp; Google Authenticator, Aegis, FreeOTP...); from then on
the staff login asks for its 6-digit code. With MPP_REQUIRE_2FA on, national admins
and mall managers must have one: until they enrol, every page sends them to the
enrolment page, and a session signed in without the code is sent back to the login.
The choice follows GOV.UK's and NetBox's practice: TOTP (no SMS: no gateway cost, no
SIM-swap), required for the accounts that can change a whole mall.
"""

from __future__ import annotations

from urllib.parse import urlencode

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from mpp.accounts.models import Role

DEVICE_NAME = "authenticator"
# Paths a person who still needs a second factor may open.
EXEMPT_PREFIXES = ("/static/", "/accounts/", "/i18n/", "/favicon")


def requires_2fa(user) -> bool:
    """Must this person sign in with a code (MPP_REQUIRE_2FA and an admin's role)?"""
    if not getattr(settings, "MPP_REQUIRE_2FA", False):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_national or user.role == Role.MALL_MANAGER)


def confirmed_device(user) -> TOTPDevice | None:
    """The person's enrolled (confirmed) TOTP device, or None."""
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The device being enrolled (not yet confirmed by a code): one per person."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def code_valid(device: TOTPDevice, code: str) -> bool:
    """Is `code` the device's current code (or the one before or after)? Each code is
    accepted once (django-otp remembers the last one used)."""
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    return len(code) == device.digits and bool(device.verify_token(code))


class RequireTwoFactorMiddleware:
    """With MPP_REQUIRE_2FA: national admins and mall managers without a verified
    session are sent to enrol (no device yet) or to sign in again with their code.
    Sync and async (the board's streams stay in the event loop); off, it only passes on."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        if getattr(settings, "MPP_REQUIRE_2FA", False):
            refusal = self.refusal(request, getattr(request, "user", None))
            if refusal is not None:
                return refusal
        return self.get_response(request)

    async def _acall(self, request):
        if getattr(settings, "MPP_REQUIRE_2FA", False) and hasattr(request, "auser"):
            user = await request.auser()
            refusal = await sync_to_async(self.refusal)(request, user)
            if refusal is not None:
                return refusal
        return await self.get_response(request)

    @staticmethod
    def refusal(request, user):
        if not requires_2fa(user) or user.is_verified():
            return None
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        query = urlencode({"next": request.get_full_path()})
        if confirmed_device(user) is None:
            return HttpResponseRedirect(f"{reverse('web:twofactor')}?{query}")
        logout(request)  # signed in without the code (e.g. before it was required)
        return HttpResponseRedirect(f"{reverse('web:login')}?{query}")
