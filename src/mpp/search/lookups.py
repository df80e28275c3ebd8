"""Reads of the search by service code: one service's card (service_hit) and every mall
where its standard is served (service_places), for the assistant, the national hit's
full list of places and its API.

Why apart from selectors.py: these answer "this service", not a query; they reuse the
query's card-making (selectors._hits) so that a card is the same wherever it is shown.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from mpp.search import index
from mpp.search.selectors import (
    PLACES_PAGE_MAX,
    Place,
    SearchHit,
    _hits,
    _offered,
    _places_near,
    near_code,
)


def _standard_of(snapshot, position: int) -> list[int]:
    """The positions of the position's standard, the position first."""
    others = snapshot.group_members[snapshot.group[position]]
    return [position] + [p for p in others if p != position]


def service_hit(*, code: str, mall_id: int | None = None, near: str = "") -> SearchHit | None:
    """The card of one service by its code, as the search shows it (standard in brief,
    places, next steps), without a query: for the assistant and links to one service.

    mall_id: the service as offered in that mall (None when it is not offered there);
    None: nationally, with every service of its standard (see SearchHit), score 0.
    """
    snapshot, _corrector = index.current()
    position = snapshot.by_code.get(code)
    if position is None:
        return None
    if mall_id is not None:
        members = snapshot.mall_members.get(mall_id)
        if members is None or not _contains(members, position):
            return None
        group = [(position, 0.0)]
    else:
        group = [(p, 0.0) for p in _standard_of(snapshot, position)]
    hits = _hits([group], snapshot, mall_id, near_code(near))
    return hits[0] if hits else None


@dataclass(frozen=True)
class PlacesPage:
    """Every mall serving a standard, a page at a time (the national hit's full list)."""

    hit: SearchHit  # the service asked for, its standard in brief
    total: int
    offset: int
    places: tuple[Place, ...]


def service_places(
    *, code: str, near: str = "", offset: int = 0, limit: int = 50
) -> PlacesPage | None:
    """Where a service and the other services of its standard are served: every mall,
    nearest to `near` first, then by mall name; None for an unknown code."""
    snapshot, _corrector = index.current()
    position = snapshot.by_code.get(code)
    if position is None:
        return None
    near = near_code(near)
    limit = max(1, min(int(limit), PLACES_PAGE_MAX))
    offset = max(0, int(offset))
    hits = _hits([[(p, 0.0) for p in _standard_of(snapshot, position)]], snapshot, None, shown=0)
    if not hits:
        return None
    standard = snapshot.group[position]
    pairs = _places_near(snapshot, standard, near, None)[offset : offset + limit]
    found = _offered(set(pairs))
    return PlacesPage(
        hit=hits[0],
        total=hits[0].place_count,
        offset=offset,
        places=tuple(found[pair] for pair in pairs if pair in found),
    )


def _contains(ascending, value: int) -> bool:
    i = bisect_left(ascending, value)
    return i < len(ascending) and ascending[i] == value
