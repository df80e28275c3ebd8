"""Staff accounts, their role and mall, and API tokens."""

import hashlib
import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mpp.core.errors import Conflict


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National admin")
    MALL_MANAGER = "mall_manager", _("Mall manager")
    BOOTH_SUPERVISOR = "booth_supervisor", _("Booth supervisor")
    OFFICER = "officer", _("Officer")
    # A village head or social worker who files mobile-service demand for the villages of
    # their region (User.region: a kecamatan or one desa/kelurahan) at their mall.
    VILLAGE_AGENT = "village_agent", _("Village head or social worker")


class User(AbstractUser):
    """A staff member. Citizens need no account.

    The role and mall decide what the person may see and do: a mall's staff act
    only in that mall, a booth supervisor and officer only at their booth's
    counters; a national admin (or superuser) everywhere.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    mall = models.ForeignKey(
        "catalog.Mall",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("mall"),
    )
    booth = models.ForeignKey(
        "catalog.Booth",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("booth (gerai)"),
    )
    region = models.ForeignKey(
        "core.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region (village agents)"),
        help_text=_("The kecamatan or village a village head or social worker files demand for."),
    )

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "booth"

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    @property
    def is_national(self) -> bool:
        return self.is_superuser or self.role == Role.NATIONAL_ADMIN


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _revoked_for_good() -> Conflict:
    return Conflict(
        gettext("A revoked API token is never enabled again; create a new one."),
        code="token_revoked",
    )


class ApiTokenQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """`.update(revoked=False)` may not touch a revoked token either."""
        if kwargs.get("revoked") is False and self.filter(revoked=True).exists():
            raise _revoked_for_good()
        return super().update(**kwargs)


class ApiToken(models.Model):
    """A bearer token for an officer's device or an agency system.

    Only the SHA-256 digest is stored; the token itself is shown once. Revoked once, it
    stays revoked (a manager had re-enabled a revoked token in the admin): save() and
    update() refuse to clear `revoked`; a lost device gets a new token.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    objects = ApiTokenQuerySet.as_manager()

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "user__mall"
    booth_path = "user__booth"

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        clears = (
            self.pk is not None and not self.revoked and (fields is None or "revoked" in fields)
        )
        if clears and ApiToken.objects.filter(pk=self.pk, revoked=True).exists():
            raise _revoked_for_good()
        super().save(*args, **kwargs)

    @staticmethod
    def new_raw() -> str:
        return "mpp_" + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(raw: str) -> str:
        return _digest(raw)


class LoginThrottle(models.Model):
    """Failed sign-ins of one username or one client address, and how long it is locked.

    Why: 48 wrong passwords and then the right one used to get in. Kept in the database
    (not a process's memory or only in Redis) so that every server process and worker
    sees the same count, with or without Redis. mpp.accounts.throttle decides.
    """

    class Kind(models.TextChoices):
        USERNAME = "user", _("username")
        ADDRESS = "ip", _("client address")

    # Not a mall's record (mpp.accounts.access); not shown in the admin.
    mall_path = None

    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=150)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="login_throttle_kind_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} ({self.failures})"


class PhoneCode(models.Model):
    """A one-time code sent by SMS to a citizen's mobile number (mpp.accounts.phone_login).

    Why: citizens have no account, yet one who applied or booked at several malls wants
    to see it all in one place, and one who lost a case number's NIK digits still holds
    the phone. Typing the code sent to the number proves they hold it, like the booking
    confirmation (bookings.confirm). Neither the number nor the code is stored: the
    number as a keyed digest (the one cases keep too), the code as a keyed digest salted
    with the row's id; the row counts wrong tries and codes sent, and is used once.
    """

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("sign in with a mobile number")
        CASE_OPEN = "case_open", _("open an application")

    # Not a mall's record (mpp.accounts.access); not shown in the admin.
    mall_path = None

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    phone_digest = models.CharField(max_length=64, db_index=True, editable=False)
    # What the code opens besides the number (the case's id for CASE_OPEN), else "".
    subject = models.CharField(max_length=64, blank=True, editable=False)
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"))
    sends = models.PositiveSmallIntegerField(_("codes sent"), default=0)
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["phone_digest", "created_at"], name="phone_code_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
