"""Page routes of the SKM/IKM reports (mpp.surveys.views.reports, downloads in
mpp.surveys.views.exports).

A mall's staff report under /m/<mall>/ikm/laporan/ (beside the mall's public IKM page),
with its XLSX and PDF; the public national and province pages under /ikm/, with their
open-data XLSX. Indonesian segments like the other addresses.
"""

from django.urls import path

from mpp.surveys.views import exports, reports

urlpatterns = [
    path("m/<slug:mall>/ikm/laporan/", reports.mall_report, name="ikm-report"),
    path("m/<slug:mall>/ikm/laporan.xlsx", exports.mall_report_xlsx, name="ikm-report-xlsx"),
    path("m/<slug:mall>/ikm/laporan.pdf", exports.mall_report_pdf, name="ikm-report-pdf"),
    path("ikm/", reports.national, name="ikm-national"),
    path("ikm/data.xlsx", exports.national_xlsx, name="ikm-data"),
    path("ikm/provinsi/<str:province>/", reports.national, name="ikm-province"),
    path("ikm/provinsi/<str:province>/data.xlsx", exports.national_xlsx, name="ikm-province-data"),
]
