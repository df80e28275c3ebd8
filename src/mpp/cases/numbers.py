"""The numbers of an application: its own number, and the applicant's NIK and phone.

Why: the case number is the citizen's key to the case (with the NIK's last four digits
or a one-time code to the phone), so it must be hard to guess and easy to read aloud
and type: two digits of the year and eight characters without 0/O or 1/I/L (31^8, about
8.5 * 10^11 per year), typed in any case, with spaces or dashes. The NIK and the phone
are personal data: the NIK is kept only as a keyed digest and its last four digits,
the phone in E.164 for messages and as a keyed digest (`phone_digest`) to find every
case of a citizen signed in by phone (C2's `citizen_phone_digest` is this digest).
Messages of the errors never echo the NIK or the number.

(The NIK and phone checks are the bookings' rules; cases sit beside bookings and may
not import them, so they are repeated here on the same lokal-id functions.)
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from lokal import parse_nik, parse_phone
from lokal.wilayah import wilayah_name

from mpp.core.errors import Invalid
from mpp.core.models import Region
from mpp.core.pii import keyed_digest

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
RANDOM_LENGTH = 8
NUMBER_LENGTH = 2 + RANDOM_LENGTH
_NUMBER_RE = re.compile(f"^[0-9]{{2}}[{ALPHABET}]{{{RANDOM_LENGTH}}}$")
NAME_MAX = 120


def number_new(today: dt.date) -> str:
    """A fresh case number: "26" + 8 random characters (e.g. 26K7QM3XPA)."""
    random = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{today.year % 100:02d}{random}"


def number_clean(number: str) -> str | None:
    """A typed case number in stored form (upper case, no spaces or dashes), or None."""
    cleaned = re.sub(r"[\s\-]", "", str(number or ""))[:40].upper()
    return cleaned if _NUMBER_RE.match(cleaned) else None


def number_display(number: str) -> str:
    """The number grouped for reading aloud: 26-K7QM-3XPA."""
    if len(number) != NUMBER_LENGTH:
        return number
    return f"{number[:2]}-{number[2:6]}-{number[6:]}"


def _regency_exists(code: str) -> bool:
    if wilayah_name(code) is not None:
        return True
    return Region.objects.filter(code=code, level=Region.Level.REGENCY).exists()


def nik_clean(nik: str, *, today: dt.date | None = None) -> str:
    """The 16 digits of a valid NIK, or Invalid (code invalid_nik)."""
    info = parse_nik(str(nik or "")[:40], reference_date=today)
    codes = {issue.code for issue in info.errors}
    if "format" in codes:
        raise Invalid(_("A NIK has exactly 16 digits."), code="invalid_nik")
    if "province" in codes:
        raise Invalid(_("The NIK starts with an unknown province code."), code="invalid_nik")
    if "wilayah" in codes or not _regency_exists(info.regency_code):
        raise Invalid(
            _("The NIK's kabupaten/kota code (digits 3 and 4) is unknown."), code="invalid_nik"
        )
    if "birth_date" in codes:
        raise Invalid(
            _("The birth date in the NIK (digits 7 to 12) is not a real date."), code="invalid_nik"
        )
    if codes:
        raise Invalid(_("This is not a valid NIK."), code="invalid_nik")
    return info.nik


def last4_clean(digits: str) -> str | None:
    """Four digits typed as the NIK's last four, or None."""
    cleaned = re.sub(r"[\s.\-]", "", str(digits or ""))
    return cleaned if re.fullmatch(r"[0-9]{4}", cleaned) else None


def name_clean(name: str, *, code: str = "invalid_name") -> str:
    """A person's name with spaces tidied, or Invalid."""
    cleaned = " ".join(str(name or "").split())
    if not cleaned or not any(ch.isalpha() for ch in cleaned):
        raise Invalid(_("Please give the name."), code=code)
    if len(cleaned) > NAME_MAX:
        raise Invalid(
            _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX},
            code=code,
        )
    return cleaned


def phone_clean(phone: str) -> str:
    """An Indonesian mobile number in E.164 (+6281234567890), "" when none is given, or
    Invalid (invalid_phone)."""
    raw = str(phone or "").strip()
    if not raw:
        return ""
    info = parse_phone(raw[:40])
    if not info.valid or info.type != "mobile":
        raise Invalid(
            _("Give an Indonesian mobile number, like 0812-3456-7890."), code="invalid_phone"
        )
    return info.e164


def phone_digest(phone: str) -> str:
    """The keyed digest of a mobile number (any typed form) kept to find a citizen's
    cases; "" for no number or one that is not a mobile number."""
    try:
        e164 = phone_clean(phone)
    except Invalid:
        return ""
    return keyed_digest(f"case-phone:{e164}") if e164 else ""


def email_clean(email: str) -> str:
    """An e-mail address (lower-cased domain), "" when none is given, or Invalid."""
    cleaned = str(email or "").strip()
    if not cleaned:
        return ""
    try:
        validate_email(cleaned)
    except ValidationError:
        raise Invalid(_("The e-mail address is not valid."), code="invalid_email") from None
    local, _at, domain = cleaned.rpartition("@")
    return f"{local}@{domain.lower()}"
