"""The mall manager's "today" page: how the day's queue is going, per service.

Read only: figures come from queueing.selectors.day_summary; changes are made in
the admin or at the counters. Managers and supervisors of the mall (and national
admins) may see it (accounts.access, action mall.figures).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.accounts import access
from mpp.catalog.selectors import mall_get
from mpp.queueing.selectors import day_summary

REFRESH_SECONDS = 30


@never_cache
@login_required
def today(request, mall: str):
    mall_obj = mall_get(mall)
    if mall_obj is None:
        raise Http404(_("No mall with this code."))
    access.require_page(
        request.user,
        "mall.figures",
        mall_obj,
        _("Only the managers and supervisors of this mall see its figures."),
    )
    return render(
        request,
        "queueing/today.html",
        {
            "mall": mall_obj,
            "day": mall_obj.today(),
            "summary": day_summary(mall_obj),
            "refresh": REFRESH_SECONDS,
        },
    )
