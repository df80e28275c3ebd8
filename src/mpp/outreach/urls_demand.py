"""Routes of the mobile-service demand: the citizen's request form, its thanks and
tracking pages (no sign-in), and the staff's demand pages (notes/outreach-brief.md, H1).
Tracking codes never appear in these URLs; requests are reached by id by staff only."""

from django.urls import path

from mpp.outreach.views import demand, request_form

urlpatterns = [
    path("keliling/<slug:mall>/minta/", request_form.request_new, name="request_new"),
    path("keliling/<slug:mall>/minta/terkirim/", request_form.request_done, name="request_done"),
    path("keliling/lacak/", request_form.request_track, name="request_track"),
    path("staff/outreach/demand/", demand.demand, name="demand"),
    path("staff/outreach/requests/new/", demand.agent_request_new, name="agent_request_new"),
    path("staff/outreach/requests/<int:pk>/", demand.request_detail, name="request_detail"),
    path(
        "staff/outreach/requests/<int:pk>/location/",
        demand.request_locate_view,
        name="request_locate",
    ),
    path(
        "staff/outreach/requests/<int:pk>/cancel/",
        demand.request_cancel_view,
        name="request_cancel",
    ),
    path("staff/outreach/villages/<str:code>/", demand.village_point, name="village_point"),
]
