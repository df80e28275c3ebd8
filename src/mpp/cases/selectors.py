"""Reads of applications: one case by its number (for the citizen, with proof), its
history, an officer's work queue, a mall's figures, and a citizen's cases by phone.

Why: every screen and the API narrow cases through one rule, the access rule's
"case.process" (mpp.accounts.access.restrict): national admins see all, a mall
manager their mall's, a supervisor and an officer their booth's. Overdue is decided in
the database with one condition everywhere (cases.deadlines.is_overdue says the same
for one case): the clock runs (submitted, verification, processing) and the due date
is before today.

Opening a case as a citizen takes its number and the NIK's last four digits; a wrong
number and wrong digits get the same answer, and tries per number are limited
("case_open_number" of settings.MPP_RATE_LIMITS, 10 an hour when not set; the page adds
a per-IP limit), so numbers cannot be tried one after another.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from statistics import median

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, F, Min, Q, QuerySet, Value, When
from django.db.models import Case as CaseWhen
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.cases import workflow as wf
from mpp.cases.deadlines import MallCalendar, mall_day
from mpp.cases.models import Case, CaseEvent
from mpp.cases.numbers import last4_clean, number_clean, phone_digest
from mpp.core.errors import NotFound
from mpp.core.pii import keyed_digest
from mpp.core.ratelimit import RateLimited, ratelimit_hit
from mpp.core.workdays import local_date

S = Case.Status
PROCESS = "case.process"
OPEN_LIMIT = (10, 3600)  # tries to open one case number, per hour
HIDDEN_FROM_CITIZEN = ("escalated", "assigned", "note", "answers")
DEFAULT_TZ = "Asia/Jakarta"


def _rows() -> QuerySet[Case]:
    return Case.objects.select_related("case_type", "mall", "booth", "service")


def case_by_number(number: str) -> Case | None:
    """A case by its number (typed in any case, with spaces or dashes), or None."""
    canonical = number_clean(number)
    if canonical is None:
        return None
    return _rows().filter(number=canonical).first()


def case_by_id(pk) -> Case | None:
    """A case by its id (a UUID; anything else: None)."""
    try:
        return _rows().filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def case_for_staff(*, user, number: str) -> Case | None:
    """A case by number, if `user` may handle it (access "case.process")."""
    canonical = number_clean(number)
    if canonical is None:
        return None
    return access.restrict(_rows(), user, PROCESS).filter(number=canonical).first()


def _open_limit() -> tuple[int, int] | None:
    limits = getattr(settings, "MPP_RATE_LIMITS", {})
    if "case_open_number" in limits:
        value = limits["case_open_number"]
        return (int(value[0]), int(value[1])) if value else None
    return OPEN_LIMIT


def case_open(*, number: str, nik_last4: str) -> Case:
    """The case with this number whose NIK ends in these four digits; NotFound (one
    message for either mistake) or RateLimited after too many tries on one number."""
    canonical = number_clean(number)
    refusal = NotFound(
        _("No application matches this number and these NIK digits."), code="case_not_found"
    )
    if canonical is None:
        raise refusal
    limit = _open_limit()
    if limit is not None:
        key = keyed_digest(f"case-number:{canonical}")[:32]
        result = ratelimit_hit(
            scope="case_open_number", key=key, limit=limit[0], window_seconds=limit[1]
        )
        if not result.allowed:
            raise RateLimited(result.retry_after)
    digits = last4_clean(nik_last4) or "----"
    case = _rows().filter(number=canonical).first()
    stored = case.nik_masked[-4:] if case is not None else "xxxx"
    if case is None or not hmac.compare_digest(stored, digits):
        raise refusal
    return case


def case_history(case: Case, *, for_citizen: bool) -> list[CaseEvent]:
    """The steps of a case, oldest first. The citizen's view leaves out staff-only
    steps and internal notes and names no officer."""
    rows = case.events.select_related("actor").order_by("at", "pk")
    if not for_citizen:
        return list(rows)
    events = list(rows.exclude(kind__in=HIDDEN_FROM_CITIZEN))
    for event in events:
        event.internal_note = ""
        if event.actor_kind != wf.CITIZEN:
            event.actor_label = ""
    return events


def cases_for_phone(phone: str) -> list[Case]:
    """Every case (all malls) whose applicant gave this mobile number, newest first."""
    return cases_for_phone_digest(phone_digest(phone))


def cases_for_phone_digest(digest: str) -> list[Case]:
    """Every case with this phone digest (cases.numbers.phone_digest), newest first."""
    if not digest:
        return []
    return list(_rows().filter(phone_digest=digest).order_by("-created_at"))


# The officer's queue ----------------------------------------------------------------


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=wf.CLOCK_RUNNING, due_on__lt=today)


def _today(user, today: dt.date | None) -> dt.date:
    """Today in the user's mall (Jakarta for national staff)."""
    if today is not None:
        return today
    mall = getattr(user, "mall", None) if getattr(user, "mall_id", None) else None
    return local_date(timezone.now(), mall.tz if mall is not None else DEFAULT_TZ)


@dataclass
class QueueView:
    """An officer's queue: the rows (overdue first, then by due date), counts per
    status of the same booths and services, and how many are overdue."""

    rows: QuerySet
    counts: dict[str, int]
    overdue_count: int
    today: dt.date


def _service_q(service) -> Q:
    if hasattr(service, "pk"):
        return Q(service_id=service.pk)
    if isinstance(service, int) or (isinstance(service, str) and service.isdigit()):
        return Q(service_id=int(service))
    return Q(service__code=str(service))


def booth_queue(
    *,
    user,
    booth=None,
    status: str | None = None,
    service=None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> QueueView:
    """The cases `user` handles (submitted and not closed, unless `status` names one),
    narrowed to a booth (instance or id) and a service (instance, id or code)."""
    today = _today(user, today)
    base = access.restrict(Case.objects.exclude(status=S.DRAFT), user, PROCESS)
    if booth:
        base = base.filter(booth_id=getattr(booth, "pk", booth))
    if service:
        base = base.filter(_service_q(service))
    counts = {s: 0 for s in S.values if s != S.DRAFT}
    overdue_count = 0
    late = Count("pk", filter=overdue_q(today))
    for row in base.values("status").annotate(n=Count("pk"), late=late).order_by():
        counts[row["status"]] = row["n"]
        overdue_count += row["late"]  # one pass over the booth's rows for both
    rows = base.filter(status=status) if status else base.filter(status__in=wf.OPEN_STATUSES)
    if overdue:
        rows = rows.filter(overdue_q(today))
    flag = CaseWhen(
        When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    rows = (
        rows.annotate(is_overdue=flag)
        .select_related("service", "booth", "assigned_to", "case_type")
        .order_by(F("is_overdue").desc(), F("due_on").asc(nulls_last=True), "submitted_at")
    )
    return QueueView(rows=rows, counts=counts, overdue_count=overdue_count, today=today)


# A mall's figures ------------------------------------------------------------------


@dataclass
class ServiceFigures:
    service_id: int
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    finished: int = 0  # reached ready (or completed)
    median_days: float | None = None
    within_standard_pct: float | None = None


@dataclass
class CaseFigures:
    """Cases of a mall submitted in a period: per status and service, the median
    working days from submission to ready (pauses taken out), the share ready within
    the standard, and the overdue ones."""

    start: dt.date | None
    end: dt.date | None
    total: int
    counts: dict[str, int]
    services: list[ServiceFigures]
    median_days: float | None
    within_standard_pct: float | None
    overdue: list[Case]


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _submitted_in(mall, start: dt.date | None, end: dt.date | None) -> QuerySet[Case]:
    rows = Case.objects.filter(mall=mall, submitted_at__isnull=False)
    if start is not None:
        rows = rows.filter(
            submitted_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=mall.tz)
        )
    if end is not None:
        rows = rows.filter(
            submitted_at__lt=dt.datetime.combine(
                end + dt.timedelta(days=1), dt.time.min, tzinfo=mall.tz
            )
        )
    return rows


def mall_case_figures(
    *,
    mall,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> CaseFigures:
    """The figures of the cases of `mall` submitted from `start` to `end` (mall days,
    inclusive; None: open-ended). Callers check access "case.figures"."""
    rows = _submitted_in(mall, start, end)
    data = list(
        rows.values(
            "pk",
            "status",
            "service_id",
            "service__name",
            "submitted_at",
            "due_on",
            "case_type__completion_days",
        )
    )
    ready_at = dict(
        CaseEvent.objects.filter(case__in=rows, to_status=S.READY)
        .values("case_id")
        .annotate(first=Min("at"))
        .values_list("case_id", "first")
    )
    calendar = MallCalendar(mall)
    per_service: dict[int, ServiceFigures] = {}
    counts = {s: 0 for s in S.values if s != S.DRAFT}
    all_days: list[int] = []
    all_within = 0
    service_days: dict[int, list[int]] = {}
    service_within: dict[int, int] = {}
    for row in data:
        sid = row["service_id"]
        figures = per_service.setdefault(sid, ServiceFigures(sid, row["service__name"]))
        figures.counts[row["status"]] = figures.counts.get(row["status"], 0) + 1
        figures.total += 1
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        ready = ready_at.get(row["pk"])
        if ready is None:
            continue
        submitted_day = mall_day(mall, row["submitted_at"])
        ready_day = mall_day(mall, ready)
        used = calendar.between(submitted_day, ready_day)
        if row["due_on"] is not None:
            allowed = calendar.between(submitted_day, row["due_on"])
            used -= max(allowed - row["case_type__completion_days"], 0)  # the pauses
            within = ready_day <= row["due_on"]
        else:
            within = False
        figures.finished += 1
        service_days.setdefault(sid, []).append(max(used, 0))
        service_within[sid] = service_within.get(sid, 0) + within
        all_days.append(max(used, 0))
        all_within += within
    for sid, figures in per_service.items():
        days = service_days.get(sid, [])
        figures.median_days = float(median(days)) if days else None
        figures.within_standard_pct = _pct(service_within.get(sid, 0), figures.finished)
    today = today or mall_day(mall, timezone.now())
    overdue = list(
        _rows().filter(overdue_q(today), mall=mall).order_by("due_on", "submitted_at")[:100]
    )
    return CaseFigures(
        start=start,
        end=end,
        total=len(data),
        counts=counts,
        services=sorted(per_service.values(), key=lambda f: (-f.total, f.name)),
        median_days=float(median(all_days)) if all_days else None,
        within_standard_pct=_pct(all_within, len(all_days)),
        overdue=overdue,
    )
