"""Landing page, staff sign-in/out and two-factor enrolment.

The landing page is where a citizen or an officer who typed the server's address
ends up: it lists the malls that serve here, with their kiosk and board. Staff
sign in with Django's own auth views, dressed in our templates, behind the lock-out
(mpp.accounts.throttle) and with a TOTP code once enrolled (mpp.accounts.twofactor).
"""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login

from mpp.accounts import throttle, twofactor
from mpp.catalog.models import Mall

# Where the API publishes the national list of malls, if that route exists.
REGISTRY_API_PATHS = ("/api/v1/malls", "/api/v1/malls/")


def _url_or_none(name: str, **kwargs) -> str | None:
    """Reverse a route another part of the project may or may not have registered yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _path_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def home(request):
    malls = list(
        Mall.objects.select_related("regency")
        .filter(offerings__is_active=True, offerings__service__is_active=True)
        .distinct()
        .order_by("name")
    )
    for mall in malls:
        mall.kiosk_url = reverse("kiosk", kwargs={"mall": mall.code})
        mall.board_url = _url_or_none("board", mall=mall.code)
    registry = Mall.objects.aggregate(
        total=Count("id"), operating=Count("id", filter=Q(status=Mall.Status.OPERATING))
    )
    return render(
        request,
        "web/home.html",
        {
            "malls": malls,
            "registry": registry,
            "registry_url": next((p for p in REGISTRY_API_PATHS if _path_exists(p)), None),
        },
    )


class StaffLoginForm(AuthenticationForm):
    """Username, password and, for staff who enrolled an authenticator, its code.

    A locked username or address is refused before the password is checked (the right
    password too), with how long to wait; a wrong code counts as a failed sign-in.
    """

    otp_code = forms.CharField(label=_("Code from your authenticator app"), required=False)

    error_messages = {
        **AuthenticationForm.error_messages,
        "otp_required": _(
            "Enter the 6-digit code from your authenticator app to finish signing in."
        ),
        "otp_invalid": _("That code is not right or has expired. Enter the current code."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        lock = throttle.login_lock(username=username, request=self.request)
        if lock is not None:
            raise ValidationError(lock.message(), code="locked")
        cleaned = super().clean()
        self.otp_device = twofactor.confirmed_device(self.user_cache)
        if self.otp_device is not None:
            code = self.cleaned_data.get("otp_code", "")
            if not code:
                raise ValidationError(self.error_messages["otp_required"], code="otp_required")
            if not twofactor.code_valid(self.otp_device, code):
                throttle.login_failure_record(username=username, request=self.request)
                raise ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        throttle.login_success_record(username=username)
        return cleaned


class StaffLoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else reverse("console")


@login_required
def twofactor_enrol(request):
    """Set up an authenticator app: scan the QR code (or type the key), enter a code."""
    user = request.user
    if twofactor.confirmed_device(user) is not None:
        return render(request, "web/twofactor.html", {"enrolled": True})
    device = twofactor.pending_device(user)
    error = None
    if request.method == "POST":
        if twofactor.code_valid(device, request.POST.get("otp_code", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Two-step sign-in is on for your account."))
            return redirect(_safe_next(request))
        error = _("That code is not right or has expired. Enter the current code.")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "web/twofactor.html",
        {
            "enrolled": False,
            "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
            "secret": _spaced(device.key),
            "error": error,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "required": twofactor.requires_2fa(user),
        },
    )


def _spaced(hex_key: str) -> str:
    """The key as authenticator apps ask for it: base32, in groups of four."""
    from base64 import b32encode

    text = b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class StaffLogoutView(auth_views.LogoutView):
    """Log out by POST (Django 5); a GET shows a confirm button instead of a 405."""

    template_name = "web/logout.html"
    next_page = "web:login"
    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name)

    def post(self, request, *args, **kwargs):
        was_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_in:
            messages.info(request, _("You have been logged out."))
        return response
