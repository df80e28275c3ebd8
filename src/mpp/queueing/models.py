"""Tickets of the walk-in queue and the per-day number sequences behind them."""

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

    The id is a random UUID, so a ticket's page and its survey link cannot be
    guessed from another ticket. `queued_at` is the original arrival and is kept
    when the ticket is transferred, so it keeps its place. `due_at` is set on
    tickets made from an online booking: the start of the booked slot.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        DONE = "done", _("Finished")
        NO_SHOW = "no_show", _("No-show")
        EXPIRED = "expired", _("Expired")

    OPEN_STATUSES = (Status.WAITING, Status.CALLED, Status.SERVING)

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
            )
        ]
        indexes = [
            models.Index(fields=["mall", "service_date", "status"], name="ticket_day_status_idx"),
            models.Index(fields=["offering", "status", "queued_at"], name="ticket_queue_idx"),
            # Open tickets only (a few hundred per mall, whatever the history): the end of
            # day check every write makes (dayend.mall_day_roll) reads this.
            models.Index(
                fields=["mall", "service_date"],
                name="ticket_open_day_idx",
                condition=models.Q(status__in=["waiting", "called", "serving"]),
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
