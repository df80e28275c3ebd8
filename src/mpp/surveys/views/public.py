"""The public IKM page of a mall (/m/<mall>/ikm/): publishing the index is an obligation.

PermenPANRB 14/2017 requires each unit to publish its SKM results. The page shows the
current month so far, the previous month and the previous quarter: the IKM, its class
(mutu), the mean score (NRR) of each of the nine elements in order, and how many people
answered against the minimum sample for the transactions of that period, with a
warning when too few answered for the figure to be representative. A period with fewer
than 5 answers shows only that (surveys.privacy). No comments are
shown here: they may name people; reports for staff carry them.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mpp.catalog.selectors import mall_get
from mpp.surveys import privacy
from mpp.surveys.selectors import ikm_compute, period_before, period_of
from mpp.surveys.views.reports import period_containing


def _periods(today: dt.date) -> list[dict]:
    month_from, _month_to = period_of("month", today)
    prev_from, prev_to = period_before("month", today)
    quarter = period_containing("quarter", period_before("quarter", today)[0])
    return [
        {"key": "month", "date_from": month_from, "date_to": today, "running": True},
        {"key": "previous_month", "date_from": prev_from, "date_to": prev_to},
        {
            "key": "previous_quarter",
            "date_from": quarter.date_from,
            "date_to": quarter.date_to,
            "label": quarter.label,
        },
    ]


@require_GET
def mall_ikm(request, mall: str):
    """The mall's latest IKM, per period."""
    found = mall_get(mall)
    if found is None:
        raise Http404(_("Mall not found."))
    periods = _periods(found.today())
    for period in periods:
        period["result"] = ikm_compute(
            mall_id=found.pk,
            date_from=period["date_from"],
            date_to=period["date_to"],
            with_comments=False,
        )
    context = {"mall": found, "periods": periods, "min_answers": privacy.MIN_ANSWERS}
    return render(request, "surveys/ikm.html", context)
