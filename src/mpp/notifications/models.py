"""The notification outbox: one row per e-mail, SMS or WhatsApp message to send.

Why an outbox: a booking and its confirmation must agree. Services write the message
row in their own transaction (it exists if and only if the booking committed) and
return at once; the background worker (mpp.notifications.worker) sends it later and
retries when a gateway is down.

What is promised: at least once, not exactly once. A worker killed after the gateway
accepted a message but before the outcome was written, or an answer lost on the way
back, leads to a second attempt. Every attempt carries the row's stable `reference`
(a UUID), so a gateway that drops repeated references turns that second attempt into
nothing (docs/faults.md, "## outbox").
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting for its first attempt
    SENDING = "sending", _("Sending")  # claimed by a worker (until its lease ends)
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")  # an attempt failed; next_attempt_at is set
    DEAD = "dead", _("Given up")  # permanent error or too many attempts
    WITHDRAWN = "withdrawn", _("Withdrawn")  # no longer wanted (e.g. booking cancelled)


# Statuses the worker may pick (SENDING only once its lease has run out).
PICKABLE = (Status.PENDING, Status.FAILED, Status.SENDING)


class Message(models.Model):
    """One message to one recipient, rendered from a named template when it is sent.

    `recipient` is personal data (an e-mail address or an E.164 phone number): it is
    never logged and is masked in the admin. `context` holds what the template needs
    (JSON, never a NIK). `next_attempt_at` is the worker's clock: the time the row is
    next due (for a SENDING row, the end of the claiming worker's lease). `reference`
    is the message's stable id, the same on every attempt: the gateway's idempotency key.
    """

    # Messages are not mall records: only national admins see them (see admin.py).
    mall_path = None

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    template = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=8, default="id")
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("not before"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    dedupe_key = models.CharField(
        _("deduplication key"), max_length=160, null=True, blank=True, unique=True
    )
    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The worker's pick query: due rows among the few not yet finished.
            models.Index(
                fields=["next_attempt_at"],
                name="message_due_idx",
                condition=Q(status__in=["pending", "failed", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.channel}) #{self.pk}"


class PeriodicRun(models.Model):
    """When a registered periodic job (mpp.notifications.periodic) is next due.

    Why a table: several worker processes run at once, and a job such as the no-show
    sweep must run once per period, not once per worker. A worker runs a job only
    after moving `next_run_at` forward with a conditional UPDATE that one worker wins.
    """

    mall_path = None

    name = models.CharField(_("name"), max_length=80, primary_key=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
