"""The numbers of an application: its own number, and the applicant's NIK and phone.

Why: the case number is the citizen's key to the case (with the NIK's last four digits
or a one-time code to the phone), so it must be hard to guess and easy to read aloud
and type: two digits of the year and eight characters without 0/O or 1/I/L (31^8, about
8.5 * 10^11 per year), typed in any case, with spaces or dashes. The NIK and the phone
are personal data: the NIK is kept only as a keyed digest and its last four digits,
the phone in E.164 for messages and as a keyed digest (`phone_digest`) to find every
case of a citizen signed in by phone (C2's `citizen_phone_digest` is this digest).
Messages of the errors never echo the NIK or the number.

The NIK, phone and e-mail checks are core.identity's, shared with bookings and complaints.
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
    return identity.phone_clean(phone, optional=True)


def phone_digest(phone: str) -> str:
    """The keyed digest of a mobile number (any typed form) kept to find a citizen's
    cases; "" for no number or one that is not a mobile number."""
    try:
        e164 = phone_clean(phone)
    except Invalid:
        return ""
    return keyed_digest(f"case-phone:{e164}") if e164 else ""
