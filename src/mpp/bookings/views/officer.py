"""Check-in by an officer: for a citizen whose phone died, who cannot use the kiosk, or
whose booking the kiosk refused.

Why: the officer types the booking code, sees who booked (name, masked NIK) to compare
with the KTP in front of them, and checks the booking in; the ticket can then be printed.
The check-in is recorded with the officer as actor. Only staff who may operate counters
in the mall (accounts.access, action booking.check_in) get the page; the console links to it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.accounts import access
from mpp.bookings.forms import code_from_scan
from mpp.bookings.selectors import booking_by_code
from mpp.bookings.services import booking_check_in
from mpp.bookings.views.common import Problem, problem
from mpp.bookings.views.manage import booking_facts
from mpp.catalog.pages import mall_or_404
from mpp.core.errors import DomainError


def _page(request, mall, *, typed="", booking=None, ticket=None, error=None, status=200):
    context = {"mall": mall, "typed": typed, "error": error, "ticket": ticket}
    if booking is not None:
        context.update(booking_facts(booking))
        context["mall"] = mall
    return render(request, "bookings/officer_check_in.html", context, status=status)


@login_required
@never_cache
def officer_check_in(request, mall: str):
    """GET: the code field. POST action=find: the booking. POST action=check_in: do it."""
    mall_obj = mall_or_404(mall)
    if not access.allowed(request.user, "booking.check_in", mall_obj):
        raise PermissionDenied(_("You may not operate counters in this mall."))
    if request.method != "POST":
        return _page(request, mall_obj)
    typed = str(request.POST.get("code", ""))[:40]
    code = code_from_scan(typed)
    booking = booking_by_code(code, None) if code else None
    if booking is None or booking.mall_id != mall_obj.pk:
        error = Problem("booking_not_found", _("No booking with this code in this mall."))
        return _page(request, mall_obj, typed=typed, error=error, status=404)
    if request.POST.get("action") != "check_in":
        return _page(request, mall_obj, typed=typed, booking=booking)
    try:
        ticket = booking_check_in(code=code, mall=mall_obj, actor_id=request.user.pk)
    except DomainError as exc:
        return _page(
            request, mall_obj, typed=typed, booking=booking, error=problem(exc), status=exc.status
        )
    booking.refresh_from_db()
    return _page(request, mall_obj, booking=booking, ticket=ticket)
