"""Reads of the SKM: invitations by token or transaction, and the IKM of any scope and period.

    invitation_by_token(token) -> SurveyInvitation | None
    invitation_state(invitation, now=None) -> "open" | "answered" | "expired"
    invitation_for(kind, transaction_id) -> SurveyInvitation | None
    open_token_for(kind, transaction_id) -> str | None   (only while it can be answered)
    tablet_invitation(counter_id, now=None) -> SurveyInvitation | None
    ikm_compute(*, mall_id=None, agency_id=None, booth_id=None, service_id=None,
                province_code=None, date_from, date_to, with_comments=True) -> IkmResult
    index_of(totals, respondents) -> (exact IKM, IKM, Mutu, NRRs)   (also each report row)
    period_range(kind, year, number=1) -> (first day, last day)

Why ikm_compute is one aggregate query: a province's year is tens of thousands of
answers; the database sums the nine scores and counts the profile in one pass and the
index is computed from those exact sums (mpp.surveys.ikm). Reports and exports reuse it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from mpp.core.errors import Invalid
from mpp.surveys import ikm, privacy
from mpp.surveys.models import TOKEN_PATTERN, SurveyInvitation, SurveyResponse, TransactionKind

TABLET_MINUTES = 10  # the counter's tablet offers the survey this long after a finish
COMMENTS_MAX = 500  # newest comments returned with an IKM


# Invitations -----------------------------------------------------------------


def invitation_by_token(token) -> SurveyInvitation | None:
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None
    return (
        SurveyInvitation.objects.select_related("mall", "service", "agency", "booth")
        .filter(token=token)
        .first()
    )


def invitation_state(invitation: SurveyInvitation, now: dt.datetime | None = None) -> str:
    if invitation.is_answered:
        return "answered"
    if invitation.is_expired(now):
        return "expired"
    return "open"


def invitation_for(kind: str, transaction_id) -> SurveyInvitation | None:
    return SurveyInvitation.objects.filter(kind=kind, transaction_id=str(transaction_id)).first()


def open_token_for(kind: str, transaction_id) -> str | None:
    """The token of the transaction's invitation while it can be answered, else None."""
    row = (
        SurveyInvitation.objects.filter(
            kind=kind,
            transaction_id=str(transaction_id),
            used=False,
            expires_at__gt=timezone.now(),
        )
        .values_list("token", flat=True)
        .first()
    )
    return row


def tablet_invitation(counter_id: int, now: dt.datetime | None = None) -> SurveyInvitation | None:
    """The survey a counter's tablet offers: the ticket finished last at that counter, if
    within TABLET_MINUTES and not answered yet (a newer finish replaces an older one)."""
    now = now or timezone.now()
    latest = (
        SurveyInvitation.objects.select_related("mall", "service")
        .filter(
            counter_id=counter_id,
            kind=TransactionKind.TICKET,
            created_at__gte=now - dt.timedelta(minutes=TABLET_MINUTES),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None or latest.is_answered or latest.is_expired(now):
        return None
    return latest


# Periods ---------------------------------------------------------------------

PERIOD_KINDS = ("month", "quarter", "semester", "year")
_MONTHS_PER = {"month": 1, "quarter": 3, "semester": 6, "year": 12}


def period_range(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of month 1-12, quarter 1-4, semester 1-2 or the year (number 1)."""
    if kind not in _MONTHS_PER:
        raise Invalid(_("Unknown period kind."), code="invalid_period")
    span = _MONTHS_PER[kind]
    count = 12 // span
    if not (isinstance(year, int) and 1 <= year <= 9999 and 1 <= number <= count):
        raise Invalid(_("There is no such period."), code="invalid_period")
    first_month = (number - 1) * span + 1
    last_month = first_month + span - 1
    last_day = calendar.monthrange(year, last_month)[1]
    return dt.date(year, first_month, 1), dt.date(year, last_month, last_day)


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of `kind` that contains `day`."""
    span = _MONTHS_PER.get(kind, 0)
    if not span:
        raise Invalid(_("Unknown period kind."), code="invalid_period")
    return period_range(kind, day.year, (day.month - 1) // span + 1)


def period_before(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of `kind` just before the one containing `day`."""
    first, _last = period_of(kind, day)
    return period_of(kind, first - dt.timedelta(days=1))


# The index -------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    submitted_on: dt.date
    service: str
    text: str


@dataclass(frozen=True)
class IkmResult:
    """The IKM of a scope and period, with what a report shows next to it.

    ikm (2 places) and unit_value (4 places) are rounded half-up from the exact sums;
    elements are NRRs to 3 places, in the regulation's order. None without answers.
    suppressed: 1 to 4 answers (surveys.privacy): index, scores, totals, profile and
    comments are left out, and pages show respondents_label instead of the count.
    """

    date_from: dt.date
    date_to: dt.date
    respondents: int
    transactions: int
    required_sample: int
    sample_short: bool
    ikm: Decimal | None
    ikm_exact: Decimal | None
    unit_value: Decimal | None
    mutu: str | None
    mutu_label: Promise | None
    elements: dict[str, Decimal | None]
    totals: dict[str, int]
    profile: dict[str, dict[str, int]] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    suppressed: bool = False

    @property
    def respondents_label(self) -> str:
        """The count of answers as pages, exports and the API may show it."""
        return privacy.few_label() if self.suppressed else str(self.respondents)

    def element_rows(self) -> list[tuple[ikm.Element, Decimal | None]]:
        """(element, NRR) in order, for templates."""
        return [(e, self.elements[e.code]) for e in ikm.ELEMENTS]


def _scope(
    *, mall_id=None, agency_id=None, booth_id=None, service_id=None, province_code=None
) -> Q:
    q = Q()
    for name, value in (
        ("mall_id", mall_id),
        ("agency_id", agency_id),
        ("booth_id", booth_id),
        ("service_id", service_id),
        ("province_code", province_code),
    ):
        if value is not None:
            q &= Q(**{name: value})
    return q


def _profile_aggregates() -> dict:
    """Conditional counts of the profile, computed in the same query as the sums."""
    out = {}
    for code, _label in ikm.SEX_CHOICES:
        out[f"sex:{code}"] = Count("pk", filter=Q(sex=code))
    for low, high in ikm.AGE_BANDS:
        out[f"age:{low}-{high}"] = Count("pk", filter=Q(age__gte=low, age__lte=high))
    for code, _label in ikm.EDUCATION_CHOICES:
        out[f"education:{code}"] = Count("pk", filter=Q(education=code))
    for code, _label in ikm.OCCUPATION_CHOICES:
        out[f"occupation:{code}"] = Count("pk", filter=Q(occupation=code))
    return out


def _profile(row: dict) -> dict[str, dict[str, int]]:
    profile: dict[str, dict[str, int]] = {"sex": {}, "age": {}, "education": {}, "occupation": {}}
    for key, value in row.items():
        if ":" in key:
            group, code = key.split(":", 1)
            profile[group][code] = value or 0
    return profile


def index_of(
    totals: Mapping[str, int], respondents: int
) -> tuple[Decimal | None, Decimal | None, ikm.Mutu | None, dict[str, Decimal | None]]:
    """(exact IKM, IKM to 2 places, its mutu, each element's NRR to 3 places) of the score
    totals of `respondents` answers; all None without answers. The one place a scope's
    index is computed: ikm_compute and every row of a report's breakdowns use it."""
    if not respondents:
        return None, None, None, dict.fromkeys(ikm.ELEMENT_CODES)
    exact = ikm.ikm_value(totals, respondents)
    nrrs = {
        code: ikm.round_half_up(ikm.nrr(totals[code], respondents), 3) for code in ikm.ELEMENT_CODES
    }
    return exact, ikm.round_half_up(exact, 2), ikm.mutu_for(exact), nrrs


def ikm_compute(
    *,
    date_from: dt.date,
    date_to: dt.date,
    mall_id: int | None = None,
    agency_id: int | None = None,
    booth_id: int | None = None,
    service_id: int | None = None,
    province_code: str | None = None,
    with_comments: bool = True,
) -> IkmResult:
    """The IKM of the answers submitted from date_from to date_to (inclusive) in a scope.

    No scope given: national. Transactions (the population for the sample size) are the
    invitations made in the same scope and period: one per finished transaction.
    """
    if date_from > date_to:
        raise Invalid(_("The start date is after the end date."), code="invalid_period")
    scope = _scope(
        mall_id=mall_id,
        agency_id=agency_id,
        booth_id=booth_id,
        service_id=service_id,
        province_code=province_code,
    )
    answers = SurveyResponse.objects.filter(
        scope, submitted_on__gte=date_from, submitted_on__lte=date_to
    )
    row = answers.aggregate(
        respondents=Count("pk"),
        **{f"sum_{e.field}": Sum(e.field) for e in ikm.ELEMENTS},
        **_profile_aggregates(),
    )
    transactions = SurveyInvitation.objects.filter(
        scope, created_on__gte=date_from, created_on__lte=date_to
    ).count()
    respondents = row.pop("respondents") or 0
    totals = {e.code: int(row.pop(f"sum_{e.field}") or 0) for e in ikm.ELEMENTS}
    required = ikm.krejcie_morgan(transactions)
    small = privacy.is_small(respondents)
    if small:  # nothing of a group this small leaves here (surveys.privacy)
        totals = dict.fromkeys(ikm.ELEMENT_CODES, 0)
        row = {key: 0 for key in row}
    counted = 0 if small else respondents
    exact, rounded, mutu, elements = index_of(totals, counted)
    unit = ikm.round_half_up(ikm.unit_value(totals, counted), 4) if counted else None
    comments = []
    if with_comments and counted:
        # Ordered by day, service and text: never by when each was written, which the
        # rows' storage order would give away.
        comments = [
            Comment(submitted_on=day, service=name, text=text)
            for day, name, text in answers.exclude(comment="")
            .order_by("-submitted_on", "service__name", "comment")
            .values_list("submitted_on", "service__name", "comment")[:COMMENTS_MAX]
        ]
    return IkmResult(
        date_from=date_from,
        date_to=date_to,
        respondents=respondents,
        transactions=transactions,
        required_sample=required,
        sample_short=respondents < required,
        ikm=rounded,
        ikm_exact=exact,
        unit_value=unit,
        mutu=mutu.code if mutu else None,
        mutu_label=mutu.label if mutu else None,
        elements=elements,
        totals=totals,
        profile=_profile(row),
        comments=comments,
        suppressed=small,
    )
