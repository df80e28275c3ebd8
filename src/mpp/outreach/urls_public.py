"""The public schedule pages "Jadwal layanan keliling" (outreach.views.schedule), in the
namespace "outreach". /keliling/<mall>/minta/ and /keliling/lacak/ are the demand part's."""

from django.urls import path

from mpp.outreach.views import schedule

urlpatterns = [
    path("keliling/<str:mall>/", schedule.schedule_mall, name="schedule_mall"),
    path(
        "keliling/<str:mall>/kecamatan/<str:code>/",
        schedule.schedule_district,
        name="schedule_district",
    ),
    path(
        "keliling/<str:mall>/desa/<str:code>/", schedule.schedule_village, name="schedule_village"
    ),
]
