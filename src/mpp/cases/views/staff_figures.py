"""The manager's figures of applications (/staff/cases/figures/).

Why: a mall manager answers for the service standard (standar pelayanan): how many
applications stand where, per service, how long completion takes in working days
(median), what share was completed within the standard, and which are overdue now.
Everything comes from cases.selectors.mall_case_figures (cases submitted in the
period; the overdue list: the mall's, now); the page asks accounts.access
("case.figures") first.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mpp.accounts import access
from mpp.cases import selectors, workflow
from mpp.cases.models import Case
from mpp.cases.views.staff_common import FIGURES, PROCESS, malls_to_choose, staff_mall
from mpp.cases.views.staff_forms import PeriodForm


@login_required
@never_cache
@require_GET
def staff_figures(request):
    """Cases per status and service, median working days, share within the standard."""
    user = request.user
    mall = staff_mall(request, FIGURES)
    period = PeriodForm(request.GET or None)
    data = period.cleaned_data if period.is_bound and period.is_valid() else {}
    context = {"mall": mall, "malls": malls_to_choose(request) if mall is None else []}
    if mall is not None:
        access.require_page(user, FIGURES, mall)
        figures = selectors.mall_case_figures(
            mall=mall, start=data.get("start"), end=data.get("end")
        )
        context.update(_table(figures))
        # A supervisor's figures are the mall's; the overdue cases listed, their booth's.
        context["overdue"] = [c for c in figures.overdue if access.allowed(user, PROCESS, c)]
    return render(request, "cases/staff/figures.html", {**context, "period": period})


def _table(figures) -> dict:
    """The selector's figures as the page's rows: per status, per service."""
    opened = set(workflow.OPEN_STATUSES)
    statuses = [s for s in Case.Status.values if s != Case.Status.DRAFT]
    services = [
        {
            "name": f.name,
            "total": f.total,
            "open": sum(n for s, n in f.counts.items() if s in opened),
            "finished": f.finished,
            "median_days": f.median_days,
            "within_standard_pct": f.within_standard_pct,
        }
        for f in figures.services
    ]
    return {
        "figures": figures,
        "open_total": sum(n for s, n in figures.counts.items() if s in opened),
        "status_rows": [(Case.Status(s).label, figures.counts.get(s, 0)) for s in statuses],
        "service_rows": services,
        "overdue": figures.overdue,
    }
