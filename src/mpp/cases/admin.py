"""Admin for application types (their form and documents) and, read only, applications.

Why: a mall manager (or a booth's supervisor, for their booth) sets up what an online
application for a service asks, without a developer: the questions (CaseField rows,
Indonesian first, English optional) and the documents, which an action takes from the
service standard's published requirements. Changing the questions raises the type's
`form_version`; every case keeps the schema it was submitted against, so old cases read
as they were sent.

Applications themselves are handled on the officers' pages (mpp.cases.services); the
admin only looks them up, read only, with their history and their documents listed (not
opened: files are served only through the documents module, after an access check).
Rows follow mpp.accounts.access: a booth supervisor sees their booth's applications
only ("case.process"). The NIK, phone and e-mail are shown masked, and there is no
search box: the admin's search goes into the URL, and an application number is the
citizen's key.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F, Max
from django.utils.html import format_html_join
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.accounts.admin import MallScopedAdmin, MallScopedInline
from mpp.cases.formschema import answers_display, choices_of, schema_of
from mpp.cases.models import Case, CaseDocument, CaseEvent, CaseField, CaseType, DocumentRequirement
from mpp.core.pii import email_mask, phone_mask

FORMATS = ("pdf", "jpg", "png")


class CaseFieldForm(forms.ModelForm):
    """A question: its pattern compiles, its key is a plain identifier, a list has options."""

    class Meta:
        model = CaseField
        fields = ["key", "kind", "choices", "min_value", "max_value", "pattern"]  # + inline's

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise forms.ValidationError(
                _("Use small letters, digits and _, starting with a letter.")
            )
        return key

    def clean_pattern(self):
        pattern = self.cleaned_data.get("pattern", "")
        try:
            re.compile(pattern)
        except re.error as error:
            raise forms.ValidationError(
                _("Not a valid regular expression: %(error)s") % {"error": error}
            ) from None
        return pattern

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in (CaseField.Kind.CHOICE, CaseField.Kind.MULTI_CHOICE):
            options = choices_of(CaseField(choices=cleaned.get("choices", "")))
            values = [value for value, _label, _en in options]
            if len(values) < 2:
                self.add_error("choices", _("A list needs at least two options, one per line."))
            elif len(set(values)) != len(values):
                self.add_error("choices", _("Each option needs its own value."))
        low, high = cleaned.get("min_value"), cleaned.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("The maximum is below the minimum."))
        return cleaned


class DocumentRequirementForm(forms.ModelForm):
    """A required document: known formats, a sensible number of files and size."""

    class Meta:
        model = DocumentRequirement
        fields = ["formats", "min_files", "max_files", "max_mb"]  # + the inline's fields

    def clean_formats(self):
        given = [f.strip().lower() for f in self.cleaned_data["formats"].split(",") if f.strip()]
        given = ["jpg" if f == "jpeg" else f for f in given]
        unknown = [f for f in given if f not in FORMATS]
        if not given or unknown:
            raise forms.ValidationError(_("Choose from pdf, jpg and png, separated by commas."))
        return ",".join(dict.fromkeys(given))

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_files"), cleaned.get("max_files")
        if low is not None and high is not None and (high < 1 or low > high):
            self.add_error("max_files", _("At most must be at least 1 and not below at least."))
        if cleaned.get("max_mb") is not None and not 1 <= cleaned["max_mb"] <= 20:
            self.add_error("max_mb", _("Between 1 and 20 MB."))
        return cleaned


class CaseFieldInline(MallScopedInline, admin.StackedInline):
    model = CaseField
    form = CaseFieldForm
    extra = 0
    fieldsets = [
        (None, {"fields": [("position", "key", "kind", "required"), ("label", "label_en")]}),
        (
            _("help and limits"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("help_text", "help_text_en"),
                    "choices",
                    ("min_value", "max_value"),
                    "pattern",
                ],
            },
        ),
    ]


class DocumentRequirementInline(MallScopedInline, admin.TabularInline):
    model = DocumentRequirement
    form = DocumentRequirementForm
    extra = 0
    fields = [
        "position",
        "code",
        "name",
        "name_en",
        "description",
        "required",
        "min_files",
        "max_files",
        "formats",
        "max_mb",
    ]


def _form_shape(case_type: CaseType) -> tuple:
    """What the questions are, for telling whether an edit changed the form."""
    schema = schema_of(case_type)
    return schema["properties"], schema["required"]


def requirements_take(case_type: CaseType) -> int:
    """Add a DocumentRequirement for each of the service standard's requirements the
    type does not list yet (same name); returns how many were added."""
    have = {name.casefold() for name in case_type.documents.values_list("name", flat=True)}
    codes = set(case_type.documents.values_list("code", flat=True))
    position = case_type.documents.aggregate(n=Max("position"))["n"] or 0
    added = 0
    for raw in case_type.service.requirements or []:
        name = str(raw.get("name", "") if isinstance(raw, dict) else raw).strip()[:200]
        if not name or name.casefold() in have:
            continue
        base = slugify(name)[:36].strip("-") or "dokumen"
        code, n = base, 1
        while code in codes:
            n += 1
            code = f"{base[:36]}-{n}"
        position += 1
        DocumentRequirement.objects.create(
            case_type=case_type, position=position, code=code, name=name
        )
        have.add(name.casefold())
        codes.add(code)
        added += 1
    return added


_WORKING_DAYS = re.compile(r"(\d+)\s*hari\s+kerja", re.IGNORECASE)


def standard_working_days(completion_time: str) -> int | None:
    """The working days a service standard's completion time promises ("5 hari kerja";
    the longer end of "7 sampai 14 hari kerja"), or None when it names none ("Selesai di
    tempat", "Sekitar 1 jam")."""
    text = re.sub(r"(\d+)\s*(?:sampai|hingga|s\.d\.|-|–)\s*(?=\d)", "", completion_time or "")
    days = [int(n) for n in _WORKING_DAYS.findall(text)]
    return max(days) if days and 0 < max(days) <= 365 else None


@admin.register(CaseType)
class CaseTypeAdmin(MallScopedAdmin):
    list_display = [
        "service",
        "booth",
        "mall",
        "is_open",
        "completion_days",
        "delivery",
        "form_version",
        "updated_at",
    ]
    list_filter = ["is_open", "delivery", "mall"]
    list_select_related = ["service", "booth", "mall"]
    fields = [
        "offering",
        "is_open",
        "intro",
        "completion_days",
        "uses_agency_processing",
        "delivery",
        "form_version",
    ]
    inlines = [CaseFieldInline, DocumentRequirementInline]
    actions = ["take_documents"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj)) + ["form_version"]
        if obj is not None:  # its cases stay at the booth that received them
            fields.append("offering")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "offering" and field is not None:
            field.queryset = field.queryset.filter(case_type__isnull=True).select_related(
                "service", "booth"
            )
        return field

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with transaction.atomic():  # the type, its questions and the version bump together
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        case_type = form.instance
        before = _form_shape(case_type) if change else None
        super().save_related(request, form, formsets, change)
        if change and _form_shape(case_type) != before:
            CaseType.objects.filter(pk=case_type.pk).update(form_version=F("form_version") + 1)
            case_type.refresh_from_db(fields=["form_version"])

    @admin.action(
        description=_("Take documents and completion time from the service standard"),
        permissions=["change"],
    )
    def take_documents(self, request, queryset):
        rows = access.restrict(queryset, request.user, access.CHANGE).select_related("service")
        added = 0
        with transaction.atomic():
            for case_type in rows:
                added += requirements_take(case_type)
                days = standard_working_days(case_type.service.completion_time)
                if days is not None and days != case_type.completion_days:
                    case_type.completion_days = days
                    case_type.save(update_fields=["completion_days", "updated_at"])
        self.message_user(
            request,
            _("Documents added from the service standard: %(count)d.") % {"count": added},
            messages.SUCCESS if added else messages.INFO,
        )


class _ReadOnlyInline(MallScopedInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(_ReadOnlyInline, admin.TabularInline):
    model = CaseEvent
    fields = [
        "at",
        "kind",
        "from_status",
        "to_status",
        "actor_kind",
        "actor_label",
        "channel",
        "note",
        "internal_note",
    ]


class CaseDocumentInline(_ReadOnlyInline, admin.TabularInline):
    model = CaseDocument
    fields = [
        "created_at",
        "kind",
        "requirement",
        "original_name",
        "file_kind",
        "size",
        "channel",
        "uploaded_by",
        "is_current",
    ]


@admin.register(Case)
class CaseAdmin(MallScopedAdmin):
    list_display = [
        "number",
        "created_at",
        "mall",
        "booth",
        "service",
        "status",
        "channel",
        "due_on",
    ]
    list_filter = ["status", "channel", "mall"]
    list_select_related = ["mall", "booth", "service"]
    date_hierarchy = "created_at"
    fields = [
        "number",
        "status",
        "mall",
        "booth",
        "service",
        "channel",
        "language",
        "applicant_name",
        "nik_masked",
        "phone_shown",
        "email_shown",
        "relation",
        "subject_name",
        "answers_shown",
        "form_version",
        "assigned_to",
        "ticket",
        "created_at",
        "submitted_at",
        "due_on",
        "returned_at",
        "escalated_at",
        "completed_at",
        "missing",
        "outcome_note",
        "version",
    ]
    readonly_fields = fields
    inlines = [CaseEventInline, CaseDocumentInline]

    def get_queryset(self, request):
        rows = super().get_queryset(request)  # the admin's view scope ...
        return access.restrict(rows, request.user, "case.process")  # ... and the booth's

    @admin.display(description=_("mobile number"))
    def phone_shown(self, obj):
        return phone_mask(obj.phone) if obj.phone else "-"

    @admin.display(description=_("e-mail"))
    def email_shown(self, obj):
        return email_mask(obj.email) if obj.email else "-"

    @admin.display(description=_("answers"))
    def answers_shown(self, obj):
        rows = answers_display(obj, language=get_language() or "id")
        if not rows:
            return "-"
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", rows)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
