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

from mpp.catalog.pages import fee_label, mall_or_404
from mpp.core.models import Region
from mpp.search.lookups import service_places
from mpp.search.selectors import QUERY_MAX, clean_query, near_code, service_search
from mpp.search.services import search_gaps_record
from mpp.search.throttle import search_throttle

LIMIT = 10
PLACES_PER_PAGE = 50
REQUIREMENTS_SHOWN = 4
STEP_LABELS = {
    "ticket": gettext_lazy("Take a queue number"),
    "book": gettext_lazy("Book online"),
    "apply": gettext_lazy("Apply online"),
    "ask": gettext_lazy("Ask about it"),
}


def _provinces() -> list[tuple[str, str]]:
    """(code, name) of the provinces, for "near me" on the national page."""
    return list(Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", "name"))


def _places_url(code: str, near: str) -> str:
    url = reverse("search-places", args=[code])
    return f"{url}?{urlencode({'near': near})}" if near else url


def _card(hit, near: str = "") -> dict:
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
        "more_places": max(0, hit.place_count - len(hit.places)),
        "places_url": _places_url(hit.service_code, near),
    }


def search_page(request, mall: str | None = None):
    """The search box and, for a query, the services found (best first)."""
    mall_obj = mall_or_404(mall) if mall is not None else None
    raw = request.GET.get("q", "")
    near = "" if mall_obj else near_code(request.GET.get("near"))
    query = " ".join(raw.split())
    cleaned = clean_query(raw)
    if cleaned != query[:QUERY_MAX] and len(query) <= QUERY_MAX:
        # a NIK or a phone number was typed: take it out of the address at once
        kept = {"q": cleaned} | ({"near": near} if near else {})
        return redirect(f"{request.path}?{urlencode(kept)}")
    context = {
        "mall": mall_obj,
        "query": query[:QUERY_MAX],
        "query_max": QUERY_MAX,
        "action": reverse("search-mall", args=[mall_obj.code]) if mall_obj else reverse("search"),
        "list_url": reverse("mall-home", args=[mall_obj.code]) if mall_obj else reverse("web:home"),
        "result": None,
        "cards": [],
        "too_long": len(query) > QUERY_MAX,
        "near": near,
        "provinces": [] if mall_obj else _provinces(),
    }
    if query:
        limited = search_throttle(request)
        if not limited.allowed:
            context["retry_after"] = limited.retry_after
            response = render(request, "search/search.html", context, status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        result = service_search(
            query=query[:QUERY_MAX],
            mall_id=mall_obj.pk if mall_obj else None,
            limit=LIMIT,
            near=near,
        )
        if result.unknown_words:
            search_gaps_record(mall_id=result.mall_id, words=result.unknown_words)
        context["result"] = result
        context["cards"] = [_card(hit, near) for hit in result.hits]
        if result.corrected_query:
            query_string = urlencode(
                {"q": result.corrected_query} | ({"near": near} if near else {})
            )
            context["corrected_url"] = f"{context['action']}?{query_string}"
    return render(request, "search/search.html", context)


def places_page(request, service: str):
    """Every mall where a service (or another of its standard) is offered, nearest to the
    citizen's province or kabupaten/kota first: the full list behind a national hit."""
    near = near_code(request.GET.get("near"))
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    limited = search_throttle(request)
    if not limited.allowed:
        response = render(
            request,
            "search/places.html",
            {"retry_after": limited.retry_after, "page": None},
            status=429,
        )
        response["Retry-After"] = str(limited.retry_after)
        return response
    offset = (page_number - 1) * PLACES_PER_PAGE
    page = service_places(code=service, near=near, offset=offset, limit=PLACES_PER_PAGE)
    if page is None:
        raise Http404(_("No service with this code."))
    base = reverse("search-places", args=[service])

    def link(number: int) -> str:
        return f"{base}?{urlencode({'near': near, 'page': number} if near else {'page': number})}"

    return render(
        request,
        "search/places.html",
        {
            "page": page,
            "card": _card(page.hit, near),
            "near": near,
            "provinces": _provinces(),
            "first": offset + 1,
            "last": offset + len(page.places),
            "previous_url": link(page_number - 1) if page_number > 1 else "",
            "next_url": link(page_number + 1) if offset + PLACES_PER_PAGE < page.total else "",
            "action": base,
        },
    )
