"""The queue from a phone: choose a service, confirm, keep the ticket page; check in on arrival.

Why: the "Take a queue number" links of the home, mall, service and search pages used to
open the kiosk flow on a phone (a printed-slip page that returned to the kiosk start,
losing the ticket). This is the phone's own flow, plain HTML forms that work without
JavaScript on a 360 px screen: the service list, a confirm page whose POST takes the
ticket (queueing.remote.remote_ticket_issue), and then the ticket's own page
(/t/<secret>/), which is the citizen's receipt and stays: no print, no return.

- The confirm form carries a one-time key (core.formkeys): a double tap, a resent form
  or a retry gets the same ticket, not a second one.
- Taking a ticket is limited per client address (core.ratelimit, "remote_ip") besides
  each service's daily number of phone tickets.
- The check-in page (/m/<mall>/phone/check-in/) takes the ticket's check-in code, typed
  or scanned from the ticket page's QR ("MPPQ:<code>"), at the kiosk or by staff; a
  logged-in officer of the mall is recorded as the one who checked it in. Attempts are
  limited per address ("remote_checkin_ip") so codes cannot be tried one after another.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.accounts import access
from mpp.catalog.hours import closed_message, hours_state, week_hours, zone_abbr
from mpp.catalog.models import Mall
from mpp.catalog.pages import fee_label, mall_or_404
from mpp.catalog.selectors import offerings_for_mall
from mpp.core.errors import DomainError
from mpp.core.formkeys import form_key_new, form_once
from mpp.core.ratelimit import RateLimited, client_ip, limit_for, ratelimit_hit
from mpp.queueing.remote import (
    CODE_LENGTH,
    remote_left,
    remote_ticket_check_in,
    remote_ticket_issue,
)

ISSUE_LIMIT = (20, 3600)  # phone tickets per client address per hour (CGNAT: keep it loose)
CHECKIN_LIMIT = (60, 60)  # check-in attempts per address per minute (a busy kiosk does a few)


def _limit(request, name: str, default: tuple[int, int]) -> None:
    count, seconds = limit_for(name) or default
    result = ratelimit_hit(scope=name, key=client_ip(request), limit=count, window_seconds=seconds)
    if not result.allowed:
        raise RateLimited(result.retry_after)


def _page(request, template: str, context: dict, *, status: int = 200):
    return render(request, f"queueing/{template}", context, status=status)


def _hours_context(mall: Mall) -> dict:
    state = hours_state(mall)
    return {
        "hours": state,
        "closed_text": "" if state.is_open else closed_message(mall, state),
        "week": week_hours(mall),
        "zone": zone_abbr(mall.timezone),
    }


@never_cache
def remote_start(request, mall: str):
    """The services of the mall, those that take a number from a phone first."""
    mall_obj = mall_or_404(mall)
    offerings = list(offerings_for_mall(mall_obj))
    today = mall_obj.today()
    for o in offerings:
        o.fee_label = fee_label(o.service.fee, varies=o.service.fee_varies)
        o.left = remote_left(o, today) if o.remote_per_day else 0
    phone = [o for o in offerings if o.remote_per_day]
    context = {
        "mall": mall_obj,
        "is_operating": mall_obj.status == Mall.Status.OPERATING,
        "phone_offerings": phone,
        "kiosk_only": [o for o in offerings if not o.remote_per_day],
        **_hours_context(mall_obj),
    }
    return _page(request, "remote.html", context)


def _confirm_context(request, mall: Mall, service: str) -> dict | None:
    offering = offerings_for_mall(mall).filter(service__code=service).first()
    if offering is None:
        return None
    offering.fee_label = fee_label(offering.service.fee, varies=offering.service.fee_varies)
    return {
        "mall": mall,
        "offering": offering,
        "service": offering.service,
        "left": remote_left(offering),
        "nonce": form_key_new(),
        "is_operating": mall.status == Mall.Status.OPERATING,
        **_hours_context(mall),
    }


@never_cache
def remote_confirm(request, mall: str, service: str):
    """GET: the chosen service, its rules and one button. POST: take the ticket."""
    mall_obj = mall_or_404(mall)
    if request.method == "POST":
        return _issue(request, mall_obj, service)
    context = _confirm_context(request, mall_obj, service)
    if context is None:
        message = _("This service is not offered at this mall.")
        return _page(
            request, "remote_error.html", {"mall": mall_obj, "message": message}, status=404
        )
    return _page(request, "remote_confirm.html", context)


def _issue(request, mall: Mall, service: str):
    def issue() -> dict:
        _limit(request, "remote_ip", ISSUE_LIMIT)
        ticket = remote_ticket_issue(mall=mall, service_code=service)
        return {"secret": ticket.secret}

    try:
        result, _replayed = form_once(
            request, scope=f"remote:{mall.pk}", fields={"service": service}, run=issue
        )
    except DomainError as exc:
        context = {"mall": mall, "message": exc.message, "code": exc.code, "service": service}
        return _page(request, "remote_error.html", context, status=exc.status)
    return redirect(reverse("ticket", args=[result["secret"]]))


def _staff_actor(request, mall: Mall) -> int | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    place = access.Place(mall.pk, access.SHARED)
    return user.pk if access.allowed(user, "ticket.issue", place) else None


@never_cache
def remote_check_in(request, mall: str):
    """Check in a phone ticket with its code (kiosk or officer): it joins the queue."""
    mall_obj = mall_or_404(mall)
    context = {"mall": mall_obj, "code_length": CODE_LENGTH, "typed": ""}
    if request.method != "POST":
        return _page(request, "remote_check_in.html", context)
    typed = str(request.POST.get("code", ""))[:40]
    try:
        _limit(request, "remote_checkin_ip", CHECKIN_LIMIT)
        ticket = remote_ticket_check_in(
            mall=mall_obj, code=typed, actor_id=_staff_actor(request, mall_obj)
        )
    except DomainError as exc:
        context.update({"typed": typed, "error": exc.message, "error_code": exc.code})
        return _page(request, "remote_check_in.html", context, status=exc.status)
    context.update({"ticket": ticket, "done": True})
    return _page(request, "remote_check_in.html", context)
