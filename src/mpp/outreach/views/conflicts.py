"""The conflicts page (/staff/outreach/conflicts/): the sync's open conflicts, both
versions side by side, and a button to keep one (outreach.conflicts.conflict_resolve).

Why a page: the sync never decides between two versions (outreach.sync); a person of
the mall who plans the fleet ("outreach.plan") does. Works without JavaScript: one
form per choice. Another mall's conflict is a 404, a role without the action a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mpp.accounts import access
from mpp.core.errors import DomainError, NotFound
from mpp.outreach import conflicts as service

ACTION = service.ACTION


@login_required
@never_cache
@require_GET
def conflicts(request):
    access.require_page(request.user, ACTION)
    rows = [
        {"conflict": c, "versions": service.conflict_versions(c)}
        for c in service.conflicts_open(request.user)
    ]
    return render(request, "outreach/conflicts/list.html", {"rows": rows})


@login_required
@never_cache
@require_POST
def conflict_resolve(request, conflict_id: int):
    access.require_page(request.user, ACTION)
    try:
        conflict = service.conflict_get(user=request.user, conflict_id=conflict_id)
    except NotFound:
        raise Http404(_("Conflict not found.")) from None
    try:
        service.conflict_resolve(
            conflict=conflict, chosen=request.POST.get("chosen", ""), actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The conflict is settled: the version you chose stands."))
    return redirect("outreach:conflicts")
