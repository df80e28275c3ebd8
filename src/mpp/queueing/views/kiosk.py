"""The self-service kiosk: choose a service, say who the ticket is for, get a printed number.

Touch first and plain HTML forms, so it works without JavaScript: the service
list links to a confirm page whose form POSTs the issue. A random nonce in that
form (core.formkeys: an idempotency key kept in the database, like the API's
Idempotency-Key) makes a double tap, a resent form or a retry after any failure
return the same ticket instead of a second one, with or without Redis; the queue
service stays the only place a ticket is made.

Services with online booking keep a walk-in quota: the confirm page shows the
places left today and issuing goes through bookings.services.walkin_ticket_issue,
which refuses when none is left. (A page may import bookings; the queue engine
itself never does.)
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from mpp.bookings.selectors import walkin_left
from mpp.bookings.services import walkin_ticket_issue
from mpp.catalog.models import Mall, Offering
from mpp.catalog.pages import fee_label, mall_or_404
from mpp.catalog.selectors import booths_with_offerings, offerings_for_mall
from mpp.core.errors import DomainError
from mpp.core.formkeys import form_key_new, form_once
from mpp.queueing.models import Priority, Source

# Short hints under each priority choice (the label itself comes from the model).
PRIORITY_HINTS = {
    Priority.REGULAR: "",
    Priority.ELDERLY: gettext_lazy("Senior citizens"),
    Priority.DISABILITY: gettext_lazy("Wheelchair, blind, deaf or other disability"),
    Priority.PREGNANT: gettext_lazy("Expecting a baby"),
    Priority.CHILD: gettext_lazy("Carrying or accompanying a small child"),
}


def _closed(request, mall: Mall):
    return render(request, "queueing/kiosk_closed.html", {"mall": mall})


def _error(request, mall: Mall, message: str, *, status: int):
    return render(
        request, "queueing/kiosk_error.html", {"mall": mall, "message": message}, status=status
    )


@never_cache
def kiosk(request, mall: str):
    """Start screen: every active service of the mall, grouped by booth (gerai)."""
    mall_obj = mall_or_404(mall)
    if mall_obj.status != Mall.Status.OPERATING:
        return _closed(request, mall_obj)
    booths = [b for b in booths_with_offerings(mall_obj) if b.active_offerings]
    for booth in booths:
        for offering in booth.active_offerings:
            offering.fee_label = fee_label(offering.service.fee, varies=offering.service.fee_varies)
    return render(request, "queueing/kiosk.html", {"mall": mall_obj, "booths": booths})


@never_cache
def kiosk_confirm(request, mall: str, service: str):
    """GET: the chosen service and the priority choice. POST: issue the ticket."""
    mall_obj = mall_or_404(mall)
    if request.method == "POST":
        return _issue(request, mall_obj, service)
    if request.method not in ("GET", "HEAD"):
        return _error(request, mall_obj, _("Use the buttons on the screen."), status=405)
    if mall_obj.status != Mall.Status.OPERATING:
        return _closed(request, mall_obj)
    offering: Offering | None = offerings_for_mall(mall_obj).filter(service__code=service).first()
    if offering is None:
        return _error(request, mall_obj, _("This service is not offered at this mall."), status=404)
    offering.fee_label = fee_label(offering.service.fee, varies=offering.service.fee_varies)
    priorities = [
        {"value": value, "label": label, "hint": PRIORITY_HINTS.get(value, "")}
        for value, label in Priority.choices
    ]
    return render(
        request,
        "queueing/kiosk_confirm.html",
        {
            "mall": mall_obj,
            "offering": offering,
            "service": offering.service,
            "priorities": priorities,
            "nonce": form_key_new(),
            "walkin_left": walkin_left(offering, mall_obj.today()),
        },
    )


def _print_redirect(ticket_id):
    return redirect(reverse("ticket-print", args=[ticket_id]) + "?autoprint=1")


def _issue(request, mall: Mall, service: str):
    def issue() -> dict:
        ticket = walkin_ticket_issue(
            mall=mall,
            service_code=service,
            priority=request.POST.get("priority") or Priority.REGULAR,
            source=Source.KIOSK,
        )
        return {"ticket": str(ticket.pk)}

    # One ticket per form, whichever priority button a double tap hit second.
    try:
        result, _replayed = form_once(
            request, scope=f"kiosk:{mall.pk}", fields={"service": service}, run=issue
        )
    except DomainError as exc:
        return _error(request, mall, exc.message, status=exc.status)
    return _print_redirect(result["ticket"])
