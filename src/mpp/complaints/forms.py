"""Forms of the complaint pages: the citizen's complaint (web, kiosk, counter), the
tracking code, and the manager's list filters and export.

Why: the pages check what people type with the same rules the service uses
(complaints.validation), so a mistake is shown next to its field in plain words before
anything is written; the service checks everything again when it files.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mpp.complaints import validation as v
from mpp.complaints.models import Complaint
from mpp.core.errors import Invalid

# Which form field shows a service error code.
FIELD_OF_CODE = {
    "invalid_category": "category",
    "invalid_description": "description",
    "invalid_name": "name",
    "invalid_phone": "phone",
    "invalid_email": "email",
    "consent_required": "consent",
    "invalid_date": "incident_date",
    "invalid_booking": "booking_ref",
    "invalid_service": "service",
    "invalid_booth": "service",
    "invalid_attachment": "attachment",
    "attachment_too_large": "attachment",
}


def _checked(clean, value, **kwargs):
    try:
        return clean(value, **kwargs)
    except Invalid as exc:
        raise ValidationError(exc.message, code=exc.code) from None


class ComplaintForm(forms.Form):
    """A complaint as a citizen (or an officer for them) writes it."""

    category = forms.ChoiceField(
        choices=Complaint.Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the complaint is about.")},
    )
    service = forms.CharField(required=False, max_length=80)
    description = forms.CharField(
        max_length=v.DESCRIPTION_MAX,
        widget=forms.Textarea,
        error_messages={"required": _("Please tell us what happened.")},
    )
    incident_date = forms.CharField(required=False, max_length=20)
    booking_ref = forms.CharField(required=False, max_length=40)
    ticket_ref = forms.CharField(required=False, max_length=40)
    anonymous = forms.BooleanField(required=False)
    name = forms.CharField(required=False, max_length=200)
    phone = forms.CharField(required=False, max_length=40)
    email = forms.CharField(required=False, max_length=254)
    consent = forms.BooleanField(required=False)
    attachment = forms.FileField(required=False)

    def __init__(self, *args, services=(), today: dt.date, with_attachment: bool = True, **kw):
        super().__init__(*args, **kw)
        self.service_codes = {code for code, _name in services}
        self.today = today
        if not with_attachment:
            del self.fields["attachment"]

    def clean_service(self):
        code = self.cleaned_data["service"].strip()
        if code and code not in self.service_codes:
            raise ValidationError(_("Choose a service from the list."), code="invalid_service")
        return code

    def clean_description(self):
        return _checked(v.description_clean, self.cleaned_data["description"])

    def clean_incident_date(self):
        return _checked(v.date_clean, self.cleaned_data["incident_date"], today=self.today)

    def clean_booking_ref(self):
        return _checked(v.booking_clean, self.cleaned_data["booking_ref"])

    def clean_ticket_ref(self):
        try:
            return v.ticket_clean(self.cleaned_data["ticket_ref"])
        except Invalid:
            return None  # from a link, not typed: a broken one is dropped, not shown

    def clean_name(self):
        return _checked(v.name_clean, self.cleaned_data["name"])

    def clean_phone(self):
        return _checked(v.phone_clean, self.cleaned_data["phone"])

    def clean_email(self):
        return _checked(v.email_clean, self.cleaned_data["email"])

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            _checked(v.attachment_kind, upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("anonymous"):
            data["name"] = ""
        if (data.get("phone") or data.get("email")) and not data.get("consent"):
            self.add_error(
                "consent",
                ValidationError(
                    _("Please tick the box, or leave the phone and e-mail empty."),
                    code="consent",
                ),
            )
        return data

    def add_service_error(self, exc: Invalid) -> None:
        """Show a refusal of complaints.services next to the field it concerns."""
        field = FIELD_OF_CODE.get(exc.code)
        self.add_error(field if field in self.fields else None, exc.message)


class TrackForm(forms.Form):
    """The tracking code a citizen got when complaining."""

    code = forms.CharField(
        max_length=40, error_messages={"required": _("Please write your tracking code.")}
    )

    def clean_code(self):
        code = v.code_clean(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _("A tracking code has 10 letters and digits, like K7M2Q-X9PAB."), code="invalid"
            )
        return code


class FilterForm(forms.Form):
    """The manager's list filters (all optional; a wrong value is ignored)."""

    status = forms.ChoiceField(required=False, choices=[("", "")] + Complaint.Status.choices)
    category = forms.ChoiceField(required=False, choices=[("", "")] + Complaint.Category.choices)
    booth = forms.IntegerField(required=False, min_value=0, max_value=2**62)
    overdue = forms.BooleanField(required=False)


class ExportForm(forms.Form):
    """Which complaints go into the SP4N-LAPOR! sheet."""

    date_from = forms.DateField(error_messages={"required": _("Give the first day.")})
    date_to = forms.DateField(error_messages={"required": _("Give the last day.")})
    format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx")
    with_contact = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and (end < start or (end - start).days > 366):
            raise ValidationError(
                _("Give a range of at most one year, the first day before the last."),
                code="range",
            )
        return data
