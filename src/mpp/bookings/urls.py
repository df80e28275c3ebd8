"""Page routes of online booking (see bookings/views).

The kiosk's check-in is /m/<mall>/check-in/: any single segment after /m/<mall>/kiosk/ is
taken as a service code by queueing's kiosk-confirm route, which is included first.
The only page POST that books is .../pesan/kirim/ (for settings.MPP_SHED_PATHS).
"""

from django.urls import path

from mpp.bookings.views import book, confirm, ics, kiosk, manage, officer, public

urlpatterns = [
    path("m/<slug:mall>/", public.mall_home, name="mall-home"),
    path("m/<slug:mall>/layanan/<slug:service>/", public.service_detail, name="service-detail"),
    path("m/<slug:mall>/layanan/<slug:service>/pesan/", book.booking_new, name="booking-new"),
    path(
        "m/<slug:mall>/layanan/<slug:service>/pesan/kirim/",
        book.booking_submit,
        name="booking-submit",
    ),
    path("m/<slug:mall>/check-in/", kiosk.kiosk_check_in, name="kiosk-check-in"),
    path("m/<slug:mall>/check-in/petugas/", officer.officer_check_in, name="officer-check-in"),
    path("booking/", manage.booking_lookup, name="booking-lookup"),
    path("booking/<str:code>/", manage.booking_detail, name="booking-detail"),
    path("booking/<str:code>/ics/", ics.booking_ics, name="booking-ics"),
    path("booking/<str:code>/konfirmasi/", confirm.booking_confirm_page, name="booking-confirm"),
]
