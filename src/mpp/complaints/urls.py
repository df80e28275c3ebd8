"""Page routes of complaints (pengaduan): the citizen's form, kiosk form, confirmation and
tracking page; the counter form, the manager's list, one complaint, its attachment, and
the SP4N-LAPOR! export.

The kiosk form is /m/<mall>/pengaduan/kiosk/, not under /m/<mall>/kiosk/: any segment
after .../kiosk/ is a service code there (queueing's kiosk-confirm). Staff pages name a
complaint by its id, never by its tracking code (the citizen's key stays out of URLs).
"""

from django.urls import path

from mpp.complaints.views import public, staff

urlpatterns = [
    path("m/<slug:mall>/pengaduan/", public.complaint_new, name="complaint-new"),
    path("m/<slug:mall>/pengaduan/kiosk/", public.complaint_kiosk, name="complaint-kiosk"),
    path("m/<slug:mall>/pengaduan/terkirim/", public.complaint_done, name="complaint-done"),
    path("pengaduan/lacak/", public.complaint_track, name="complaint-track"),
    path(
        "pengaduan/lacak/lampiran/",
        public.complaint_track_attachment,
        name="complaint-track-attachment",
    ),
    path("m/<slug:mall>/pengaduan/petugas/", staff.complaint_counter, name="complaint-counter"),
    path("m/<slug:mall>/pengaduan/kelola/", staff.complaint_manage, name="complaint-manage"),
    path(
        "m/<slug:mall>/pengaduan/kelola/ekspor/",
        staff.complaint_export,
        name="complaint-export",
    ),
    path(
        "m/<slug:mall>/pengaduan/kelola/<int:pk>/",
        staff.complaint_detail,
        name="complaint-detail",
    ),
    path(
        "m/<slug:mall>/pengaduan/kelola/<int:pk>/lampiran/",
        staff.complaint_attachment,
        name="complaint-attachment",
    ),
]
