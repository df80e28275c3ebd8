"""Applications (berkas permohonan) of MPP Digital and what a mall sets up to receive them.

Why: a citizen applies for a service once (on the web, at a kiosk, at a counter or in
a mobile-service van) and follows the same case until the product is in hand. A mall
manager describes, per service offered, what an application asks for (CaseType: its
form fields and its documents, taken from the service standard) without code; a Case
carries the answers, the documents, its status and its deadline in working days; every
change is a CaseEvent the citizen sees (and an event in core's append-only log).

Statuses and their allowed transitions are in mpp.cases.workflow; the deadline
arithmetic in mpp.cases.deadlines. Personal data (NIK, phone, e-mail) are kept as the
bookings keep them: the NIK only as a keyed digest and its last four digits, the phone
for notifications and as a keyed digest for the citizen's sign-in across malls.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mpp.cases.storage import case_storage
from mpp.catalog.models import Booth, Mall, Offering, Service


class CaseType(models.Model):
    """What an online application for one service offered at a mall asks for.

    One per Offering (the service at a booth): the booth's officers verify its cases.
    `form_version` rises whenever a field changes, and every case keeps the JSON Schema
    it was submitted against (Case.form_schema), so later edits never break old cases.
    """

    class Delivery(models.TextChoices):
        PICKUP = "pickup", _("Picked up at the booth")
        FILE = "file", _("Delivered as a file to download")
        EITHER = "either", _("Picked up or delivered as a file")

    offering = models.OneToOneField(
        Offering,
        on_delete=models.CASCADE,
        related_name="case_type",
        verbose_name=_("service offered"),
    )
    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="+", editable=False)
    booth = models.ForeignKey(Booth, on_delete=models.CASCADE, related_name="+", editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", editable=False)
    is_open = models.BooleanField(_("accepting online applications"), default=True)
    intro = models.TextField(_("introduction shown before the form"), blank=True)
    completion_days = models.PositiveSmallIntegerField(
        _("completion time (working days)"),
        default=5,
        help_text=_("From the service standard; counted from submission, paused while returned."),
    )
    uses_agency_processing = models.BooleanField(
        _("processed at the agency after verification"), default=True
    )
    delivery = models.CharField(
        _("how the product reaches the citizen"),
        max_length=10,
        choices=Delivery.choices,
        default=Delivery.PICKUP,
    )
    form_version = models.PositiveIntegerField(_("form version"), default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    mall_path = "mall"
    booth_path = "booth"

    class Meta:
        ordering = ["mall", "service__name"]
        verbose_name = _("application type")
        verbose_name_plural = _("application types")

    def __str__(self) -> str:
        return str(self.service)

    def save(self, *args, **kwargs):
        if self.offering_id:
            self.mall_id = self.offering.mall_id
            self.booth_id = self.offering.booth_id
            self.service_id = self.offering.service_id
        super().save(*args, **kwargs)


class CaseField(models.Model):
    """One question of an application form (Indonesian first, English optional)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Whole number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("One of a list")
        MULTI_CHOICE = "multi_choice", _("Several of a list")
        YES_NO = "yes_no", _("Yes or no")
        NIK = "nik", _("NIK (16 digits)")
        PHONE = "phone", _("Phone number")
        EMAIL = "email", _("E-mail address")

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    key = models.SlugField(_("key"), max_length=40, help_text=_("Letters, digits, _; unique."))
    label = models.CharField(_("question (Indonesian)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200, blank=True)
    help_text = models.CharField(_("help (Indonesian)"), max_length=300, blank=True)
    help_text_en = models.CharField(_("help (English)"), max_length=300, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("One per line: value|Indonesian label|English label.")
    )
    min_value = models.IntegerField(_("minimum (number or length)"), null=True, blank=True)
    max_value = models.IntegerField(_("maximum (number or length)"), null=True, blank=True)
    pattern = models.CharField(_("pattern (regular expression)"), max_length=200, blank=True)

    mall_path = "case_type__mall"
    booth_path = "case_type__booth"

    class Meta:
        ordering = ["case_type", "position", "pk"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [
            models.UniqueConstraint(fields=["case_type", "key"], name="case_field_unique_key")
        ]

    def __str__(self) -> str:
        return self.label


class DocumentRequirement(models.Model):
    """A document the application needs, from the service standard's requirements."""

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("document (Indonesian)"), max_length=200)
    name_en = models.CharField(_("document (English)"), max_length=200, blank=True)
    description = models.CharField(_("explanation"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    min_files = models.PositiveSmallIntegerField(_("at least (files)"), default=1)
    max_files = models.PositiveSmallIntegerField(_("at most (files)"), default=1)
    formats = models.CharField(
        _("formats"), max_length=40, default="pdf,jpg,png", help_text=_("Of: pdf, jpg, png.")
    )
    max_mb = models.PositiveSmallIntegerField(_("largest file (MB)"), default=5)

    mall_path = "case_type__mall"
    booth_path = "case_type__booth"

    class Meta:
        ordering = ["case_type", "position", "pk"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [
            models.UniqueConstraint(fields=["case_type", "code"], name="case_document_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    """Where a step was taken: one case, whatever channel touched it."""

    WEB = "web", _("Web")
    KIOSK = "kiosk", _("Self-service kiosk")
    COUNTER = "counter", _("Counter")
    MOBILE = "mobile", _("Mobile service (jemput bola)")
    API = "api", _("Agency system (API)")
    SYSTEM = "system", _("System")


class Case(models.Model):
    """One application, from draft to the product in the citizen's hands.

    `number` is what the citizen quotes; with the NIK's last four digits (or a one-time
    code to the phone) it opens the case. `version` rises on every change (the API's
    ETag). The deadline (`due_on`) counts working days from submission and stops while
    the case is returned (`returned_at` set; the days it stood still are added back).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VERIFICATION = "verification", _("Being verified")
        RETURNED = "returned", _("Returned: incomplete")
        PROCESSING = "processing", _("Being processed at the agency")
        READY = "ready", _("Ready")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Relation(models.TextChoices):
        SELF = "self", _("For myself")
        PARENT = "parent", _("As parent or guardian")
        CHILD = "child", _("As their child")
        SPOUSE = "spouse", _("As their spouse")
        FAMILY = "family", _("As another family member")
        PROXY = "proxy", _("With a power of attorney")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("application number"), max_length=16, unique=True)
    case_type = models.ForeignKey(CaseType, on_delete=models.PROTECT, related_name="cases")
    mall = models.ForeignKey(Mall, on_delete=models.PROTECT, related_name="+")
    booth = models.ForeignKey(Booth, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    channel = models.CharField(_("started at"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=5, default="id")

    applicant_name = models.CharField(_("applicant"), max_length=120)
    nik_digest = models.CharField(max_length=64, editable=False, db_index=True)
    nik_masked = models.CharField(_("NIK"), max_length=16)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    relation = models.CharField(
        _("applying"), max_length=10, choices=Relation.choices, default=Relation.SELF
    )
    subject_name = models.CharField(
        _("applying for (name)"), max_length=120, blank=True, help_text=_("When not for oneself.")
    )

    answers = models.JSONField(_("answers"), default=dict, blank=True)
    form_version = models.PositiveIntegerField(default=1, editable=False)
    form_schema = models.JSONField(default=dict, blank=True, editable=False)

    ticket = models.ForeignKey(
        "queueing.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    completed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    missing = models.JSONField(
        _("missing"), default=dict, blank=True, help_text=_("When returned: documents and note.")
    )
    outcome_note = models.TextField(_("reason or note to the citizen"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    mall_path = "mall"
    booth_path = "booth"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["booth", "status", "due_on"], name="case_queue_idx"),
            models.Index(fields=["mall", "status"], name="case_mall_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One step of a case, as its history shows it (append-only).

    `note` is for the citizen; `internal_note` stays with staff. The actor is named:
    a user, an agency system (API client) or the citizen (by relation).
    """

    class Actor(models.TextChoices):
        CITIZEN = "citizen", _("Applicant")
        OFFICER = "officer", _("Officer")
        AGENCY = "agency", _("Agency system")
        SYSTEM = "system", _("System")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40)  # "transition", "document", "note", "escalated"...
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor_kind = models.CharField(max_length=10, choices=Actor.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=120, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    note = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)

    mall_path = "case__mall"
    booth_path = "case__booth"

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.kind} {self.to_status}".strip()


def case_file_path(document: CaseDocument, filename: str) -> str:
    """A random name under the case's mall: nothing personal in a storage key."""
    name = f"{uuid.uuid4().hex}.{document.file_kind}"
    return f"cases/{document.case.mall_id}/{document.case_id}/{name}"


class CaseDocument(models.Model):
    """A file of a case: what the citizen sent, what an officer scanned, the product.

    Stored through Django's storage API (mpp.cases.storage: local disk, or S3-compatible
    storage when configured); served only after an access check, streamed. A replaced
    file is not deleted: `is_current` turns off and the history keeps it.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Sent by the applicant")
        SCANNED = "scanned", _("Scanned at the counter")
        OUTPUT = "output", _("Product (result)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        DocumentRequirement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SUBMITTED)
    file = models.FileField(max_length=200, upload_to=case_file_path, storage=case_storage)
    file_kind = models.CharField(max_length=4)  # "pdf", "jpg", "png": read from the content
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=120, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)

    mall_path = "case__mall"
    booth_path = "case__booth"

    class Meta:
        ordering = ["case", "created_at", "pk"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.original_name or self.get_kind_display()
