"""Complaint handling beside U9 in the SKM reports (reports.report_build's `handling`).

Why here: U9 asks about complaint handling, so the report shows the complaints of the same
scope and period; complaints sit above surveys (ARCHITECTURE.md), so only this top floor
(pages and exports) reads them and hands the figures to the report.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from mpp.catalog.models import Mall
from mpp.complaints.selectors import complaint_handling_summary
from mpp.surveys.reports import Period, Scope

NOTE_PROVINCE = gettext_lazy("Percentages and times are given per mall, not for a province.")
NOTE_SERVICE = gettext_lazy("Complaints are counted per booth or agency, not per service.")
_COUNTS = ("received", "answered", "closed", "rejected", "open", "overdue_now")


def complaint_handling(scope: Scope, period: Period) -> tuple[dict | None, str]:
    """complaint_handling_summary for the report's scope and period, and a note on what
    it covers (reports.report_build's `handling`). Here, on the top floor, because
    complaints sit above surveys."""
    days = {"date_from": period.date_from, "date_to": period.date_to}
    if scope.level == "nation":
        return complaint_handling_summary(**days), ""
    if scope.level == "province":
        malls = Mall.objects.filter(regency__code__startswith=scope.province_code)
        summaries = [
            complaint_handling_summary(mall_id=pk, **days)
            for pk in malls.values_list("pk", flat=True)
        ]
        total = {key: sum(s[key] for s in summaries) for key in _COUNTS}
        return total, NOTE_PROVINCE
    ids = {"mall_id": scope.mall.pk}
    agency = scope.agency or (scope.service.agency if scope.service else None)
    if scope.booth:
        ids["booth_id"] = scope.booth.pk
    elif agency:
        ids["agency_id"] = agency.pk
    return complaint_handling_summary(**ids, **days), NOTE_SERVICE if scope.service else ""
