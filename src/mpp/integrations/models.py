"""Agency systems as API clients, their webhook subscriptions and the webhook outbox.

Why an app of its own: an agency's system (Dukcapil's SIAK, Polri's SKCK system, OSS,
a bank's core) is not a person. It gets a client identity scoped to one agency, one or
more malls and a list of operations (the same action names as mpp.accounts.access),
keys that rotate with an overlap, and subscriptions that receive what happens at its
booths as signed webhooks (Standard Webhooks v1, CloudEvents 1.0 bodies), written in
the same transaction as the change and delivered by `mpp worker`.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mpp.core.errors import Conflict

KEY_PREFIX = "mppc_"  # an API client's key; staff tokens start with "mpp_"


def _revoked_for_good() -> Conflict:
    return Conflict(
        gettext("A revoked API client is never enabled again; create a new one."),
        code="client_revoked",
    )


class ApiClient(models.Model):
    """An agency system that calls the API and receives webhooks.

    It is also the principal of its requests (request.auth): it quacks like a staff
    user where mpp.accounts.access needs it (is_authenticated, is_active, is_national,
    role, mall_id, booth_id) and says so with `is_api_client`. The access rule then
    lets it do an action only if the action is in `operations`, the rule's column for
    API clients allows it, and the object is in one of `malls` at a booth of `agency`.

    Revoked is for good (revoked_at set, never cleared: save() refuses). Keys live in
    ApiClientKey (hashed, shown once).
    """

    name = models.CharField(_("name"), max_length=100)
    agency = models.ForeignKey(
        "catalog.Agency",
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("agency"),
    )
    malls = models.ManyToManyField(
        "catalog.Mall", related_name="api_clients", verbose_name=_("malls")
    )
    # Action names of mpp.accounts.access.CLIENT_RULES this client may do.
    operations = models.JSONField(_("operations"), default=list, blank=True)
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("Told when webhooks are given up or a subscription is disabled."),
    )
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    # How a row reaches its mall, for mpp.accounts.access.restrict (one row per mall).
    mall_path = "malls"

    # The principal's face towards mpp.accounts.access (see the class docstring).
    is_api_client = True
    is_authenticated = True
    is_anonymous = False
    is_national = False
    is_superuser = False
    is_staff = False
    role = "api_client"
    mall_id = None
    booth_id = None

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        clears = (
            self.pk is not None
            and self.revoked_at is None
            and (fields is None or "revoked_at" in fields)
        )
        if clears and ApiClient.objects.filter(pk=self.pk, revoked_at__isnull=False).exists():
            raise _revoked_for_good()
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def mall_ids(self) -> frozenset[int]:
        """The ids of the client's malls (read once per request object)."""
        cached = self.__dict__.get("_mall_ids")
        if cached is None:
            cached = frozenset(self.malls.values_list("pk", flat=True)) if self.pk else frozenset()
            self.__dict__["_mall_ids"] = cached
        return cached

    def get_username(self) -> str:
        return f"client:{self.pk}"

    def get_full_name(self) -> str:
        return self.name


class ApiClientKey(models.Model):
    """One key of an API client ("mppc_..."), stored as its SHA-256 digest.

    Several keys may be valid at once: rotating gives a new key and sets the old ones
    to expire after an overlap, so the agency can switch without downtime.
    """

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("client")
    )
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    mall_path = "client__malls"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API client key")
        verbose_name_plural = _("API client keys")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class Subscription(models.Model):
    """Where an API client wants to hear of events, and which ones.

    `events` holds patterns ("ticket.*", "case.completed", "survey.submitted"); the
    optional filters narrow to one mall, agency or service. The signing secret is
    "whsec_" + base64 of 24 random bytes; during rotation the previous secret also
    signs until `previous_secret_until` (several signatures in webhook-signature).
    Secrets are stored as they are (they must sign) and shown only at creation and
    rotation. A 410 answer or too many dead letters disable the subscription.
    `paused_until` keeps a failing or slow receiver from holding up the dispatchers.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DISABLED = "disabled", _("Disabled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        ApiClient,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("client"),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("event types"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    mall = models.ForeignKey(
        "catalog.Mall",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only this mall"),
    )
    agency = models.ForeignKey(
        "catalog.Agency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only this agency"),
    )
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only this service"),
    )
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    mall_path = "client__malls"

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"


# Statuses a dispatcher may pick (SENDING only once its lease has run out).
class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Given up (dead letter)")
    CANCELLED = "cancelled", _("Cancelled (subscription disabled)")


UNFINISHED = (MessageStatus.PENDING, MessageStatus.FAILED, MessageStatus.SENDING)


class WebhookMessage(models.Model):
    """One event for one subscription: the webhook outbox row.

    Written in the transaction of the change (mpp.integrations.webhooks.emit), so it
    exists if and only if the change committed. `webhook_id` ("msg_" + 32 hex) and
    `body` (the CloudEvents JSON) are fixed at creation: every retry and replay sends
    the same id and the same bytes. `subject` ("ticket/123") orders delivery: a
    message is not sent while an older unfinished message of the same subscription
    and subject exists.
    """

    Status = MessageStatus

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("subscription"),
    )
    webhook_id = models.CharField(_("webhook id"), max_length=40, unique=True)
    event_id = models.BigIntegerField(_("event"), db_index=True)
    event_type = models.CharField(_("event type"), max_length=60)
    subject = models.CharField(_("subject"), max_length=80)
    occurred_at = models.DateTimeField(_("occurred at"))
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    mall_path = "subscription__client__malls"

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due_idx",
                condition=Q(status__in=["pending", "failed", "sending"]),
            ),
            models.Index(
                fields=["subscription", "subject", "id"],
                name="webhook_subject_idx",
                condition=Q(status__in=["pending", "failed", "sending"]),
            ),
            models.Index(fields=["subscription", "occurred_at"], name="webhook_replay_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_type}"


class DeliveryAttempt(models.Model):
    """One HTTP attempt to deliver a webhook message: the client's delivery log.

    The response excerpt is at most 500 characters of what the receiver answered
    (never anything we sent: the body is in the message).
    """

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Delivered (2xx)")
        FAILED = "failed", _("Failed")
        TIMEOUT = "timeout", _("Timed out")
        GONE = "gone", _("Gone (410): subscription disabled")

    message = models.ForeignKey(
        WebhookMessage,
        on_delete=models.CASCADE,
        related_name="attempts_log",
        verbose_name=_("message"),
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("subscription"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"), db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    response_excerpt = models.CharField(_("response excerpt"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    mall_path = "subscription__client__malls"

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        indexes = [models.Index(fields=["subscription", "-id"], name="attempt_sub_idx")]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number} {self.outcome}"


class ExternalRecord(models.Model):
    """A case or booking as it is known in an agency's system (mpp.integrations.connectors).

    Why: a connector pushes our record to the agency and later pulls its status back;
    this row keeps the agency's id and last status for that, and what went wrong.
    Unique per connector and subject, so pushing twice is a no-op.
    """

    connector = models.CharField(_("connector"), max_length=60)
    subject_type = models.CharField(_("subject type"), max_length=20)  # "case" | "booking"
    subject_id = models.CharField(_("subject id"), max_length=64)  # a case's or booking's pk
    mall = models.ForeignKey(
        "catalog.Mall", on_delete=models.CASCADE, related_name="+", verbose_name=_("mall")
    )
    external_id = models.CharField(_("id in the agency's system"), max_length=120, blank=True)
    external_status = models.CharField(_("agency's status"), max_length=60, blank=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)
    pulled_at = models.DateTimeField(_("pulled at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    mall_path = "mall"

    class Meta:
        verbose_name = _("record in an agency system")
        verbose_name_plural = _("records in agency systems")
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "subject_type", "subject_id"], name="external_record_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connector} {self.subject_type}/{self.subject_id}"


class NikCheck(models.Model):
    """The population register's answer about a NIK and name, and when it was given.

    Why: with a register connector configured, bookings and applications check that
    the NIK and name belong to a living resident. What is kept is the answer and its
    time, never the register's data: the NIK only as a keyed digest (mpp.core.pii).
    """

    class Outcome(models.TextChoices):
        MATCH = "match", _("NIK and name match a living resident")
        NO_MATCH = "no_match", _("No match")
        DECEASED = "deceased", _("Recorded as deceased")
        UNAVAILABLE = "unavailable", _("Register unavailable (format check only)")

    nik_digest = models.CharField(max_length=64, db_index=True, editable=False)
    purpose = models.CharField(_("purpose"), max_length=20)  # "booking" | "case"
    connector = models.CharField(_("connector"), max_length=60)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    checked_at = models.DateTimeField(_("checked at"))
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    mall = models.ForeignKey(
        "catalog.Mall",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mall"),
    )

    mall_path = "mall"

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = _("NIK check")
        verbose_name_plural = _("NIK checks")

    def __str__(self) -> str:
        return f"{self.purpose} {self.outcome} {self.checked_at:%Y-%m-%d %H:%M}"
