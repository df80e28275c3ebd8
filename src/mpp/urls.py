from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from mpp.api.v1 import api
from mpp.cases import urls as cases_urls
from mpp.cases import urls_staff as cases_staff_urls

admin.site.site_header = _("MPP — Public Service Mall")
admin.site.site_title = "MPP"
admin.site.index_title = _("Settings")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("mpp.queueing.urls_public")),
    path("", include("mpp.devices.urls")),
    path("", include("mpp.bookings.urls")),
    path("", include("mpp.surveys.urls")),
    path("", include("mpp.surveys.urls_reports")),
    path("", include("mpp.complaints.urls")),
    # Applications: the citizen's routes and the staff's (cases/urls_staff.py) in the one
    # namespace "cases" (two includes of one namespace would hide each other from reverse).
    path("", include(([*cases_urls.urlpatterns, *cases_staff_urls.urlpatterns], "cases"))),
    path("", include("mpp.consultation.urls")),
    path("", include("mpp.search.urls")),
    path("", include("mpp.assistant.urls")),
    path("", include("mpp.outreach.urls")),
    path("", include("mpp.queueing.urls_staff")),
    path("", include("mpp.web.urls")),
]
