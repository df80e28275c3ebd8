"""The SKM/IKM report downloads: a mall's staff report as XLSX or PDF, and the public
national and province reports as open-data XLSX.

Why a module of their own: the pages (views/reports.py) and these downloads read the same
report through the same parsing and permission checks (reports.staff_report and
reports.public_report); only the rendering differs, a file with a stable name instead of
a page. Errors are the pages' readable ones (reports.readable_errors).
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mpp.surveys.exports import report_pdf, report_xlsx
from mpp.surveys.reports import Report
from mpp.surveys.views.reports import (
    KIND_WORDS,
    period_query,
    public_report,
    readable_errors,
    scope_param,
    staff_report,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(report: Report, extension: str) -> str:
    scope = report.scope
    name = scope.mall.code if scope.mall else scope.province_code or "indonesia"
    if scope.mall and scope.level != "mall":
        name += "-" + re.sub(r"[^a-z0-9]+", "-", scope_param(scope).lower()).strip("-")
    when = "-".join(v for k, v in period_query(report.period).items() if k != "periode")
    return f"ikm-{name}-{KIND_WORDS[report.period.kind]}-{when}.{extension}"


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
@require_GET
@readable_errors
def mall_report_xlsx(request, mall: str):
    report = staff_report(request, mall)
    return _download(report_xlsx(report), XLSX, _filename(report, "xlsx"))


@never_cache
@login_required
@require_GET
@readable_errors
def mall_report_pdf(request, mall: str):
    report = staff_report(request, mall, with_comments=False)
    return _download(report_pdf(report), "application/pdf", _filename(report, "pdf"))


@require_GET
@readable_errors
def national_xlsx(request, province: str | None = None):
    report = public_report(request, province)
    return _download(report_xlsx(report), XLSX, _filename(report, "xlsx"))
