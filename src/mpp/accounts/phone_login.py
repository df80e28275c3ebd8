"""A citizen's optional sign-in with a one-time code sent by SMS to their mobile number.

Why: citizens have no account, and need none to book or apply. But one who applied at
two malls and booked at a third wants one page with all of it ("Urusan saya"), and one
who cannot find the NIK digits an application asks for still holds the phone it was
made with. Typing the code sent to the number proves they hold it, the way the booking
confirmation does (bookings.confirm): 6 digits, kept only as a keyed digest salted with
the row's id (PhoneCode), valid OTP_VALID_MINUTES, good for OTP_MAX_ATTEMPTS wrong
tries, a new one after RESEND_SECONDS at most OTP_MAX_SENDS times per row, and at most
PHONE_SENDS_PER_HOUR codes to one number in an hour whatever starts them (nobody can
turn the sign-in into an SMS cannon). Pages also count requests and tries per client
address through core.ratelimit (`code_request_limit`, `code_verify_limit`).

The number is kept nowhere here: PhoneCode has its keyed digest, `phone_digest(phone)`,
the same digest cases store (Case.phone_digest), so a signed-in session
(request.session["citizen_phone_digest"], mpp.cases.citizen_session) finds the
number's applications.

Accounts sits below notifications, so the SMS itself goes through the sender a higher
app registers (`code_sender_register`; mpp.web does, through the notification outbox,
inside the caller's transaction: the SMS exists if and only if the code does).

    phone_clean(value) -> "+6281234567890"            (Invalid invalid_phone)
    phone_digest(phone) -> 64 hex characters
    code_send(*, phone, purpose, subject="", language="id", now=None) -> PhoneCode
    code_resend(*, code_id, phone, language="id", now=None) -> PhoneCode
    code_verify(*, code_id, otp, now=None) -> PhoneCode (used; its phone_digest, subject)
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import math
import re
import secrets
import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts.models import PhoneCode
from mpp.core import identity
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.events import event_record
from mpp.core.pii import keyed_digest
from mpp.core.ratelimit import RateLimited, limit_for

log = logging.getLogger(__name__)

OTP_DIGITS = 6
OTP_VALID_MINUTES = 10
OTP_MAX_ATTEMPTS = 5
OTP_MAX_SENDS = 3
RESEND_SECONDS = 60
PHONE_SENDS_PER_HOUR = 5
# Per client address (settings.MPP_RATE_LIMITS["phone_code_ip"] / ["phone_verify_ip"]
# override): codes asked for, and codes typed.
REQUEST_LIMIT_DEFAULT = (10, 3600)
VERIFY_LIMIT_DEFAULT = (30, 600)

Sender = Callable[..., None]
_sender: Sender | None = None


def code_sender_register(sender: Sender) -> None:
    """Say how a code reaches a phone: sender(*, phone, otp, minutes, purpose, language,
    key), called inside the transaction that made the code (`key` is unique per code
    sent, for the outbox's deduplication)."""
    global _sender
    _sender = sender


def _limit(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """The named limit as core.ratelimit reads it; never none at all (a code sent by SMS
    costs money and guards a citizen's cases), so the default when it is not set."""
    return limit_for(name) or default


def code_request_limit() -> tuple[int, int]:
    """(count, seconds): codes one client address may ask for."""
    return _limit("phone_code_ip", REQUEST_LIMIT_DEFAULT)


def code_verify_limit() -> tuple[int, int]:
    """(count, seconds): codes one client address may type."""
    return _limit("phone_verify_ip", VERIFY_LIMIT_DEFAULT)


def phone_clean(value: str) -> str:
    """An Indonesian mobile number in E.164 (+6281234567890), or Invalid (invalid_phone)."""
    return identity.phone_clean(value)


def phone_digest(phone: str) -> str:
    """The keyed digest of a mobile number (any form phone_clean accepts), "" for one
    that is not a mobile number: how a citizen's number is found again without being
    kept. The very digest cases store (Case.phone_digest, cases.numbers.phone_digest:
    same "case-phone:" prefix over the E.164 form; tests/accounts/test_phone_login.py
    checks the two agree), so a signed-in session finds the number's applications."""
    try:
        e164 = phone_clean(phone)
    except Invalid:
        return ""
    return keyed_digest(f"case-phone:{e164}")


def otp_digest(code_id, otp: str) -> str:
    return keyed_digest(f"phone-otp:{code_id}:{otp}")


def otp_clean(value: str) -> str | None:
    digits = re.sub(r"[\s\-]", "", str(value or ""))
    return digits if re.fullmatch(rf"[0-9]{{{OTP_DIGITS}}}", digits) else None


def resend_wait(code: PhoneCode, now: dt.datetime | None = None) -> int:
    """Seconds until a new code may be sent for this row (0: now)."""
    ready = code.sent_at + dt.timedelta(seconds=RESEND_SECONDS)
    return max(0, math.ceil((ready - (now or timezone.now())).total_seconds()))


def _phone_budget(digest: str, now: dt.datetime) -> None:
    """RateLimited when PHONE_SENDS_PER_HOUR codes went to this number in the last hour."""
    since = now - dt.timedelta(hours=1)
    rows = list(
        PhoneCode.objects.filter(phone_digest=digest, sent_at__gte=since)
        .order_by("created_at")
        .values_list("sends", "created_at")
    )
    if sum(sends for sends, _at in rows) < PHONE_SENDS_PER_HOUR:
        return
    oldest = rows[0][1] if rows else now
    wait = math.ceil((oldest + dt.timedelta(hours=1) - now).total_seconds())
    raise RateLimited(
        max(wait, RESEND_SECONDS),
        _("Too many codes were sent to this number. Please try again later."),
    )


def _issue(code: PhoneCode, *, phone: str, language: str, now: dt.datetime) -> None:
    """A new code for the row (the old one stops working), handed to the sender."""
    if _sender is None:
        log.error("no sender registered for one-time codes (mpp.accounts.phone_login)")
        raise Conflict(_("Codes cannot be sent by SMS at the moment."), code="sms_unavailable")
    otp = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
    code.code_digest = otp_digest(code.pk, otp)
    code.sent_at = now
    code.attempts = 0
    code.sends += 1
    _sender(
        phone=phone,
        otp=otp,
        minutes=OTP_VALID_MINUTES,
        purpose=code.purpose,
        language=language,
        key=f"phone-code:{code.pk}:{code.sends}",
    )


def _event(code: PhoneCode, kind: str, **data) -> None:
    event_record(
        kind=f"phone_code.{kind}",
        subject_type="phone_code",
        subject_id=code.pk,
        data={"purpose": code.purpose, **data},
    )


@transaction.atomic
def code_send(
    *,
    phone: str,
    purpose: str,
    subject: str = "",
    language: str = "id",
    now: dt.datetime | None = None,
) -> PhoneCode:
    """Send a new one-time code to `phone` for `purpose` (PhoneCode.Purpose) and, when
    it opens one thing only, `subject` (a case's id). Invalid invalid_phone; 429
    rate_limited after PHONE_SENDS_PER_HOUR codes to the number in an hour; 409
    sms_unavailable when no sender is registered."""
    now = now or timezone.now()
    if purpose not in PhoneCode.Purpose.values:
        raise Invalid(_("Unknown purpose."), code="invalid_purpose")
    phone = phone_clean(phone)
    digest = phone_digest(phone)
    _phone_budget(digest, now)
    code = PhoneCode(
        purpose=purpose, phone_digest=digest, subject=str(subject or ""), created_at=now
    )
    _issue(code, phone=phone, language=language, now=now)
    code.save(force_insert=True)
    _event(code, "sent", sends=code.sends)
    return code


def _not_found() -> NotFound:
    return NotFound(
        _("This code request is no longer known. Ask for a new code."), code="code_not_found"
    )


def _locked(code_id) -> PhoneCode:
    try:
        key = uuid.UUID(str(code_id))
    except ValueError:
        raise _not_found() from None
    code = PhoneCode.objects.select_for_update().filter(pk=key).first()
    if code is None:
        raise _not_found()
    return code


@transaction.atomic
def code_resend(
    *, code_id, phone: str, language: str = "id", now: dt.datetime | None = None
) -> PhoneCode:
    """A new code for the same request, to the same number (the old code stops
    working). 429 rate_limited within RESEND_SECONDS of the last or past the number's
    hourly budget; 409 otp_sends_exhausted after OTP_MAX_SENDS codes, otp_used."""
    now = now or timezone.now()
    code = _locked(code_id)
    phone = phone_clean(phone)
    if not hmac.compare_digest(code.phone_digest, phone_digest(phone)):
        raise _not_found()
    if code.used_at is not None:
        raise Conflict(_("This code has already been used."), code="otp_used")
    if code.sends >= OTP_MAX_SENDS:
        raise Conflict(
            _("No more codes can be sent for this request. Start again later."),
            code="otp_sends_exhausted",
        )
    wait = resend_wait(code, now)
    if wait:
        raise RateLimited(wait)
    _phone_budget(code.phone_digest, now)
    _issue(code, phone=phone, language=language, now=now)
    code.save(update_fields=["code_digest", "sent_at", "attempts", "sends"])
    _event(code, "resent", sends=code.sends)
    return code


@transaction.atomic
def _check(code_id, otp: str | None, now: dt.datetime) -> tuple[str, PhoneCode]:
    """("ok" | "wrong", row); a wrong code is counted and committed."""
    code = _locked(code_id)
    if code.used_at is not None:
        raise Conflict(_("This code has already been used."), code="otp_used")
    if not code.code_digest or code.attempts >= OTP_MAX_ATTEMPTS:
        raise Conflict(
            _("Too many wrong codes. Ask for a new code."), code="otp_attempts_exhausted"
        )
    if code.sent_at + dt.timedelta(minutes=OTP_VALID_MINUTES) < now:
        raise Conflict(_("This code has expired. Ask for a new code."), code="otp_expired")
    if otp is None or not hmac.compare_digest(code.code_digest, otp_digest(code.pk, otp)):
        code.attempts += 1
        code.save(update_fields=["attempts"])
        return "wrong", code
    code.used_at = now
    code.code_digest = ""  # single use
    code.save(update_fields=["used_at", "code_digest"])
    _event(code, "verified")
    return "ok", code


def code_verify(*, code_id, otp: str, now: dt.datetime | None = None) -> PhoneCode:
    """Check the code typed for a request; the row, used, when right (its phone_digest
    and subject say what it proves). 422 invalid_otp (with the tries left); 409
    otp_attempts_exhausted, otp_expired, otp_used; 404 code_not_found."""
    now = now or timezone.now()
    outcome, code = _check(code_id, otp_clean(otp), now)
    if outcome == "wrong":  # raised after the count committed
        left = max(OTP_MAX_ATTEMPTS - code.attempts, 0)
        raise Invalid(
            _("This code is not right. %(left)d tries left.") % {"left": left}, code="invalid_otp"
        )
    return code
