"""Personal data helpers: a keyed NIK digest and masked forms for screens.

Why: a booking must find "the same person" (one booking per NIK, service and day)
and check the NIK given as proof, without storing the NIK itself. A keyed HMAC
(settings.MPP_PII_KEY) does both, and unlike a plain hash it cannot be reversed by
hashing every possible NIK (there are only about 10^12 plausible ones). Masked forms
(3210********0001, 0812****7890) let staff recognise a record without reading it.

Changing MPP_PII_KEY makes existing digests unmatchable: duplicates are no longer
found and stored bookings can no longer be proven with their NIK.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def keyed_digest(value: str) -> str:
    """HMAC-SHA256 of `value` under MPP_PII_KEY, as 64 hex characters: how personal
    identifiers are stored when only "the same one again?" must be answered. Callers
    prefix their kind ("assistant-sender:...") so equal values of two kinds differ."""
    key = settings.MPP_PII_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def nik_digest(nik: str) -> str:
    """The keyed digest of the 16 NIK digits (unprefixed: stored digests stay valid)."""
    return keyed_digest(nik)


def nik_mask(nik: str) -> str:
    """The first four (province and regency) and last four digits: 3210********0001."""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def phone_mask(phone: str) -> str:
    """A phone number in national form with its middle hidden: 0812****7890.

    Accepts E.164 (+6281234567890) or national (081234567890) digits.
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.startswith("+62") or (digits.startswith("62") and not digits.startswith("0")):
        digits = "0" + digits[2:]
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def email_mask(email: str) -> str:
    """An e-mail address with most of its local part hidden: bu***@example.com."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "*" * len(email)
    return f"{local[:2]}***@{domain}"
