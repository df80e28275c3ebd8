"""Page routes of the walk-in queue for citizens and managers (see the views package)."""

from django.urls import path

from mpp.queueing.views import kiosk, manager, ticket

urlpatterns = [
    path("m/<slug:mall>/kiosk/", kiosk.kiosk, name="kiosk"),
    path("m/<slug:mall>/kiosk/<str:service>/", kiosk.kiosk_confirm, name="kiosk-confirm"),
    path("m/<slug:mall>/today/", manager.today, name="today"),
    path("t/<uuid:ticket_id>/", ticket.ticket_page, name="ticket"),
    path("t/<uuid:ticket_id>/print/", ticket.ticket_print, name="ticket-print"),
    path("t/<uuid:ticket_id>/status/", ticket.ticket_status, name="ticket-status"),
]
