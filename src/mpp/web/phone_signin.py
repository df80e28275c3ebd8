"""The citizen's optional sign-in with a one-time code sent to their mobile number.

Why: a citizen needs no account, but one who applied or booked at several malls wants
one page with all of it (/me/, "Urusan saya", mpp.web.me). Typing the code sent by SMS
(mpp.accounts.phone_login) proves they hold the number; the session then keeps the
number's keyed digest (request.session["citizen_phone_digest"], which
mpp.cases.citizen_session.may_see accepts for every case made with that number) and
the number itself, for the bookings made with it. The session is server-side (the
cookie holds only its key); the number never appears in a URL, a page (only masked),
or a log. Signing in renews the session key; signing out forgets the number, the cases
this browser opened and any code under way.

Plain forms, no JavaScript needed: the number, then the code (or a new one after a
minute). Requests and tries are counted per client address (core.ratelimit), on top of
phone_login's own limits per number and per code.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mpp.accounts.models import PhoneCode
from mpp.accounts.phone_login import (
    OTP_DIGITS,
    OTP_VALID_MINUTES,
    code_request_limit,
    code_resend,
    code_send,
    code_verify,
    code_verify_limit,
    phone_clean,
    resend_wait,
)
from mpp.cases.citizen_session import PHONE_KEY
from mpp.cases.citizen_session import SESSION_KEY as CASES_KEY
from mpp.core.errors import DomainError
from mpp.core.ratelimit import client_ip, ratelimit_hit
from mpp.web.phone_sms import demo_code_shown

NUMBER_KEY = "citizen_phone"  # E.164, for the bookings made with it (server-side)
PENDING_KEY = "phone_signin"  # {"code": id, "phone": E.164} while a code is under way
CASE_CODE_KEY = "case_code"  # mpp.web.case_code's code under way
SIGNED_OUT_KEYS = (PHONE_KEY, NUMBER_KEY, PENDING_KEY, CASES_KEY, CASE_CODE_KEY)
# "signed_in" / "signed_out": shown once by the next page (its own status line, not
# django.contrib.messages: base.html's message list puts role=status on an <li>).
NOTICE_KEY = "me_notice"


class Problem:
    """A refusal as a page shows it: a stable code (tests) and a plain sentence."""

    def __init__(self, code: str, text: str):
        self.code, self.text = code, text


def problem(exc: DomainError) -> Problem:
    return Problem(exc.code, exc.message)


def language() -> str:
    code = (translation.get_language() or "id").split("-")[0]
    return code if code in ("id", "en") else "id"


def limited(request, scope: str, limit: tuple[int, int]) -> Problem | None:
    """Count this request against a per-address limit; the problem when refused."""
    result = ratelimit_hit(
        scope=scope, key=client_ip(request), limit=limit[0], window_seconds=limit[1]
    )
    if result.allowed:
        return None
    return Problem(
        "rate_limited",
        _("Too many attempts. Please try again in %(seconds)d seconds.")
        % {"seconds": result.retry_after},
    )


def signed_in_number(request) -> tuple[str, str] | None:
    """(digest, E.164 number) of the signed-in citizen, or None."""
    digest, number = request.session.get(PHONE_KEY), request.session.get(NUMBER_KEY)
    if isinstance(digest, str) and digest and isinstance(number, str) and number:
        return digest, number
    return None


def notice_pop(request) -> str:
    """The one-time notice for this page ("signed_in", "signed_out" or "")."""
    value = request.session.pop(NOTICE_KEY, "")
    return value if value in ("signed_in", "signed_out") else ""


def _phone_page(request, *, phone: str = "", error=None, status: int = 200):
    context = {
        "phone": phone,
        "error": error,
        "action_url": reverse("web:me_signin"),
        "notice": notice_pop(request),
    }
    return render(request, "web/me_signin.html", context, status=status)


@never_cache
def signin(request):
    """GET: the mobile number field. POST: send a code to it, then the code step."""
    if signed_in_number(request) is not None:
        return redirect("web:me")
    if request.method != "POST":
        return _phone_page(request)
    phone = str(request.POST.get("phone", ""))[:40]
    refused = limited(request, "phone_code_ip", code_request_limit())
    if refused is not None:
        return _phone_page(request, phone=phone, error=refused, status=429)
    try:
        code = code_send(phone=phone, purpose=PhoneCode.Purpose.SIGN_IN, language=language())
    except DomainError as exc:
        return _phone_page(request, phone=phone, error=problem(exc), status=exc.status)
    request.session[PENDING_KEY] = {"code": str(code.pk), "phone": phone_clean(phone)}
    return redirect("web:me_code")


def _code_page(request, code: PhoneCode | None, *, error=None, sent=False, status=200):
    context = {
        "otp_digits": OTP_DIGITS,
        "minutes": OTP_VALID_MINUTES,
        "resend_wait": resend_wait(code, timezone.now()) if code else 0,
        "error": error,
        "sent": sent,
        "action_url": reverse("web:me_code"),
        "demo_code": demo_code_shown(code.pk) if code else None,
    }
    return render(request, "web/me_code.html", context, status=status)


@never_cache
def signin_code(request):
    """GET: the code field. POST action=verify: check it and sign in; action=resend."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not pending.get("code"):
        return redirect("web:me_signin")
    code = PhoneCode.objects.filter(pk=pending["code"]).first()
    if code is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("web:me_signin")
    if request.method != "POST":
        return _code_page(request, code)
    refused = limited(request, "phone_verify_ip", code_verify_limit())
    if refused is not None:
        return _code_page(request, code, error=refused, status=429)
    if request.POST.get("action") == "resend":
        try:
            code = code_resend(code_id=code.pk, phone=pending["phone"], language=language())
        except DomainError as exc:
            return _code_page(request, code, error=problem(exc), status=exc.status)
        return _code_page(request, code, sent=True)
    try:
        code = code_verify(code_id=code.pk, otp=str(request.POST.get("otp", ""))[:20])
    except DomainError as exc:
        code.refresh_from_db()
        return _code_page(request, code, error=problem(exc), status=exc.status)
    request.session.cycle_key()  # a new session key for the signed-in citizen
    request.session.pop(PENDING_KEY, None)
    request.session[PHONE_KEY] = code.phone_digest
    request.session[NUMBER_KEY] = pending["phone"]
    request.session[NOTICE_KEY] = "signed_in"
    return redirect("web:me")


@require_POST
def signout(request):
    """Forget the number, the cases this browser opened and any code under way."""
    for key in SIGNED_OUT_KEYS:
        request.session.pop(key, None)
    request.session.cycle_key()
    request.session[NOTICE_KEY] = "signed_out"
    return redirect("web:me_signin")
