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

Only a registered kiosk of the mall gives out numbers (mpp.devices): a browser that was
not enrolled on /devices/enrol/ with the kiosk's credential, or whose device was revoked
or belongs to another mall, gets a page that says so, with the way to enrol it and, for a
citizen on a phone, the way to the mall's own pages. Nothing is issued for it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from mpp.bookings.selectors import walkin_left
from mpp.bookings.services import walkin_ticket_issue
from mpp.catalog.hooks import mall_links
from mpp.catalog.models import Mall, Offering
from mpp.catalog.pages import fee_label, mall_or_404
from mpp.catalog.selectors import booths_with_offerings, offerings_for_mall
from mpp.core.errors import DomainError
from mpp.core.formkeys import form_key_new, form_once
from mpp.devices.enrolment import cookie_refresh, device_from_request
from mpp.devices.models import DeviceKind
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


def _phone_url(mall: Mall) -> str:
    """The citizen's own way to a number: the phone queue (queueing.views.remote)."""
    try:
        return reverse("remote", args=[mall.code])
    except NoReverseMatch:
        return ""


def _unregistered(request, mall: Mall):
    """The refusal for a browser that is not a registered kiosk of this mall (or None)."""
    device = device_from_request(request, kind=DeviceKind.KIOSK)
    if device is not None and device.mall_id == mall.pk:
        return None
    context = {
        "mall": mall,
        "other_mall": device.mall if device is not None else None,
        "enrol_url": f"{reverse('device-enrol')}?{urlencode({'next': request.path})}",
        "mall_url": reverse("mall-home", args=[mall.code]),
        "phone_url": _phone_url(mall),
    }
    return render(request, "queueing/kiosk_unregistered.html", context, status=403)


@never_cache
def kiosk(request, mall: str):
    """Start screen: every active service of the mall, grouped by booth (gerai)."""
    mall_obj = mall_or_404(mall)
    if (refused := _unregistered(request, mall_obj)) is not None:
        return refused
    if mall_obj.status != Mall.Status.OPERATING:
        return _closed(request, mall_obj)
    booths = [b for b in booths_with_offerings(mall_obj) if b.active_offerings]
    for booth in booths:
        for offering in booth.active_offerings:
            offering.fee_label = fee_label(offering.service.fee, varies=offering.service.fee_varies)
    links = mall_links(mall_obj, "kiosk")  # e.g. apply online here (catalog.hooks)
    context = {"mall": mall_obj, "booths": booths, "extra_links": links}
    response = render(request, "queueing/kiosk.html", context)
    cookie_refresh(response, request)  # an enrolled kiosk stays enrolled while in use
    return response


@never_cache
def kiosk_confirm(request, mall: str, service: str):
    """GET: the chosen service and the priority choice. POST: issue the ticket."""
    mall_obj = mall_or_404(mall)
    if (refused := _unregistered(request, mall_obj)) is not None:
        return refused
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
        return {"ticket": ticket.secret}  # the slip's address (queueing.views.ticket)

    # One ticket per form, whichever priority button a double tap hit second.
    try:
        result, _replayed = form_once(
            request, scope=f"kiosk:{mall.pk}", fields={"service": service}, run=issue
        )
    except DomainError as exc:
        return _error(request, mall, exc.message, status=exc.status)
    return _print_redirect(result["ticket"])
