"""Checking what a citizen types when booking: NIK, name, mobile number, e-mail, date,
time, booking code; and making new booking codes.

Why: a booking is only worth its quota place if it belongs to a real person we can
reach, so bad input is refused before anything is written, each with its own code
(core.errors.Invalid: invalid_nik, invalid_name, invalid_phone, invalid_email,
invalid_date, invalid_slot). Messages never echo the NIK or the phone number.

NIK: lokal-id's `parse_nik` checks 16 digits, a known province code, kabupaten/kota
and kecamatan codes other than 00, a real birth date (day + 40 for women) and a
serial other than 0000. It does not check that the kabupaten/kota exists, so this
module adds that (core.Region, falling back to lokal-id's own region data when the
regions are not loaded). lokal guesses the birth century from today's year: a
"future" birth date is an older person's (19yy), which is still a valid NIK.
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

NAME_MAX = 120
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 8
_CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def code_new() -> str:
    """A random booking code: 8 characters nobody misreads (31^8, about 8.5 * 10^11)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_clean(code: str) -> str | None:
    """A typed code in canonical form (upper case, no spaces or dashes), or None."""
    cleaned = re.sub(r"[\s\-]", "", str(code or "")).upper()
    return cleaned if _CODE_RE.match(cleaned) else None


_TIME = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")


def _regency_exists(code: str) -> bool:
    # lokal-id's own table is in memory; the database is only asked about codes it lacks.
    if wilayah_name(code) is not None:
        return True
    return Region.objects.filter(code=code, level=Region.Level.REGENCY).exists()


def nik_clean(nik: str, *, today: dt.date | None = None) -> str:
    """The 16 digits of a valid NIK, or Invalid (code invalid_nik)."""
    info = parse_nik(str(nik or ""), reference_date=today)
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
    if codes:  # serial 0000, or a check lokal adds later
        raise Invalid(_("This is not a valid NIK."), code="invalid_nik")
    return info.nik


def nik_digits(nik: str) -> str | None:
    """The 16 digits of a NIK typed with spaces, dots or dashes; None if it is not 16 digits.

    For proof checks, where a wrong NIK must look like a wrong code (no details).
    """
    digits = re.sub(r"[\s.\-]", "", str(nik or ""))
    return digits if re.fullmatch(r"[0-9]{16}", digits) else None


def name_clean(name: str) -> str:
    """The name with spaces tidied, or Invalid (code invalid_name)."""
    cleaned = " ".join(str(name or "").split())
    if not cleaned or not any(ch.isalpha() for ch in cleaned):
        raise Invalid(_("Please give your name."), code="invalid_name")
    if len(cleaned) > NAME_MAX:
        raise Invalid(
            _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX},
            code="invalid_name",
        )
    return cleaned


def phone_clean(phone: str) -> str:
    """An Indonesian mobile number in E.164 (+6281234567890), or Invalid (invalid_phone)."""
    info = parse_phone(str(phone or ""))
    if not info.valid or info.type != "mobile":
        raise Invalid(
            _("Give an Indonesian mobile number, like 0812-3456-7890."), code="invalid_phone"
        )
    return info.e164


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


# Dates a booking can concern at all: far enough from date.min and date.max that the
# window arithmetic (date - window_days, date + 1 day) never overflows (was a 500).
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)


def date_in_range(value: dt.date) -> dt.date:
    """`value` if it lies between DATE_MIN and DATE_MAX, else Invalid (invalid_date)."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise Invalid(
            _("The date must lie between %(first)s and %(last)s.")
            % {"first": DATE_MIN.isoformat(), "last": DATE_MAX.isoformat()},
            code="invalid_date",
        )
    return value


def date_clean(value: dt.date | str) -> dt.date:
    """A date given as a date or "YYYY-MM-DD" (between DATE_MIN and DATE_MAX), or
    Invalid (invalid_date)."""
    if isinstance(value, dt.datetime):
        raise Invalid(_("Give a date without a time."), code="invalid_date")
    if isinstance(value, dt.date):
        return date_in_range(value)
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(_("Give the date as YYYY-MM-DD."), code="invalid_date") from None
    return date_in_range(day)


def time_clean(value: dt.time | str) -> dt.time:
    """A slot start given as a time or "HH:MM", or Invalid (invalid_slot)."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = _TIME.match(str(value or "").strip())
    if not match:
        raise Invalid(_("Give the slot's start time as HH:MM."), code="invalid_slot")
    return dt.time(int(match.group(1)), int(match.group(2)))
