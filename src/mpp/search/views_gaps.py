"""Words the search does not know: /m/<mall>/cari/kata-baru/ (the mall's managers and
supervisors) and /cari/kata-baru/ (national staff).

Why: whoever keeps the search's tables (docs/search.md: spelling, synonyms) should add
the words citizens really use and the search misses, most searched first. Only single
words seen on several days are listed (mpp.search.models.SearchGap says why).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.accounts import access
from mpp.catalog.pages import mall_or_404
from mpp.search.selectors import GAP_DAYS, GAP_MIN_DAYS, search_gaps


@never_cache
@login_required
def gaps_page(request, mall: str | None = None):
    """The unknown words of the last GAP_DAYS days, most searched first."""
    mall_obj = mall_or_404(mall) if mall is not None else None
    if mall_obj is None and not access.allowed(request.user, "national.figures"):
        raise PermissionDenied(_("Only national staff see the words of every mall."))
    if mall_obj is not None and not access.allowed(request.user, "mall.figures", mall_obj):
        raise PermissionDenied(_("Only the managers and supervisors of this mall see this."))
    context = {
        "mall": mall_obj,
        "gaps": search_gaps(mall_id=mall_obj.pk if mall_obj else None),
        "days": GAP_DAYS,
        "min_days": GAP_MIN_DAYS,
    }
    return render(request, "search/gaps.html", context)
