"""Malls, agencies, services with their published standard, booths, counters.

The catalogue is what every channel (kiosk, web, counter, van, API) serves from:
one service standard, offered at booths (gerai) in many malls.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp.core.models import Region

# Indonesia's three time zones by province code (WIB default).
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


def timezone_for_province(province_code: str) -> str:
    if province_code in _WIT:
        return "Asia/Jayapura"
    if province_code in _WITA:
        return "Asia/Makassar"
    return "Asia/Jakarta"


class Mall(models.Model):
    """A Mal Pelayanan Publik: one building where many agencies serve side by side.

    Holds the mall's own queue policy, because malls differ in how they treat
    vulnerable groups and how patient they are with absent citizens.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPERATING = "operating", _("Operating")
        CLOSED = "closed", _("Closed")

    class PriorityPolicy(models.TextChoices):
        PRIORITY_FIRST = "priority_first", _("Priority groups first")
        INTERLEAVE = "interleave", _("One priority call per N regular calls")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    regency = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="malls",
        verbose_name=_("kabupaten/kota"),
        limit_choices_to={"level": Region.Level.REGENCY},
    )
    address = models.TextField(_("address"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Jakarta")
    inaugurated_on = models.DateField(_("inaugurated on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPERATING
    )
    source_url = models.TextField(_("source"), blank=True)
    source_note = models.TextField(_("source note"), blank=True)
    priority_policy = models.CharField(
        _("priority policy"),
        max_length=20,
        choices=PriorityPolicy.choices,
        default=PriorityPolicy.PRIORITY_FIRST,
    )
    priority_every = models.PositiveSmallIntegerField(
        _("regular calls per priority call"),
        default=3,
        help_text=_(
            "With the interleave policy: after this many regular calls, call a priority "
            "ticket if one waits."
        ),
    )
    booked_first = models.BooleanField(
        _("booked tickets first at their slot time"),
        default=True,
        help_text=_(
            "A ticket from an online booking is called before other waiting tickets once "
            "its slot has started."
        ),
    )
    no_show_after_recalls = models.PositiveSmallIntegerField(
        _("recalls before no-show"),
        default=2,
        help_text=_("An officer may mark a ticket as no-show only after this many recalls."),
    )
    # The remote queue (a ticket taken from a phone for today: queueing.remote).
    remote_arrive_minutes = models.PositiveSmallIntegerField(
        _("minutes to arrive with a phone ticket"),
        default=60,
        help_text=_(
            "A ticket taken from a phone must be checked in at the mall within this many "
            "minutes (and before closing), or it expires."
        ),
    )
    remote_stop_minutes = models.PositiveSmallIntegerField(
        _("no phone tickets in the last minutes before closing"),
        default=60,
        help_text=_("Phones can take no ticket this many minutes before the mall closes."),
    )

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "pk"

    class Meta:
        ordering = ["name"]
        verbose_name = _("mall (MPP)")
        verbose_name_plural = _("malls (MPP)")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_now(self) -> dt.datetime:
        return timezone.now().astimezone(self.tz)

    def today(self) -> dt.date:
        return self.local_now().date()


class OpeningHours(models.Model):
    """When a mall is open on one weekday; a weekday without a row is closed.

    A mall with no row at all has not published its hours: nothing is refused for the
    time of day (catalog.hours explains the rule).
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("mall")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"

    class Meta:
        ordering = ["mall", "weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(fields=["mall", "weekday"], name="opening_hours_unique_day"),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Agency(models.Model):
    """An agency (instansi) that serves citizens, in one or many malls."""

    class Kind(models.TextChoices):
        CENTRAL = "central", _("Central ministry or agency")
        REGIONAL = "regional", _("Regional government office")
        VERTICAL = "vertical", _("Vertical agency")
        SOE = "soe", _("BUMN/BUMD")
        PRIVATE = "private", _("Private")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    regency = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        verbose_name=_("kabupaten/kota"),
        help_text=_("For regional offices and local branches."),
    )
    website = models.URLField(_("website"), blank=True)

    # A national record shared by every mall (mpp.accounts.access).
    mall_path = None

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency (instansi)")
        verbose_name_plural = _("agencies (instansi)")

    def __str__(self) -> str:
        return self.short_name or self.name


class Service(models.Model):
    """A public service and its published standard (UU 25/2009, PermenPANRB 15/2014).

    Carries what a citizen must know before coming: requirements, procedure,
    completion time, fee and its legal basis, product, complaint channel.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="services", verbose_name=_("agency")
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    requirements = models.JSONField(_("requirements"), default=list, blank=True)
    procedure = models.JSONField(_("procedure"), default=list, blank=True)
    completion_time = models.CharField(_("completion time"), max_length=120, blank=True)
    service_minutes = models.PositiveSmallIntegerField(
        _("typical minutes at the counter"),
        default=10,
        help_text=_("Used for the wait estimate until enough tickets have been served."),
    )
    fee = models.PositiveBigIntegerField(_("fee (Rupiah)"), default=0)
    fee_basis = models.TextField(_("legal basis of the fee"), blank=True)
    fee_varies = models.BooleanField(
        _("amount set per case"),
        default=False,
        help_text=_(
            "Besides the fixed fee (0 = none) the citizen pays an amount set per case: a tax, "
            "a retribution, a connection cost or a fine. Explain it in the legal basis."
        ),
    )
    product = models.CharField(_("product"), max_length=200, blank=True)
    complaint_channel = models.TextField(_("complaint channel"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    keywords = models.TextField(_("keywords"), blank=True)
    channel_direct = models.BooleanField(_("direct (at the counter)"), default=True)
    channel_mobile = models.BooleanField(_("mobile (jemput bola)"), default=False)
    channel_self = models.BooleanField(_("self-service"), default=False)
    channel_electronic = models.BooleanField(_("electronic (online)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    # A national record shared by every mall (mpp.accounts.access).
    mall_path = None

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("service (layanan)")
        verbose_name_plural = _("services (layanan)")

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return self.fee == 0 and not self.fee_varies

    @property
    def channels(self) -> list[str]:
        pairs = [
            ("direct", self.channel_direct),
            ("mobile", self.channel_mobile),
            ("self_service", self.channel_self),
            ("electronic", self.channel_electronic),
        ]
        return [name for name, on in pairs if on]


class Booth(models.Model):
    """A tenant agency's booth (gerai) in a mall; its tickets share one letter."""

    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, related_name="booths", verbose_name=_("mall")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="booths", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=150)
    location = models.CharField(_("location"), max_length=100, blank=True)
    ticket_prefix = models.CharField(
        _("ticket letter"),
        max_length=2,
        help_text=_("Ticket numbers of this booth start with it, e.g. B for B-017."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "pk"

    class Meta:
        ordering = ["mall", "sort_order", "name"]
        verbose_name = _("booth (gerai)")
        verbose_name_plural = _("booths (gerai)")
        constraints = [
            models.UniqueConstraint(fields=["mall", "ticket_prefix"], name="booth_unique_prefix"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        prefix = (self.ticket_prefix or "").upper()
        if not prefix.isalpha() or not prefix.isascii():
            raise ValidationError({"ticket_prefix": _("Use one or two letters A-Z.")})
        self.ticket_prefix = prefix


class Offering(models.Model):
    """A service offered at a booth of a mall: what a kiosk lists and a ticket is for."""

    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("mall")
    )
    booth = models.ForeignKey(
        Booth, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("booth (gerai)")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("service")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    remote_per_day = models.PositiveSmallIntegerField(
        _("phone tickets per day"),
        default=0,
        help_text=_(
            "How many tickets citizens may take from their phone for this service each day "
            "(0: only at the kiosk)."
        ),
    )

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "booth"

    class Meta:
        ordering = ["booth__sort_order", "sort_order", "service__name"]
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        constraints = [
            models.UniqueConstraint(fields=["mall", "service"], name="offering_unique_service"),
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.booth}"

    def clean(self):
        if self.booth_id and self.mall_id and self.booth.mall_id != self.mall_id:
            raise ValidationError({"booth": _("The booth belongs to another mall.")})


class Counter(models.Model):
    """A counter (loket) where an officer calls and serves tickets of some services."""

    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, related_name="counters", verbose_name=_("mall")
    )
    booth = models.ForeignKey(
        Booth,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counters",
        verbose_name=_("booth (gerai)"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    offerings = models.ManyToManyField(
        Offering, related_name="counters", blank=True, verbose_name=_("services served")
    )
    is_open = models.BooleanField(_("open"), default=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("officer on duty"),
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    regular_since_priority = models.PositiveIntegerField(default=0, editable=False)

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "booth"

    class Meta:
        ordering = ["mall", "number"]
        verbose_name = _("counter (loket)")
        verbose_name_plural = _("counters (loket)")
        constraints = [
            models.UniqueConstraint(fields=["mall", "number"], name="counter_unique_number"),
        ]

    def __str__(self) -> str:
        return self.name or f"Loket {self.number}"
