"""A citizen's ticket: the printed slip, the live page on their phone, and its status fragment.

These pages are addressed by the ticket's `secret` (a random key of its own), not by
its id: staff learn ids from call-next and the API, and whoever opens the page can
answer the ticket's survey, so /t/<id>/ is a 404 like any unknown address. The key is
printed only as the slip's QR and kept by the citizen's phone. The pages carry no
personal data. The phone page works without JavaScript (it refreshes itself); with
JavaScript it listens to the mall's board stream and re-fetches only the status
fragment when the queue moves. A phone ticket (queueing.remote) shows its check-in
code and QR here until it is checked in.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.catalog.hours import zone_abbr
from mpp.catalog.pages import fee_label
from mpp.core.qr import qr_svg
from mpp.queueing.models import Ticket
from mpp.queueing.selectors import ticket_by_secret, ticket_estimate

PAPER_WIDTHS = ("80", "58")  # thermal paper widths in mm; the first is the default
FINAL_STATUSES = (Ticket.Status.DONE, Ticket.Status.NO_SHOW, Ticket.Status.EXPIRED)
CHECKIN_QR_PREFIX = "MPPQ:"  # what a kiosk's QR scanner types: MPPQ:<check-in code>


def ticket_url(ticket: Ticket) -> str:
    """The citizen's page of a ticket (its secret address): for links from other pages."""
    return reverse("ticket", args=[ticket.secret])


def ticket_print_url(ticket: Ticket) -> str:
    """The printable slip of a ticket (secret address): where a kiosk goes after issuing."""
    return reverse("ticket-print", args=[ticket.secret])


def _ticket_or_404(secret) -> Ticket:
    ticket = ticket_by_secret(secret)
    if ticket is None:
        raise Http404(_("Ticket not found."))
    return ticket


def _live_context(ticket: Ticket) -> dict:
    is_remote = ticket.status == Ticket.Status.REMOTE
    context = {
        "ticket": ticket,
        "mall": ticket.mall,
        "estimate": ticket_estimate(ticket),
        "is_final": ticket.status in FINAL_STATUSES,
        "is_remote": is_remote,
        "zone": zone_abbr(ticket.mall.timezone),
    }
    if is_remote:
        context["checkin_qr"] = mark_safe(qr_svg(CHECKIN_QR_PREFIX + ticket.checkin_code))
    return context


@never_cache
def ticket_page(request, secret):
    """The citizen's phone page: where am I in the queue, and what should I bring."""
    ticket = _ticket_or_404(secret)
    context = _live_context(ticket)
    service = ticket.offering.service
    context.update(
        {
            "service": service,
            "booth": ticket.offering.booth,
            "fee": fee_label(service.fee, varies=service.fee_varies),
            "status_url": reverse("ticket-status", args=[ticket.secret]),
            "stream_url": f"/api/v1/malls/{ticket.mall.code}/board/stream",
        }
    )
    return render(request, "queueing/ticket.html", context)


@never_cache
def ticket_status(request, secret):
    """Only the live part of the ticket page, for the page's script to swap in."""
    ticket = _ticket_or_404(secret)
    return render(request, "queueing/ticket_status.html", _live_context(ticket))


@never_cache
def ticket_print(request, secret):
    """The slip a kiosk prints (58 or 80 mm thermal paper), with a QR code to the phone page."""
    ticket = _ticket_or_404(secret)
    context = _live_context(ticket)
    url = request.build_absolute_uri(ticket_url(ticket))
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
