"""The officer's work queue (/staff/cases/): the booth's open applications, overdue first.

Why: an officer starts the day here, like at the counter console: filters by status and
service, counts per status, the overdue ones on top, and keys to work the list (j/k move,
Enter opens, x ticks, v starts verification, r returns; static cases/staff_queue.js).
Without JavaScript every part is a plain link or form. Rows come from
cases.selectors.booth_queue, which narrows them to what the user may process
(accounts.access, "case.process"); the bulk "start verification" calls
cases.services.case_transition once per ticked case.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mpp.accounts import access
from mpp.cases import selectors, services, workflow
from mpp.cases.models import Case, CaseType, Channel
from mpp.cases.views.staff_common import PROCESS, STEPS, malls_to_choose, staff_mall
from mpp.cases.views.staff_forms import QueueFilterForm
from mpp.catalog.models import Booth, Service
from mpp.core.errors import DomainError

BULK_MAX = 100  # cases started in one press
PAGE_ROWS = 50  # rows on one page of the queue; the counts say how many there are
MAX_PAGE = 1000  # a page number beyond any real queue is read as this (never a 500)


def _choices(user, mall):
    """The booths and services the filters offer: those of cases this user may process."""
    if mall is None:
        return [], []
    booths = list(access.restrict(Booth.objects.filter(mall=mall), user, PROCESS).order_by("name"))
    service_ids = CaseType.objects.filter(booth__in=booths).values("service_id")
    services_ = list(Service.objects.filter(pk__in=service_ids).order_by("name"))
    return booths, services_


def _page(request) -> int:
    """?page=N (1 and up); anything else is page 1."""
    value = request.GET.get("page", "")
    return min(int(value), MAX_PAGE) if value.isdigit() and int(value) > 0 else 1


def _rows(view, page: int) -> tuple[list[Case], bool]:
    """One page of the queue's rows (marked overdue by the selector), each saying
    whether the bulk "start verification" may take it, and whether a next page exists.

    Only the columns a row shows are read: a booth with thousands of open cases answers
    as fast as one with ten (bench/cases.py)."""
    start = (page - 1) * PAGE_ROWS
    rows = list(
        view.rows.select_related(None)
        .select_related("service", "assigned_to")
        .only(
            "pk",
            "number",
            "applicant_name",
            "status",
            "due_on",
            "submitted_at",
            "service__name",
            "assigned_to__username",
        )[start : start + PAGE_ROWS + 1]
    )
    more = len(rows) > PAGE_ROWS
    rows = rows[:PAGE_ROWS]
    base = reverse("cases:staff_case", args=["0"])[:-2]  # one reverse for every row
    for case in rows:
        case.can_verify = case.status == Case.Status.SUBMITTED
        case.href = f"{base}{case.number}/"
        case.due_label = date_format(case.due_on, "j M Y") if case.due_on else ""
        case.officer_name = case.assigned_to.get_username() if case.assigned_to_id else ""
    return rows, more


def _page_link(request, page: int) -> str:
    """The queue's address with the same filters, on another page."""
    query = request.GET.copy()
    query["page"] = str(page)
    return "?" + query.urlencode()


def _counts(view) -> list[tuple[str, str, int]]:
    return [
        (status, Case.Status(status).label, view.counts.get(status, 0))
        for status in workflow.OPEN_STATUSES
    ]


@login_required
@never_cache
@require_GET
def staff_queue(request):
    """/staff/cases/: the work queue of the user's booth (or the booth they choose)."""
    user = request.user
    mall = staff_mall(request, PROCESS)
    booths, services_ = _choices(user, mall)
    filters = QueueFilterForm(request.GET or None, services=services_, booths=booths)
    filters.is_valid()  # a filter that is not one of the choices is left out, not an error
    data = getattr(filters, "cleaned_data", {})
    booth = next((b for b in booths if str(b.pk) == data.get("booth")), None)
    if booth is None and access.is_national(user) and booths:
        booth = booths[0]  # national staff: one booth at a time, never every mall at once
    service = next((s for s in services_ if s.code == data.get("service")), None)
    rows, counts, overdue_total, more = [], [], 0, False
    page = _page(request)
    if mall is not None:
        view = selectors.booth_queue(
            user=user,
            booth=booth,
            status=data.get("status") or None,
            service=service,
            overdue=bool(data.get("overdue")),
            today=mall.today(),
        )
        rows, more = _rows(view, page)
        counts = _counts(view)
        overdue_total = view.overdue_count
    return render(
        request,
        "cases/staff/queue.html",
        {
            "mall": mall,
            "malls": malls_to_choose(request) if mall is None else [],
            "booth": booth,
            "booths": booths,
            "filters": filters,
            "rows": rows,
            "counts": counts,
            "overdue_total": overdue_total,
            "status_now": data.get("status") or "",
            "page": page,
            "previous_page": _page_link(request, page - 1) if page > 1 else "",
            "next_page": _page_link(request, page + 1) if more else "",
            "verify_step": STEPS[Case.Status.VERIFICATION.value],
            "return_step": STEPS[Case.Status.RETURNED.value],
            "may_record": access.allowed(user, "case.record", mall) if mall else False,
            "may_figures": access.allowed(user, "case.figures", mall) if mall else False,
        },
    )


def _ids(values: list[str]) -> list[uuid.UUID]:
    ids = []
    for value in values[:BULK_MAX]:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


@login_required
@require_POST
def staff_bulk(request):
    """Start verification of the ticked submitted cases; back to the queue with a count."""
    user = request.user
    access.require_page(user, PROCESS)
    ids = _ids(request.POST.getlist("case"))
    back = QueryDict(request.POST.get("back", "").lstrip("?")[:500]).urlencode()
    target = reverse("cases:staff_queue") + (f"?{back}" if back else "")
    if not ids:
        messages.error(request, _("Tick at least one submitted application."))
        return redirect(target)
    cases = access.restrict(Case.objects.filter(pk__in=ids), user, PROCESS).select_related(
        "case_type"
    )
    started, refused = [], len(ids) - len(cases)
    for case in cases:
        try:
            services.case_transition(
                case=case,
                to=Case.Status.VERIFICATION,
                channel=Channel.COUNTER,
                actor=user,
                actor_kind=workflow.OFFICER,
                expected_version=None,
            )
        except DomainError:
            refused += 1
        else:
            started.append(case.number)
    if started:
        messages.success(
            request, _("Verification started: %(n)d application(s).") % {"n": len(started)}
        )
    if refused:
        messages.error(
            request,
            _("Not started (not submitted, or not yours): %(n)d application(s).") % {"n": refused},
        )
    if len(started) == 1 and not refused:
        return redirect("cases:staff_case", number=started[0])
    return redirect(target)
