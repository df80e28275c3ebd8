"""A citizen's ticket: the printed slip, the live page on their phone, and its status fragment.

The ticket's random UUID is the only key, so these pages carry no personal data
and cannot be guessed from another ticket. The phone page works without
JavaScript (it refreshes itself); with JavaScript it listens to the mall's board
stream and re-fetches only the status fragment when the queue moves.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.catalog.pages import fee_label
from mpp.core.qr import qr_svg
from mpp.queueing.models import Ticket
from mpp.queueing.selectors import ticket_estimate, ticket_get

PAPER_WIDTHS = ("80", "58")  # thermal paper widths in mm; the first is the default
FINAL_STATUSES = (Ticket.Status.DONE, Ticket.Status.NO_SHOW, Ticket.Status.EXPIRED)
# Region names of Indonesia's three time zones, shown after the time on the slip.
ZONE_ABBR = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def _ticket_or_404(ticket_id) -> Ticket:
    ticket = ticket_get(ticket_id)
    if ticket is None:
        raise Http404(_("Ticket not found."))
    return ticket


def _live_context(ticket: Ticket) -> dict:
    return {
        "ticket": ticket,
        "mall": ticket.mall,
        "estimate": ticket_estimate(ticket),
        "is_final": ticket.status in FINAL_STATUSES,
        "zone": ZONE_ABBR.get(ticket.mall.timezone, ""),
    }


@never_cache
def ticket_page(request, ticket_id):
    """The citizen's phone page: where am I in the queue, and what should I bring."""
    ticket = _ticket_or_404(ticket_id)
    context = _live_context(ticket)
    service = ticket.offering.service
    context.update(
        {
            "service": service,
            "booth": ticket.offering.booth,
            "fee": fee_label(service.fee, varies=service.fee_varies),
            "status_url": reverse("ticket-status", args=[ticket.pk]),
            "stream_url": f"/api/v1/malls/{ticket.mall.code}/board/stream",
        }
    )
    return render(request, "queueing/ticket.html", context)


@never_cache
def ticket_status(request, ticket_id):
    """Only the live part of the ticket page, for the page's script to swap in."""
    ticket = _ticket_or_404(ticket_id)
    return render(request, "queueing/ticket_status.html", _live_context(ticket))


@never_cache
def ticket_print(request, ticket_id):
    """The slip a kiosk prints (58 or 80 mm thermal paper), with a QR code to the phone page."""
    ticket = _ticket_or_404(ticket_id)
    context = _live_context(ticket)
    url = request.build_absolute_uri(reverse("ticket", args=[ticket.pk]))
    paper = request.GET.get("paper", PAPER_WIDTHS[0])
    context.update(
        {
            "ticket_url": url,
            "qr": mark_safe(qr_svg(url)),  # segno escapes the text it draws; no user input
            "booth": ticket.offering.booth,
            "service": ticket.offering.service,
            "paper": paper if paper in PAPER_WIDTHS else PAPER_WIDTHS[0],
            "autoprint": request.GET.get("autoprint") == "1",
            "kiosk_url": reverse("kiosk", kwargs={"mall": ticket.mall.code}),
        }
    )
    return render(request, "queueing/ticket_print.html", context)
