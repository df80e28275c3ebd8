"""The search page: /cari/ (every mall) and /m/<mall>/cari/ (one mall).

A plain GET form, so it works without JavaScript, on a 360 px phone and at a kiosk.
Each result shows the service's standard in brief (what to bring, how long, what it
costs) and buttons for the next step; when a typo was corrected the page says what was
searched instead ("Did you mean"); when nothing matches, it says so and links to the
mall's full list of services.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.catalog.selectors import mall_get
from mpp.queueing.views.kiosk import fee_label
from mpp.search.selectors import QUERY_MAX, clean_query, service_search
from mpp.search.throttle import search_throttle

LIMIT = 10
REQUIREMENTS_SHOWN = 4
STEP_LABELS = {
    "ticket": gettext_lazy("Take a queue number"),
    "book": gettext_lazy("Book online"),
    "apply": gettext_lazy("Apply online"),
    "ask": gettext_lazy("Ask about it"),
}


def _card(hit) -> dict:
    """What the template shows of one hit."""
    requirements = list(hit.requirements)
    return {
        "hit": hit,
        "fee": fee_label(hit.fee, varies=hit.fee_varies),
        "requirements": requirements[:REQUIREMENTS_SHOWN],
        "more_requirements": max(0, len(requirements) - REQUIREMENTS_SHOWN),
        "steps": [
            {"kind": s.kind, "url": s.url, "label": STEP_LABELS.get(s.kind, s.kind)}
            for s in hit.next_steps
        ],
        "detail_url": hit.place.detail_url if hit.place else "",
    }


def search_page(request, mall: str | None = None):
    """The search box and, for a query, the services found (best first)."""
    mall_obj = None
    if mall is not None:
        mall_obj = mall_get(mall)
        if mall_obj is None:
            raise Http404(_("No mall with this code."))
    raw = request.GET.get("q", "")
    query = " ".join(raw.split())
    cleaned = clean_query(raw)
    if cleaned != query[:QUERY_MAX] and len(query) <= QUERY_MAX:
        # a NIK or a phone number was typed: take it out of the address at once
        return redirect(f"{request.path}?{urlencode({'q': cleaned})}")
    context = {
        "mall": mall_obj,
        "query": query[:QUERY_MAX],
        "query_max": QUERY_MAX,
        "action": reverse("search-mall", args=[mall_obj.code]) if mall_obj else reverse("search"),
        "list_url": reverse("mall-home", args=[mall_obj.code]) if mall_obj else reverse("web:home"),
        "result": None,
        "cards": [],
        "too_long": len(query) > QUERY_MAX,
    }
    if query:
        limited = search_throttle(request)
        if not limited.allowed:
            context["retry_after"] = limited.retry_after
            response = render(request, "search/search.html", context, status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        result = service_search(
            query=query[:QUERY_MAX], mall_id=mall_obj.pk if mall_obj else None, limit=LIMIT
        )
        context["result"] = result
        context["cards"] = [_card(hit) for hit in result.hits]
        if result.corrected_query:
            query_string = urlencode({"q": result.corrected_query})
            context["corrected_url"] = f"{context['action']}?{query_string}"
    return render(request, "search/search.html", context)
