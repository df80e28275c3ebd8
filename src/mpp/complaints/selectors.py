"""Reads of complaints: who sees which, the manager's list with overdue flags, the public
view of one complaint, and the handling summary beside the survey's U9.

Why: every screen and the API narrow complaints through one rule, `complaints_for(user)`,
the access rule's `complaint.handle` (mpp.accounts.access.restrict): national admins see
all, a mall manager their mall's, a booth supervisor and an officer their own booth's.
Overdue is decided in the database with the same two conditions everywhere:

- first response overdue: no first response yet and its deadline has passed;
- answer overdue: still open (received .. in progress) and the answer deadline passed.
"""

from __future__ import annotations

import datetime as dt
from statistics import mean

from django.db.models import BooleanField as BoolField
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from mpp.accounts import access
from mpp.catalog.models import Booth
from mpp.complaints.models import Complaint, ComplaintAction
from mpp.complaints.validation import code_clean
from mpp.core.workdays import working_days_between


def complaints_for(user) -> QuerySet[Complaint]:
    """The complaints `user` may see and handle (none for citizens and inactive staff)."""
    return access.restrict(Complaint.objects.all(), user, "complaint.handle")


def first_overdue_q(now: dt.datetime) -> Q:
    return Q(first_response_at__isnull=True, first_response_due__lt=now)


def answer_overdue_q(now: dt.datetime) -> Q:
    return Q(status__in=Complaint.OPEN_STATUSES, resolution_due__lt=now)


def overdue_q(now: dt.datetime) -> Q:
    return first_overdue_q(now) | answer_overdue_q(now)


def with_flags(rows: QuerySet[Complaint], now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """Annotate `first_overdue` and `answer_overdue` (booleans) on each complaint."""
    now = now or timezone.now()

    def flag(q: Q):
        return Case(When(q, then=Value(True)), default=Value(False), output_field=BoolField())

    return rows.annotate(
        first_overdue=flag(first_overdue_q(now)), answer_overdue=flag(answer_overdue_q(now))
    )


def complaint_list(
    user,
    *,
    mall_id: int | None = None,
    status: str = "",
    overdue: bool | None = None,
    booth_id: int | None = None,
    category: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Complaint]:
    """The complaints `user` sees, filtered, newest first, with overdue flags."""
    now = now or timezone.now()
    rows = complaints_for(user).select_related("booth", "about_booth", "service", "mall")
    if mall_id is not None:
        rows = rows.filter(mall_id=mall_id)
    if status:
        rows = rows.filter(status=status)
    if booth_id == 0:  # the manager's desk
        rows = rows.filter(booth__isnull=True)
    elif booth_id:
        rows = rows.filter(booth_id=booth_id)
    if category:
        rows = rows.filter(category=category)
    if overdue is True:
        rows = rows.filter(overdue_q(now))
    elif overdue is False:
        rows = rows.exclude(overdue_q(now))
    return with_flags(rows, now).order_by("-received_at", "-id")


def overdue_count(user, *, mall_id: int, now: dt.datetime | None = None) -> int:
    """How many complaints of the mall that `user` sees are overdue now."""
    now = now or timezone.now()
    return complaints_for(user).filter(overdue_q(now), mall_id=mall_id).count()


def complaint_for_staff(user, pk: int) -> Complaint | None:
    """One complaint by id, if `user` may see it."""
    if not 0 < pk < 2**63:
        return None
    rows = complaints_for(user).select_related("mall", "booth", "service", "recorded_by")
    return with_flags(rows).filter(pk=pk).first()


def complaint_by_code(code: str) -> Complaint | None:
    """A complaint by its tracking code (typed in any case, with spaces or dashes)."""
    canonical = code_clean(code)
    if canonical is None:
        return None
    rows = Complaint.objects.select_related("mall", "booth", "service")
    return with_flags(rows).filter(code=canonical).first()


def complaint_by_id(pk: int) -> Complaint | None:
    """A complaint by its internal id, with its overdue flags (staff name it so: the
    tracking code is the citizen's and stays out of URLs)."""
    rows = Complaint.objects.select_related("mall", "booth", "about_booth", "service")
    return with_flags(rows).filter(pk=pk).first()


def public_history(complaint: Complaint) -> list[ComplaintAction]:
    """The steps the citizen sees: status changes with their public messages (no
    internal notes, no names of staff)."""
    return list(complaint.actions.exclude(kind=ComplaintAction.Kind.NOTED).order_by("at", "id"))


def staff_history(complaint: Complaint) -> list[ComplaintAction]:
    return list(complaint.actions.select_related("actor", "booth").order_by("at", "id"))


def forward_booths(complaint: Complaint) -> QuerySet[Booth]:
    """The booths of the complaint's mall it may be forwarded to."""
    return Booth.objects.filter(mall_id=complaint.mall_id).select_related("agency")


# The summary beside the survey's U9 (handling of complaints) ------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def complaint_handling_summary(
    *,
    mall_id: int | None = None,
    agency_id: int | None = None,
    booth_id: int | None = None,
    date_from: dt.date,
    date_to: dt.date,
    service_id: int | None = None,
    province_code: str | None = None,
) -> dict:
    """How complaints received from `date_from` to `date_to` (inclusive, by the day of
    receipt in settings.TIME_ZONE) were handled, for one province, mall, agency, booth or
    service (or all; the scopes combine). Two queries whatever the scope: a province is
    its malls together (those whose regency code starts with "<province_code>."), not one
    summary per mall.

    Keys: received; answered, closed, rejected, open (their current status; the four
    add up to received); first_response_on_time_pct (first responses in time, of those
    responded or already overdue without one; None when there are none);
    resolved_on_time_pct (answers in time, of those answered or already past the answer
    deadline while open; None when there are none); mean_working_days_to_first_response
    (None without responses); overdue_now (first response or answer overdue now).
    An agency's complaints are those of its booths or about its services; a service's,
    those about it (at any booth, or at `booth_id`).
    """
    now = timezone.now()
    rows = Complaint.objects.filter(
        received_at__date__gte=date_from, received_at__date__lte=date_to
    )
    if province_code is not None:
        rows = rows.filter(mall__regency__code__startswith=f"{province_code}.")
    if mall_id is not None:
        rows = rows.filter(mall_id=mall_id)
    if service_id is not None:
        rows = rows.filter(service_id=service_id)
    if booth_id is not None:
        rows = rows.filter(booth_id=booth_id)
    if agency_id is not None:
        rows = rows.filter(Q(booth__agency_id=agency_id) | Q(service__agency_id=agency_id))
    S = Complaint.Status
    counts = rows.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=Q(status=S.ANSWERED)),
        closed=Count("pk", filter=Q(status=S.CLOSED)),
        rejected=Count("pk", filter=Q(status=S.REJECTED)),
        open=Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES)),
        overdue_now=Count("pk", filter=overdue_q(now)),
        first_in_time=Count(
            "pk",
            filter=Q(first_response_at__isnull=False)
            & Q(first_response_at__lte=F("first_response_due")),
        ),
        first_measured=Count(
            "pk", filter=Q(first_response_at__isnull=False) | first_overdue_q(now)
        ),
        answer_in_time=Count(
            "pk",
            filter=Q(answered_at__isnull=False) & Q(answered_at__lte=F("resolution_due")),
        ),
        answer_measured=Count("pk", filter=Q(answered_at__isnull=False) | answer_overdue_q(now)),
    )
    responded = rows.filter(first_response_at__isnull=False).values_list(
        "received_at", "first_response_at", "mall__timezone"
    )
    days = [working_days_between(a, b, tz) for a, b, tz in responded]
    return {
        "received": counts["received"],
        "answered": counts["answered"],
        "closed": counts["closed"],
        "rejected": counts["rejected"],
        "open": counts["open"],
        "first_response_on_time_pct": _percent(counts["first_in_time"], counts["first_measured"]),
        "resolved_on_time_pct": _percent(counts["answer_in_time"], counts["answer_measured"]),
        "mean_working_days_to_first_response": round(mean(days), 2) if days else None,
        "overdue_now": counts["overdue_now"],
    }
