"""Forms of the staff case pages: queue filters, a step with its note, the checklist of
missing documents, a scanned or produced file, and a walk-in's application at the counter.

Why: the views stay thin (parse, authorise, call one service, render); every field a
staff member types is read and checked here, with a readable message per field.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from mpp.cases.models import Case, CaseDocument

# The field a refusal of cases.services.case_start is about (its error codes).
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


class QueueFilterForm(forms.Form):
    """?status=&service=&booth=&overdue=1 on the work queue (all optional)."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    booth = forms.ChoiceField(label=_("Booth"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data, *, services, booths):
        super().__init__(data)
        self.fields["status"].choices = [("", _("Open applications"))] + [
            (value, label) for value, label in Case.Status.choices if value != Case.Status.DRAFT
        ]
        self.fields["service"].choices = [("", _("All services"))] + [
            (s.code, s.name) for s in services
        ]
        self.fields["booth"].choices = [("", _("All my booths"))] + [
            (str(b.pk), b.name) for b in booths
        ]


class StepForm(forms.Form):
    """One step: where to, the version the officer saw, notes, and for a return the
    documents that are missing."""

    to = forms.ChoiceField(choices=Case.Status.choices)
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(
        label=_("Note to the applicant"), required=False, max_length=2000, widget=forms.Textarea
    )
    internal_note = forms.CharField(
        label=_("Internal note (staff only)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )
    missing = forms.MultipleChoiceField(label=_("Missing documents"), required=False)

    def __init__(self, data, *, requirements):
        super().__init__(data)
        self.fields["missing"].choices = [(r.code, r.name) for r in requirements]

    def clean(self):
        data = super().clean()
        to = data.get("to")
        if to == Case.Status.REJECTED and not data.get("note", "").strip():
            self.add_error("note", _("Write the reason for the rejection."))
        if (
            to == Case.Status.RETURNED
            and not data.get("missing")
            and not data.get("note", "").strip()
        ):
            self.add_error("missing", _("Tick the missing documents or say what is missing."))
        return data


class UploadForm(forms.Form):
    """A paper scanned at the counter, or the product (the output file)."""

    file = forms.FileField(label=_("File (PDF, JPG or PNG)"))
    kind = forms.ChoiceField(
        choices=[
            (CaseDocument.Kind.SCANNED, _("Scanned paper")),
            (CaseDocument.Kind.OUTPUT, _("Product (result)")),
        ],
        initial=CaseDocument.Kind.SCANNED,
    )
    requirement = forms.ChoiceField(label=_("Which document"), required=False)

    def __init__(self, data=None, files=None, *, requirements):
        super().__init__(data, files)
        self.fields["requirement"].choices = [("", _("Other paper"))] + [
            (r.code, r.name) for r in requirements
        ]


class RecordForm(forms.Form):
    """Who applies, for which service: a walk-in's application started at the counter."""

    case_type = forms.TypedChoiceField(label=_("Service"), coerce=int)
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=120)
    nik = forms.CharField(
        label=_("Applicant's NIK"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(label=_("Mobile number (optional)"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    relation = forms.ChoiceField(
        label=_("Applying"), choices=Case.Relation.choices, initial=Case.Relation.SELF
    )
    subject_name = forms.CharField(
        label=_("Applying for (name, when not for oneself)"), max_length=120, required=False
    )
    language = forms.ChoiceField(
        label=_("Messages in"), choices=[("id", "Bahasa Indonesia"), ("en", "English")]
    )

    def __init__(self, data=None, *, case_types, initial=None):
        super().__init__(data, initial=initial)
        self.fields["case_type"].choices = [(t.pk, str(t)) for t in case_types]

    def clean_nik(self):
        return re.sub(r"[\s.\-]", "", self.cleaned_data["nik"])

    def clean(self):
        data = super().clean()
        if (
            data.get("relation") not in (None, Case.Relation.SELF)
            and not data.get("subject_name", "").strip()
        ):
            self.add_error("subject_name", _("Whom is the application for?"))
        return data


class PeriodForm(forms.Form):
    """?start=&end= on the figures page (both optional dates)."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start is after the end."))
        if start and end and (end - start) > dt.timedelta(days=3660):
            raise forms.ValidationError(_("Choose at most ten years."))
        return data
