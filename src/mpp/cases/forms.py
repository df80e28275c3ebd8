"""Forms of the citizen's application pages: who applies, opening a case, withdrawing.

Why: the pages check what a citizen types before anything is written, and show each
mistake next to its field in plain words; the services (mpp.cases.services) check
everything again. The application's own questions are not here: they come from the
case type's field rows (mpp.cases.formschema.form_for). Error messages never repeat
the NIK or the phone number.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mpp.cases.models import Case
from mpp.cases.numbers import number_clean

NON_DIGITS = re.compile(r"[\s.\-]")
PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]{8,24}$")

# Plain sentences for the services' error codes about the applicant's data.
FIELD_OF_CODE = {
    "invalid_nik": "nik",
    "nik_not_verified": "nik",  # the population register (core.identity.nik_verify)
    "invalid_name": "applicant_name",
    "invalid_phone": "phone",
    "invalid_email": "email",
    "invalid_relation": "relation",
    "invalid_subject": "subject_name",
    "invalid_subject_name": "subject_name",
}


def digits_of(value: str) -> str:
    """`value` without the spaces, dots and dashes people type between digits."""
    return NON_DIGITS.sub("", str(value or ""))


class IdentityForm(forms.Form):
    """The first step of an application: who applies, for whom, and how to reach them."""

    applicant_name = forms.CharField(
        max_length=120, error_messages={"required": _("Please write your name.")}
    )
    nik = forms.CharField(
        max_length=40, error_messages={"required": _("Please write your NIK (16 digits).")}
    )
    phone = forms.CharField(
        max_length=24, error_messages={"required": _("Please write your mobile number.")}
    )
    email = forms.EmailField(
        max_length=254,
        required=False,
        error_messages={"invalid": _("This e-mail address is not right. You may leave it empty.")},
    )
    relation = forms.ChoiceField(
        choices=Case.Relation.choices,
        initial=Case.Relation.SELF,
        error_messages={"required": _("Please choose for whom you apply.")},
    )
    subject_name = forms.CharField(max_length=120, required=False)
    consent = forms.BooleanField(
        error_messages={
            "required": _("Please agree, so that we may keep your data for this application.")
        }
    )

    def clean_applicant_name(self) -> str:
        name = " ".join(self.cleaned_data["applicant_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Write your name as it is on your KTP."), code="invalid_name")
        return name

    def clean_nik(self) -> str:
        nik = digits_of(self.cleaned_data["nik"])
        if not (nik.isdigit() and len(nik) == 16):
            raise ValidationError(
                _("Your NIK must be 16 digits, exactly as on your KTP or KK."), code="invalid_nik"
            )
        return nik

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not PHONE_CHARS.match(phone):
            raise ValidationError(
                _("Write an Indonesian mobile number, for example 0812 3456 7890."),
                code="invalid_phone",
            )
        return phone

    def clean(self):
        data = super().clean()
        relation = data.get("relation")
        subject = " ".join(str(data.get("subject_name") or "").split())
        data["subject_name"] = subject
        if relation and relation != Case.Relation.SELF and not subject:
            self.add_error(
                "subject_name",
                ValidationError(
                    _("Write the name of the person you apply for."), code="invalid_subject"
                ),
            )
        if relation == Case.Relation.SELF:
            data["subject_name"] = ""
        return data

    def add_service_error(self, exc) -> None:
        """A refusal of the service, next to the field it concerns (or above the form)."""
        self.add_error(FIELD_OF_CODE.get(exc.code), ValidationError(exc.message, code=exc.code))


class OpenForm(forms.Form):
    """Opening a case: its number and the last four digits of the applicant's NIK."""

    number = forms.CharField(
        max_length=24,
        error_messages={"required": _("Please write the application number.")},
    )
    nik_last4 = forms.CharField(
        max_length=8,
        error_messages={"required": _("Please write the last 4 digits of your NIK.")},
    )

    def clean_number(self) -> str:
        number = number_clean(self.cleaned_data["number"])
        if number is None:
            raise ValidationError(
                _("An application number has 10 letters and digits, for example 26-K7QM-3XPA."),
                code="invalid_number",
            )
        return number

    def clean_nik_last4(self) -> str:
        digits = digits_of(self.cleaned_data["nik_last4"])
        if not (digits.isdigit() and len(digits) == 4):
            raise ValidationError(
                _("Write the last 4 digits of your NIK."), code="invalid_nik_last4"
            )
        return digits


class WithdrawForm(forms.Form):
    """Withdrawing an application: a confirmation and an optional reason."""

    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea)
    confirm = forms.BooleanField(
        error_messages={"required": _("Tick the box to confirm that you withdraw.")}
    )
