"""Online booking (antrean online): quotas per service and day, slots, bookings.

A booking reserves a place in a time slot of one service at one mall. Capacity of a
slot is split between online bookings, walk-ins and priority groups, so online
booking can never eat the places kept for people who just walk in.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Mall, Offering, Service


class BookingPolicy(models.Model):
    """How one service of a mall is booked: window, slot pattern, capacity split, check-in."""

    mall_path = "offering__mall"
    booth_path = "offering__booth"

    offering = models.OneToOneField(
        Offering,
        on_delete=models.CASCADE,
        related_name="booking_policy",
        verbose_name=_("service offered"),
    )
    is_enabled = models.BooleanField(_("online booking open"), default=True)
    window_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"),
        default=7,
        help_text=_("A day becomes bookable this many days before it, at the opening time."),
    )
    window_opens_at = models.TimeField(_("booking opens at"), default=dt.time(7, 0))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    online_per_slot = models.PositiveSmallIntegerField(_("online places per slot"), default=10)
    walkin_per_slot = models.PositiveSmallIntegerField(_("walk-in places per slot"), default=10)
    priority_per_slot = models.PositiveSmallIntegerField(
        _("priority-group places per slot"), default=2
    )
    checkin_early_minutes = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before the slot)"), default=60
    )
    grace_minutes = models.PositiveSmallIntegerField(
        _("grace after the slot ends (minutes)"), default=15
    )
    reschedule_limit = models.PositiveSmallIntegerField(_("reschedules allowed"), default=1)

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="policy_slot_minutes")
        ]

    def __str__(self) -> str:
        return str(self.offering)


class ClosedDay(models.Model):
    """A day a mall is closed besides weekends and national holidays (its own decision)."""

    mall_path = "mall"

    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, related_name="closed_days", verbose_name=_("mall")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["mall", "date"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [
            models.UniqueConstraint(fields=["mall", "date"], name="closed_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class Slot(models.Model):
    """One time slot of one service on one day, with its online places.

    Rows are made when a day becomes bookable. `online_booked` only moves through
    a single conditional UPDATE (booked < capacity), and the check constraint
    makes the database itself refuse an oversold slot.
    """

    mall_path = "offering__mall"
    booth_path = "offering__booth"

    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="slots", verbose_name=_("service")
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    online_capacity = models.PositiveSmallIntegerField(_("online places"))
    online_booked = models.PositiveSmallIntegerField(_("booked online"), default=0)
    walkin_capacity = models.PositiveSmallIntegerField(_("walk-in places"))
    priority_capacity = models.PositiveSmallIntegerField(_("priority places"))

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(fields=["offering", "date", "starts_at"], name="slot_unique"),
            models.CheckConstraint(
                condition=Q(online_booked__lte=F("online_capacity")), name="slot_not_oversold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def label(self) -> str:
        return f"{self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def online_left(self) -> int:
        return max(self.online_capacity - self.online_booked, 0)


class Booking(models.Model):
    """A citizen's reservation of a slot, proven later by its code plus the NIK.

    The NIK is personal data: only a keyed digest (to find duplicates and check
    proof), a keyed digest of its last digits (kiosk check-in) and a masked form
    (last 4 digits, for screens) are stored, never the number itself.

    A new booking is PENDING: it holds its place until `hold_until` and takes it for
    good (BOOKED) only when the one-time code sent to its phone is entered (see
    bookings.confirm); an unconfirmed hold becomes EXPIRED and frees its place. The
    one-time code is stored as a keyed digest only, with its attempts and sends.
    Wrong NIKs given as proof are counted; too many lock the code for a while
    (`locked_until`), in the database, so every server process sees it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")
        EXPIRED = "expired", _("Not confirmed in time")

    # Statuses that hold a place and count as "this NIK has a booking that day".
    ACTIVE_STATUSES = (Status.PENDING, Status.BOOKED, Status.CHECKED_IN)

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        KIOSK = "kiosk", _("Kiosk")
        COUNTER = "counter", _("Counter")

    mall_path = "mall"
    booth_path = "offering__booth"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("booking code"), max_length=12, unique=True)
    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("mall")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("service")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="bookings", editable=False
    )
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot")
    )
    date = models.DateField(_("date"))
    nik_digest = models.CharField(max_length=64, editable=False, db_index=True)
    nik_masked = models.CharField(_("NIK"), max_length=16)
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("mobile number"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    reschedule_count = models.PositiveSmallIntegerField(_("reschedules"), default=0)
    ticket = models.OneToOneField(
        "queueing.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="booking",
        verbose_name=_("ticket"),
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Confirmation by a one-time code sent to the phone (bookings.confirm).
    hold_until = models.DateTimeField(_("place held until"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    otp_digest = models.CharField(max_length=64, blank=True, editable=False)
    otp_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    otp_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    otp_sends = models.PositiveSmallIntegerField(default=0, editable=False)
    # The kiosk's second factor: a keyed digest of the NIK's last digits (bookings.proof).
    nik_tail_digest = models.CharField(max_length=64, blank=True, editable=False)
    # Wrong NIKs (or NIK digits) given with this code, and the lock they caused.
    proof_failures = models.PositiveSmallIntegerField(_("wrong NIKs"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        ordering = ["date", "slot__starts_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["nik_digest", "service", "date"],
                condition=Q(status__in=["pending", "booked", "checked_in"]),
                name="one_active_booking_per_nik_service_day_v2",
            ),
        ]
        indexes = [
            models.Index(fields=["slot", "status"], name="booking_slot_status_idx"),
            # The no-show sweep and the day summaries: open bookings of past days.
            models.Index(fields=["status", "date"], name="booking_status_date_idx"),
            # The per-phone limits (bookings.limits).
            models.Index(fields=["phone", "date"], name="booking_phone_date_idx"),
            # The sweep of holds not confirmed in time.
            models.Index(fields=["status", "hold_until"], name="booking_status_hold_idx"),
        ]

    def __str__(self) -> str:
        return self.code
