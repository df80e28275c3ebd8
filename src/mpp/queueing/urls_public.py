"""Page routes of the walk-in queue for citizens and managers (see the views package)."""

from django.urls import path

from mpp.queueing.views import kiosk, manager, remote, ticket

# Ticket pages are addressed by the ticket's secret (queueing.views.ticket), never its id.
urlpatterns = [
    path("m/<slug:mall>/kiosk/", kiosk.kiosk, name="kiosk"),
    path("m/<slug:mall>/kiosk/<str:service>/", kiosk.kiosk_confirm, name="kiosk-confirm"),
    path("m/<slug:mall>/today/", manager.today, name="today"),
    path("t/<str:secret>/", ticket.ticket_page, name="ticket"),
    path("t/<str:secret>/print/", ticket.ticket_print, name="ticket-print"),
    path("t/<str:secret>/status/", ticket.ticket_status, name="ticket-status"),
    path("m/<slug:mall>/phone/", remote.remote_start, name="remote"),
    path("m/<slug:mall>/phone/check-in/", remote.remote_check_in, name="remote-check-in"),
    path("m/<slug:mall>/phone/<slug:service>/", remote.remote_confirm, name="remote-confirm"),
]
