"""Complaint handling beside U9 in the SKM reports (reports.report_build's `handling`).

Why here: U9 asks about complaint handling, so the report shows the complaints of the same
scope and period; complaints sit above surveys (ARCHITECTURE.md), so only this top floor
(pages and exports) reads them and hands the figures to the report.
"""

from __future__ import annotations

from mpp.complaints.selectors import complaint_handling_summary
from mpp.surveys.reports import Period, Scope


def complaint_handling(scope: Scope, period: Period) -> tuple[dict | None, str]:
    """complaint_handling_summary for the report's scope and period (the nation, a
    province, a mall, or an agency, booth or service in it: the ids Scope.filters names),
    in one pass whatever the scope, and a note on what it covers (none: every scope is
    counted as it is). Here, on the top floor, because complaints sit above surveys."""
    summary = complaint_handling_summary(
        **scope.filters(), date_from=period.date_from, date_to=period.date_to
    )
    return summary, ""
