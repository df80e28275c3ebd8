"""Forms of the booking pages: the citizen's data, the look-up of a booking, a typed code.

Why: the pages check what a citizen types with the same rules the booking service uses
(bookings.validation), so a mistake is shown next to the field it concerns, in plain
words, before anything is written. The service checks everything again when it books.
Error messages never repeat the NIK or the phone number.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mpp.bookings.validation import (
    code_clean,
    email_clean,
    name_clean,
    nik_clean,
    nik_digits,
    phone_clean,
)
from mpp.core.errors import Invalid

# What the kiosk's scanner reads from the QR code on a booking page: "MPPB:" + the code.
QR_PREFIX = "MPPB:"

# Plain sentences for the service's error codes about the citizen's data.
FIELD_MESSAGES = {
    "invalid_nik": _("Your NIK must be 16 digits, exactly as on your KTP or KK."),
    "invalid_name": _("Write your name as it is on your KTP."),
    "invalid_phone": _("Write an Indonesian mobile number, for example 0812 3456 7890."),
    "invalid_email": _("This e-mail address is not right. You may leave it empty."),
}
FIELD_OF_CODE = {
    "invalid_nik": "nik",
    "nik_not_verified": "nik",  # the population register (core.identity.nik_verify)
    "invalid_name": "name",
    "invalid_phone": "phone",
    "invalid_email": "email",
}


def field_error(exc: Invalid, *, detail: bool = True) -> ValidationError:
    """A service refusal as a form error: the plain sentence first, then the service's
    detail for a NIK of 16 digits that is still wrong (e.g. an impossible birth date)."""
    friendly = FIELD_MESSAGES.get(exc.code)
    if friendly is None:
        return ValidationError(exc.message, code=exc.code)
    errors = [ValidationError(friendly, code=exc.code)]
    if detail and exc.code == "invalid_nik" and exc.message:
        errors.append(ValidationError(exc.message, code="detail"))
    return ValidationError(errors)


def code_from_scan(typed: str) -> str | None:
    """A booking code typed, or read by a scanner as "MPPB:<code>", in canonical form."""
    text = str(typed or "").strip()
    found = text.upper().rfind(QR_PREFIX)  # the last scan, if one was typed after another
    if found >= 0:
        text = text[found + len(QR_PREFIX) :]
    return code_clean(text)


class CitizenForm(forms.Form):
    """Step 2 of booking: who is coming (NIK, name, mobile number, optional e-mail)."""

    nik = forms.CharField(
        max_length=40, error_messages={"required": _("Please write your NIK (16 digits).")}
    )
    name = forms.CharField(
        max_length=200, error_messages={"required": _("Please write your name.")}
    )
    phone = forms.CharField(
        max_length=40, error_messages={"required": _("Please write your mobile number.")}
    )
    email = forms.CharField(max_length=254, required=False)
    consent = forms.BooleanField(
        error_messages={
            "required": _("Please tick the box to agree. Without it we cannot book for you.")
        }
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def _check(self, clean, value, *, detail: bool = True, **kwargs):
        try:
            return clean(value, **kwargs)
        except Invalid as exc:
            raise field_error(exc, detail=detail) from None

    def clean_nik(self):
        digits = nik_digits(self.cleaned_data["nik"])
        value = digits or self.cleaned_data["nik"]
        return self._check(nik_clean, value, today=self.today, detail=digits is not None)

    def clean_name(self):
        return self._check(name_clean, self.cleaned_data["name"])

    def clean_phone(self):
        return self._check(phone_clean, self.cleaned_data["phone"])

    def clean_email(self):
        return self._check(email_clean, self.cleaned_data["email"])


class LookupForm(forms.Form):
    """My booking: the booking code and the NIK, together the citizen's proof."""

    code = forms.CharField(
        max_length=40, error_messages={"required": _("Please write your booking code.")}
    )
    nik = forms.CharField(
        max_length=40, error_messages={"required": _("Please write your NIK (16 digits).")}
    )

    def clean_code(self):
        code = code_from_scan(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _("A booking code has 8 letters and digits, like K7M2 QX9P."), code="invalid"
            )
        return code

    def clean_nik(self):
        digits = nik_digits(self.cleaned_data["nik"])
        if digits is None:
            raise ValidationError(FIELD_MESSAGES["invalid_nik"], code="invalid_nik")
        return digits


def digits_grouped(text: str, size: int = 4) -> str:
    """ "3210011505900001" -> "3210 0115 0590 0001" (easier to check by eye)."""
    text = re.sub(r"\s", "", text)
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def phone_national(e164: str) -> str:
    """+6281234567890 -> 0812-3456-7890, the way Indonesians write a mobile number."""
    digits = "".join(ch for ch in e164 if ch.isdigit())
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return "-".join([digits[:4], digits[4:8], digits[8:]]).strip("-")
