"""Tickets of the walk-in queue and the per-day number sequences behind them."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Counter, Mall, Offering


class Priority(models.TextChoices):
    REGULAR = "regular", _("Regular")
    ELDERLY = "elderly", _("Elderly")
    DISABILITY = "disability", _("Person with disability")
    PREGNANT = "pregnant", _("Pregnant woman")
    CHILD = "child", _("With a small child")


class Source(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk")
    WEB = "web", _("Web")
    API = "api", _("API")
    COUNTER = "counter", _("Counter")
    BOOKING = "booking", _("Online booking")
    MOBILE = "mobile", _("Mobile service")
    REMOTE = "remote", _("Phone (remote queue)")


SECRET_BYTES = 16  # 128 random bits, 22 URL-safe characters


def ticket_secret_new() -> str:
    """The key of a citizen's ticket page: random, unrelated to the id staff see."""
    return secrets.token_urlsafe(SECRET_BYTES)


class TicketSequence(models.Model):
    """The last number given out per mall, day and ticket letter.

    One row per (mall, day, letter), updated under a row lock in the same
    transaction that inserts the ticket, so numbers are unique and increase
    strictly however many kiosks and API clients issue at once.
    """

    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="+")
    service_date = models.DateField()
    prefix = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "service_date", "prefix"], name="ticket_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.service_date}: {self.last}"


class Ticket(models.Model):
    """One visit in the walk-in queue, from issue to finish (or no-show, or expiry).

    The id is a random UUID that staff see (call-next answers with it). The citizen's
    page (and its survey link) is addressed by `secret`, another random key printed
    only on the slip's QR and shown only on that page, so holding the id is not
    enough to read the page or answer the survey. `queued_at` is the original arrival
    and is kept when the ticket is transferred, so it keeps its place. `due_at` is set
    on tickets made from an online booking: the start of the booked slot.

    A ticket taken from a phone (queueing.remote) starts as REMOTE: it has its number
    and its place (queued_at = when it was taken) but is not called until the citizen
    checks in at the mall with `checkin_code` before `arrive_by`; then it is WAITING.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        DONE = "done", _("Finished")
        NO_SHOW = "no_show", _("No-show")
        EXPIRED = "expired", _("Expired")
        REMOTE = "remote", _("Not checked in yet")

    # Still alive today (an earlier day's are expired by queueing.dayend).
    OPEN_STATUSES = (Status.REMOTE, Status.WAITING, Status.CALLED, Status.SERVING)
    # In the hall: waiting, called or at a counter (may be transferred).
    QUEUE_STATUSES = (Status.WAITING, Status.CALLED, Status.SERVING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("mall")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("service")
    )
    service_date = models.DateField(_("date"))
    prefix = models.CharField(_("letter"), max_length=2)
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=12)
    priority = models.CharField(
        _("priority"), max_length=12, choices=Priority.choices, default=Priority.REGULAR
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    issued_at = models.DateTimeField(_("issued at"))
    queued_at = models.DateTimeField(_("in queue since"))
    # A booked ticket's slot start: from then on the mall may call it before walk-ins.
    due_at = models.DateTimeField(_("booked for"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counter = models.ForeignKey(
        Counter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("counter (loket)"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("officer"),
    )
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    transfer_count = models.PositiveSmallIntegerField(_("transfers"), default=0)
    secret = models.CharField(
        _("page key"), max_length=32, unique=True, default=ticket_secret_new, editable=False
    )
    # Remote (phone) tickets only: the short code shown to the citizen for check-in,
    # the time it must be checked in by, and when it was.
    checkin_code = models.CharField(_("check-in code"), max_length=8, blank=True, default="")
    arrive_by = models.DateTimeField(_("check in by"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "offering__booth"

    class Meta:
        ordering = ["service_date", "queued_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "service_date", "prefix", "seq"], name="ticket_unique_number"
            ),
            models.UniqueConstraint(
                fields=["mall", "service_date", "checkin_code"],
                condition=~models.Q(checkin_code=""),
                name="ticket_unique_checkin_code",
            ),
        ]
        indexes = [
            models.Index(fields=["mall", "service_date", "status"], name="ticket_day_status_idx"),
            models.Index(fields=["offering", "status", "queued_at"], name="ticket_queue_idx"),
            # Open tickets only (a few hundred per mall, whatever the history): the end of
            # day check every write makes (dayend.mall_day_roll) reads this.
            models.Index(
                fields=["mall", "service_date"],
                name="ticket_open_day_idx",
                condition=models.Q(status__in=["remote", "waiting", "called", "serving"]),
            ),
            # Phone tickets not checked in yet: their expiry at arrive_by reads this.
            models.Index(
                fields=["mall", "arrive_by"],
                name="ticket_remote_idx",
                condition=models.Q(status="remote"),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_priority(self) -> bool:
        return self.priority != Priority.REGULAR

    @property
    def wait_seconds(self) -> float | None:
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds()

    @property
    def service_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
