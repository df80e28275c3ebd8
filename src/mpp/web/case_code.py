"""Open an application with a one-time code sent to its mobile number.

Why: the case-open page (cases:open) asks for the number and the NIK's last four
digits; a citizen applying for a parent or a child may not have that NIK at hand, yet
holds the phone the application was made with. Here they give the number, get a code
by SMS to the case's phone (mpp.accounts.phone_login, purpose "case_open", tied to
that one case), type it, and the case opens in this browser
(mpp.cases.citizen_session.grant) as it would with the NIK digits.

The page answers the same way whether the number exists, has a phone or not ("if this
application has a mobile number, we sent a code to it"), and never shows the phone,
even masked: which numbers exist and whose phone they carry are not learnt by trying.
Requests and tries are counted per client address (core.ratelimit), on top of
phone_login's limits per number and per code.
"""

from __future__ import annotations

import math
import uuid

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.accounts.models import PhoneCode
from mpp.accounts.phone_login import (
    OTP_DIGITS,
    OTP_MAX_ATTEMPTS,
    OTP_VALID_MINUTES,
    RESEND_SECONDS,
    code_request_limit,
    code_resend,
    code_send,
    code_verify,
    code_verify_limit,
    resend_wait,
)
from mpp.cases import citizen_session
from mpp.cases.models import Case
from mpp.cases.selectors import case_by_number
from mpp.core.errors import DomainError
from mpp.core.ratelimit import RateLimited
from mpp.web.phone_signin import CASE_CODE_KEY, Problem, language, limited, problem
from mpp.web.phone_sms import demo_code_shown

NUMBER_MAX = 40


def _number_page(request, *, number: str = "", error=None, status: int = 200):
    context = {"number": number, "error": error, "action_url": reverse("web:case_code")}
    return render(request, "web/case_code.html", context, status=status)


@never_cache
def case_code_start(request):
    """GET: the application number. POST: a code to the case's phone, if it has one."""
    if request.method != "POST":
        return _number_page(request)
    number = str(request.POST.get("number", ""))[:NUMBER_MAX].strip()
    refused = limited(request, "phone_code_ip", code_request_limit())
    if refused is not None:
        return _number_page(request, number=number, error=refused, status=429)
    if not number:
        error = Problem("invalid_number", _("Give the application number."))
        return _number_page(request, error=error, status=422)
    case = case_by_number(number)
    sent_at = timezone.now().timestamp()
    pending = {"code": str(uuid.uuid4()), "case": "", "tries": 0, "at": sent_at}  # same answer
    if case is not None and case.phone:
        try:
            code = code_send(
                phone=case.phone,
                purpose=PhoneCode.Purpose.CASE_OPEN,
                subject=str(case.pk),
                language=language(),
            )
        except DomainError as exc:
            return _number_page(request, number=number, error=problem(exc), status=exc.status)
        pending = {"code": str(code.pk), "case": str(case.pk), "tries": 0}
    request.session[CASE_CODE_KEY] = pending
    return redirect("web:case_code_verify")


def _fake_wait(pending: dict) -> int:
    """The wait before a new code, as it would be had a code been sent."""
    try:
        elapsed = timezone.now().timestamp() - float(pending.get("at", 0))
    except (TypeError, ValueError):
        return 0
    return max(0, math.ceil(RESEND_SECONDS - elapsed))


def _code_page(request, code: PhoneCode | None, *, error=None, sent=False, status=200):
    pending = request.session.get(CASE_CODE_KEY) or {}
    wait = resend_wait(code, timezone.now()) if code else _fake_wait(pending)
    context = {
        "otp_digits": OTP_DIGITS,
        "minutes": OTP_VALID_MINUTES,
        "resend_wait": wait,
        "error": error,
        "sent": sent,
        "action_url": reverse("web:case_code_verify"),
        "start_url": reverse("web:case_code"),
        "demo_code": demo_code_shown(code.pk) if code else None,
    }
    return render(request, "web/case_code_verify.html", context, status=status)


def _wrong(pending: dict) -> tuple[Problem, int]:
    """A code for a number with no phone (or none at all) is wrong like any other:
    counted, OTP_MAX_ATTEMPTS tries, then "too many"."""
    if pending["tries"] > OTP_MAX_ATTEMPTS:
        text = _("Too many wrong codes. Ask for a new code.")
        return Problem("otp_attempts_exhausted", text), 409
    left = OTP_MAX_ATTEMPTS - pending["tries"]
    text = _("This code is not right. %(left)d tries left.") % {"left": left}
    return Problem("invalid_otp", text), 422


@never_cache
def case_code_verify(request):
    """GET: the code field. POST action=verify: open the case; action=resend."""
    pending = request.session.get(CASE_CODE_KEY)
    if not isinstance(pending, dict) or not pending.get("code"):
        return redirect("web:case_code")
    case = Case.objects.filter(pk=pending["case"]).first() if pending.get("case") else None
    code = PhoneCode.objects.filter(pk=pending["code"]).first() if case else None
    if request.method != "POST":
        return _code_page(request, code)
    refused = limited(request, "phone_verify_ip", code_verify_limit())
    if refused is not None:
        return _code_page(request, code, error=refused, status=429)
    resend = request.POST.get("action") == "resend"
    if case is None or code is None:  # no such case, or no phone: nothing can be right
        if resend:
            wait = _fake_wait(pending)
            if wait:
                error = Problem("rate_limited", str(RateLimited(wait)))
                return _code_page(request, None, error=error, status=429)
            pending["at"] = timezone.now().timestamp()
            request.session[CASE_CODE_KEY] = pending
            return _code_page(request, None, sent=True)
        pending["tries"] = min(int(pending.get("tries", 0)) + 1, OTP_MAX_ATTEMPTS + 1)
        request.session[CASE_CODE_KEY] = pending
        error, status = _wrong(pending)
        return _code_page(request, None, error=error, status=status)
    if resend:
        try:
            code = code_resend(code_id=code.pk, phone=case.phone, language=language())
        except DomainError as exc:
            return _code_page(request, code, error=problem(exc), status=exc.status)
        return _code_page(request, code, sent=True)
    try:
        code = code_verify(code_id=code.pk, otp=str(request.POST.get("otp", ""))[:20])
    except DomainError as exc:
        code.refresh_from_db()
        return _code_page(request, code, error=problem(exc), status=exc.status)
    if code.subject != str(case.pk):  # cannot happen: the code was made for this case
        return redirect("web:case_code")
    request.session.pop(CASE_CODE_KEY, None)
    citizen_session.grant(request, case)
    return redirect("cases:citizen_case", number=case.number)
