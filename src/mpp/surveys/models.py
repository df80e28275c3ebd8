"""Survey invitations and anonymous answers of the SKM (PermenPANRB 14/2017).

Why two tables that do not point at each other: every finished transaction (a ticket,
later a case or a booking) gets one invitation with an unguessable token, so each
service user can answer once. The answer itself must stay anonymous: nobody may join
it back to the ticket, the counter or the officer who served. So a SurveyResponse
holds only the scope it counts towards (mall, agency, booth, service, province), the
nine scores, the respondent's profile, an optional comment, the channel and the DATE
it came in; its id is a random UUID (an increasing number would give away the order
of answers). What links the two is only the conditional UPDATE that sets the
invitation's `used` flag, in the same transaction as the insert, so one invitation
yields at most one answer. The flag is a yes/no, not a time (an answer time beside the
transaction's counter and minute was the join), no screen or export shows it, and no
event names the invitation an answer came from (docs/survey-privacy.md).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Agency, Booth, Counter, Mall, Service
from mpp.surveys.ikm import (
    AGE_MAX,
    AGE_MIN,
    EDUCATION_CHOICES,
    ELEMENTS,
    OCCUPATION_CHOICES,
    SEX_CHOICES,
)

INVITATION_DAYS = 30  # an invitation can be answered this long after the transaction
TOKEN_BYTES = 16  # secrets.token_urlsafe(16): 22 characters, 128 random bits
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what a token may look like


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class TransactionKind(models.TextChoices):
    TICKET = "ticket", _("Queue ticket")
    CASE = "case", _("Application (case)")
    BOOKING = "booking", _("Online booking")


class ResponseChannel(models.TextChoices):
    WEB = "web", _("Web")
    TABLET = "tablet", _("Counter tablet")
    SMS = "sms", _("SMS")
    API = "api", _("API")


class SurveyInvitation(models.Model):
    """The right to answer the survey once about one transaction.

    The transaction is known only as plain values (kind and id as a string), so
    surveys never imports the apps that serve. `counter` (nullable) lets the counter's
    tablet find the survey of the ticket just finished there; the answer never sees it.
    `used` only stops a second answer: it is never shown (admin, pages, exports, API).
    """

    token = models.CharField(_("token"), max_length=32, unique=True, default=new_token)
    kind = models.CharField(_("transaction kind"), max_length=10, choices=TransactionKind.choices)
    transaction_id = models.CharField(_("transaction id"), max_length=64)
    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="+", verbose_name=_("mall")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    booth = models.ForeignKey(
        Booth,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booth (gerai)"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    counter = models.ForeignKey(
        Counter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counter (loket)"),
    )
    province_code = models.CharField(_("province code"), max_length=2)
    created_at = models.DateTimeField(_("created at"))
    created_on = models.DateField(_("transaction date"))  # mall-local, for the population
    expires_at = models.DateTimeField(_("expires at"))
    used = models.BooleanField(_("used"), default=False)  # answered; deliberately no time

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "booth"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "transaction_id"], name="survey_invitation_one_per_transaction"
            ),
        ]
        indexes = [
            models.Index(fields=["mall", "created_on"], name="survey_inv_mall_day_idx"),
            models.Index(fields=["counter", "created_at"], name="survey_inv_counter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.transaction_id}"

    @property
    def is_answered(self) -> bool:
        return self.used

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


def _score_field(code: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(code)


def _score_checks() -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{e.field}__gte": 1, f"{e.field}__lte": 4}),
            name=f"survey_response_{e.field}_1_4",
        )
        for e in ELEMENTS
    ]


class SurveyResponse(models.Model):
    """One anonymous answer to the nine questions, with the respondent's profile.

    Not editable once given (no update service; read-only in the admin). It points at
    no invitation, ticket, counter or officer: see the module docstring.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("transaction kind"), max_length=10, choices=TransactionKind.choices)
    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="+", verbose_name=_("mall")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    booth = models.ForeignKey(
        Booth,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booth (gerai)"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    province_code = models.CharField(_("province code"), max_length=2)
    u1 = _score_field("U1")
    u2 = _score_field("U2")
    u3 = _score_field("U3")
    u4 = _score_field("U4")
    u5 = _score_field("U5")
    u6 = _score_field("U6")
    u7 = _score_field("U7")
    u8 = _score_field("U8")
    u9 = _score_field("U9")
    sex = models.CharField(_("sex"), max_length=1, choices=SEX_CHOICES)
    age = models.PositiveSmallIntegerField(_("age"))
    education = models.CharField(_("education"), max_length=10, choices=EDUCATION_CHOICES)
    occupation = models.CharField(_("occupation"), max_length=10, choices=OCCUPATION_CHOICES)
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=ResponseChannel.choices)
    submitted_on = models.DateField(_("submitted on"))  # a date only: no order within a day

    # How a row reaches its mall (and booth), for mpp.accounts.access.restrict.
    mall_path = "mall"
    booth_path = "booth"

    class Meta:
        ordering = ["-submitted_on"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            *_score_checks(),
            models.CheckConstraint(
                condition=Q(age__gte=AGE_MIN, age__lte=AGE_MAX), name="survey_response_age"
            ),
        ]
        indexes = [
            models.Index(fields=["mall", "submitted_on"], name="survey_resp_mall_day_idx"),
            models.Index(fields=["agency", "submitted_on"], name="survey_resp_agency_day_idx"),
            models.Index(fields=["service", "submitted_on"], name="survey_resp_service_day_idx"),
            models.Index(fields=["province_code", "submitted_on"], name="survey_resp_prov_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.submitted_on} {self.service_id}"

    def scores(self) -> dict[str, int]:
        return {e.code: getattr(self, e.field) for e in ELEMENTS}
