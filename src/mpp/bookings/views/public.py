"""The mall's public pages: its services by agency, and one service's standard and quotas.

Why: before coming, a citizen wants to know what to bring, what it costs, how long it
takes, and whether to book online or just walk in. The service page publishes the
capacity split of the day (walk-in places left, priority places left) next to the
online places of the coming days and when the next day's booking opens, so nobody is
surprised by "online only". The mall page's search is a plain GET form; a script
filters the list while typing.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from mpp.bookings.models import BookingPolicy
from mpp.bookings.selectors import priority_left, walkin_left
from mpp.bookings.views.common import place_or_404
from mpp.bookings.views.days import CLOSED, FULL, OPEN, booking_days, next_opening
from mpp.catalog.hooks import offering_links
from mpp.catalog.models import Mall
from mpp.catalog.pages import fee_label, mall_or_404
from mpp.catalog.selectors import offerings_for_mall

QUERY_MAX = 100


def _haystack(offering) -> str:
    service, agency = offering.service, offering.service.agency
    parts = [service.name, service.keywords, agency.name, agency.short_name, service.code]
    return " ".join(p for p in parts if p).lower()


def mall_home(request, mall: str):
    """The mall's services grouped by agency, with a search box (GET ?q=)."""
    mall_obj = mall_or_404(mall)
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    words = query.lower().split()
    booked = set(
        BookingPolicy.objects.filter(offering__mall=mall_obj, is_enabled=True).values_list(
            "offering_id", flat=True
        )
    )
    groups: dict[int, dict] = {}
    total = 0
    for offering in offerings_for_mall(mall_obj):
        haystack = _haystack(offering)
        if words and not all(w in haystack for w in words):
            continue
        agency = offering.service.agency
        group = groups.setdefault(agency.pk, {"agency": agency, "items": []})
        group["items"].append(
            {
                "offering": offering,
                "service": offering.service,
                "fee": fee_label(offering.service.fee, varies=offering.service.fee_varies),
                "bookable": offering.pk in booked,
                "search": haystack,
                "url": reverse("service-detail", args=[mall_obj.code, offering.service.code]),
            }
        )
        total += 1
    return render(
        request,
        "bookings/mall.html",
        {
            "mall": mall_obj,
            "groups": list(groups.values()),
            "query": query,
            "total": total,
            "is_operating": mall_obj.status == Mall.Status.OPERATING,
        },
    )


@never_cache
def service_detail(request, mall: str, service: str):
    """One service: its standard in brief, today's walk-in quota, online places ahead."""
    place = place_or_404(mall, service)
    mall_obj, offering, policy = place.mall, place.offering, place.policy
    today = mall_obj.today()
    now = timezone.now()
    context = {
        "mall": mall_obj,
        "offering": offering,
        "service": offering.service,
        "booth": offering.booth,
        "fee": fee_label(offering.service.fee, varies=offering.service.fee_varies),
        "policy": policy,
        "kiosk_url": reverse("kiosk-confirm", args=[mall_obj.code, offering.service.code]),
        "is_operating": mall_obj.status == Mall.Status.OPERATING,
        "extra_links": offering_links(offering),  # "Apply online" (catalog.hooks)
    }
    if policy is not None:
        days = booking_days(policy, now)
        context.update(
            {
                "walkin_left": walkin_left(offering, today),
                "priority_left": priority_left(offering, today),
                "online_days": [d for d in days if d.state in (OPEN, FULL)],
                "can_book": any(d.state == OPEN for d in days),
                "next_opening": next_opening(policy, now),
                "today_closed": next(
                    (d for d in days if d.date == today and d.state == CLOSED), None
                ),
                "book_url": reverse("booking-new", args=[mall_obj.code, offering.service.code]),
            }
        )
    return render(request, "bookings/service.html", context)
