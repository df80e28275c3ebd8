"""Complaints (pengaduan) about a mall's services, and the history of their handling.

Why: UU 25/2009 obliges every public service to handle complaints, and PermenPANRB
on SP4N-LAPOR! sets the practice: a first response within 3 working days, an answer
within 5 (14 for disputes, 60 when a field check is needed). A complaint is routed to
the booth (gerai) responsible for it and followed by the citizen with a tracking code;
every step is kept (ComplaintAction), so a manager sees who did what and when, and the
citizen sees the public messages. A complaint about an officer's conduct or an illegal
fee goes to the mall manager, not to the booth it is about.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Booth, Mall, Service

# Private uploads under settings.MEDIA_ROOT; never served from a public path (views
# check access first). Without a location, the storage follows MEDIA_ROOT, also when a
# test changes it.
_private_storage = FileSystemStorage(base_url=None)


def attachment_storage() -> FileSystemStorage:
    return _private_storage


class Complaint(models.Model):
    """One complaint: what it is about, who handles it, where it stands, its deadlines.

    The tracking code is the citizen's only key (random, 10 characters nobody
    misreads). Name, phone and e-mail are personal data: optional (anonymous
    complaints are welcome), shown masked, never in events, logs or URLs.
    """

    class Category(models.TextChoices):
        SERVICE_QUALITY = "service_quality", _("Service quality")
        OFFICER_BEHAVIOUR = "officer_behaviour", _("Officer behaviour")
        FEES = "fees", _("Fees or illegal charges (pungli)")
        TIME = "time", _("Waiting or completion time")
        FACILITIES = "facilities", _("Facilities")
        INFORMATION = "information", _("Information and requirements")
        ONLINE = "online", _("Online booking or website")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        KIOSK = "kiosk", _("Kiosk")
        COUNTER = "counter", _("Counter")
        API = "api", _("API")

    class Track(models.TextChoices):
        """How long the answer may take, in working days (SP4N-LAPOR! practice)."""

        REGULAR = "regular", _("Regular (5 working days)")
        DISPUTE = "dispute", _("Dispute (14 working days)")
        FIELD_CHECK = "field_check", _("Needs a field check (60 working days)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VERIFIED = "verified", _("Verified")
        FORWARDED = "forwarded", _("Forwarded")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Completed")
        REJECTED = "rejected", _("Rejected")

    # About an officer's conduct or an illegal fee: handled at the mall manager's desk,
    # never by the booth they accuse (services._route; docs/survey-privacy.md).
    MANAGER_CATEGORIES = (Category.OFFICER_BEHAVIOUR, Category.FEES)

    # Still waiting for an answer (the resolution deadline runs).
    OPEN_STATUSES = (Status.RECEIVED, Status.VERIFIED, Status.FORWARDED, Status.IN_PROGRESS)

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "booth"

    code = models.CharField(_("tracking code"), max_length=12, unique=True)
    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("mall")
    )
    booth = models.ForeignKey(
        Booth,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("booth (gerai)"),
        help_text=_("Who handles it; empty: the mall manager's desk."),
    )
    about_booth = models.ForeignKey(
        Booth,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booth it is about"),
        help_text=_("As filed. An officer or pungli complaint is handled by the manager."),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("service"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    track = models.CharField(
        _("track"), max_length=12, choices=Track.choices, default=Track.REGULAR
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    description = models.TextField(_("description"))
    incident_date = models.DateField(_("date of the incident"), null=True, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    name = models.CharField(_("name"), max_length=120, blank=True)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="id")
    attachment = models.FileField(
        _("attachment"), upload_to="complaints/%Y/%m/", storage=attachment_storage, blank=True
    )
    attachment_type = models.CharField(_("attachment type"), max_length=4, blank=True)
    ticket_ref = models.UUIDField(_("ticket"), null=True, blank=True)
    booking_ref = models.CharField(_("booking code"), max_length=12, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    received_at = models.DateTimeField(_("received at"), db_index=True)
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("answer due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, help_text=_("Closed or rejected.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["mall", "status"], name="complaint_mall_status_idx"),
            models.Index(fields=["mall", "received_at"], name="complaint_mall_received_idx"),
            models.Index(fields=["booth", "status"], name="complaint_booth_status_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class ComplaintAction(models.Model):
    """One step in a complaint's handling: who, when, from which status to which, and
    the message the citizen sees or the note only staff see."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        VERIFIED = "verified", _("Verified")
        FORWARDED = "forwarded", _("Forwarded")
        STARTED = "started", _("Work started")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        NOTED = "noted", _("Note")

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "complaint__mall"
    booth_path = "complaint__booth"

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="actions", verbose_name=_("complaint")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("step"), max_length=12, choices=Kind.choices)
    from_status = models.CharField(
        _("from"), max_length=12, choices=Complaint.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=Complaint.Status.choices)
    booth = models.ForeignKey(
        Booth,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booth (gerai)"),
    )
    public_message = models.TextField(_("message to the citizen"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"
