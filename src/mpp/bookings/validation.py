"""Checking what a citizen types when booking: NIK, name, mobile number, e-mail, date,
time, booking code; and making new booking codes.

Why: a booking is only worth its quota place if it belongs to a real person we can
reach, so bad input is refused before anything is written, each with its own code
(core.errors.Invalid: invalid_nik, invalid_name, invalid_phone, invalid_email,
invalid_date, invalid_slot). Messages never echo the NIK or the phone number.

NIK, phone and e-mail checks are core.identity's (shared with complaints, cases and the
phone sign-in). NIK: lokal-id's `parse_nik` checks 16 digits, a known province code, kabupaten/kota
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

from django.utils.translation import gettext as _

from mpp.core import identity
from mpp.core.errors import Invalid
from mpp.core.identity import email_clean as email_clean  # re-exported
from mpp.core.identity import nik_clean as nik_clean

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
    return identity.phone_clean(phone)


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
