"""Reads of the catalogue used by pages and the API."""

from __future__ import annotations

import copy

from django.db.models import Prefetch

from mpp.catalog.models import Booth, Counter, Mall, Offering
from mpp.core.hotcache import HotCache

_malls = HotCache("catalog.mall_get", seconds=5).watch(Mall)


def mall_get(code: str) -> Mall | None:
    """A mall by its code (slug), or None.

    Read on nearly every API request, so kept a few seconds in this process
    (core.hotcache; a save of a mall empties it at once). Each caller gets its own copy.
    """
    read = Mall.objects.select_related("regency").filter(code=code).first
    mall = _malls.get(code, read)
    return copy.copy(mall)


def mall_list():
    return Mall.objects.select_related("regency").order_by("regency_id", "name")


def offerings_for_mall(mall: Mall):
    """Active services offered in a mall, with service, agency and booth loaded."""
    return (
        Offering.objects.filter(mall=mall, is_active=True, service__is_active=True)
        .select_related("service__agency", "booth")
        .order_by("booth__sort_order", "booth__name", "sort_order", "service__name")
    )


def booths_with_offerings(mall: Mall) -> list[Booth]:
    """The mall's booths in display order, each with `.active_offerings` (for the kiosk)."""
    return list(
        Booth.objects.filter(mall=mall)
        .select_related("agency")
        .prefetch_related(
            Prefetch(
                "offerings",
                queryset=Offering.objects.filter(is_active=True, service__is_active=True)
                .select_related("service")
                .order_by("sort_order", "service__name"),
                to_attr="active_offerings",
            )
        )
        .order_by("sort_order", "name")
    )


def counters_for_mall(mall: Mall):
    """The mall's counters with the services each serves."""
    return (
        Counter.objects.filter(mall=mall)
        .select_related("booth")
        .prefetch_related(
            Prefetch("offerings", queryset=Offering.objects.select_related("service"))
        )
        .order_by("number")
    )


def counter_get(counter_id: int) -> Counter | None:
    return Counter.objects.select_related("mall", "booth").filter(pk=counter_id).first()
