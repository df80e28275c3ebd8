"""A kiosk or display board a mall registered, known by a credential set once on the machine.

Why: taking a walk-in number uses up a place of the day's queue and quota, so the API and
the kiosk pages issue one only to a registered kiosk of that mall (or to that mall's staff).
Like an API token, only the SHA-256 digest of the credential is stored, with a short
prefix to recognise it in the admin; the credential itself is shown once.
"""

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

CREDENTIAL_PREFIX = "mppd_"
CREDENTIAL_MAX_LENGTH = 100  # longer input is never a credential (and never hashed)


class DeviceKind(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk")
    BOARD = "board", _("Display board")


class Device(models.Model):
    """A registered kiosk or display board of one mall.

    Revoked once, it stays revoked: a lost or stolen kiosk is registered anew with a new
    credential, so a credential that leaked never works again (the model refuses to save
    a revoked device as active).
    """

    mall = models.ForeignKey(
        "catalog.Mall",
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("mall"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DeviceKind.choices)
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Where it stands, e.g. 'Kiosk by the entrance'.")
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("credential prefix"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    # How a row reaches its mall, for mpp.accounts.access.restrict.
    mall_path = "mall"

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["mall", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.prefix}…)"

    def save(self, *args, **kwargs):
        revoked = Device.objects.filter(pk=self.pk, revoked_at__isnull=False)
        if self.pk is not None and self.revoked_at is None and revoked.exists():
            raise ValueError("a revoked device is never enabled again; register a new one")
        super().save(*args, **kwargs)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    # Neither staff nor a token: the API's idempotency keys treat a device as "anonymous"
    # (scoped by the request's fingerprint).
    is_authenticated = False

    @staticmethod
    def new_credential() -> str:
        return CREDENTIAL_PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
