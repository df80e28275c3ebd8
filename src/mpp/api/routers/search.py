"""Service search endpoint: find services in the citizen's own words (public, read-only).

Thin: checks the query and the mall, counts the client against the search rate limit,
calls mpp.search.selectors.service_search (the same answer as the /cari/ pages and the
assistant) and renders it.
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from mpp.api.lookups import mall_or_404
from mpp.api.schemas import ErrorOut, ValidationErrorOut
from mpp.core.errors import Invalid, NotFound
from mpp.core.ratelimit import RateLimited
from mpp.search.lookups import service_places
from mpp.search.selectors import (
    LIMIT_MAX,
    PLACES_PAGE_MAX,
    PLACES_SHOWN,
    QUERY_MAX,
    SearchHit,
    service_search,
)
from mpp.search.services import search_gaps_record
from mpp.search.throttle import search_throttle

router = Router(tags=["search"])
PLACES_PATH = "/api/v1/services/"  # + code + "/places": listServicePlaces


class CorrectionOut(Schema):
    original: str = Field(..., examples=["perpanjnag"])
    corrected: str = Field(..., examples=["perpanjang"])


class NextStepOut(Schema):
    kind: Literal["ticket", "book", "apply", "ask"]
    url: str | None = Field(
        ...,
        description="ticket, book, ask: a path of this site. apply: the agency's own site, "
        "or null when the service can be applied for online but its address is not known.",
    )


class PlaceOut(Schema):
    service: str = Field(..., description="Code of the service served there.")
    mall: str = Field(..., description="Mall code.")
    mall_name: str
    booth: str
    ticket_prefix: str
    url: str = Field(..., description="The service's page at this mall.")
    next_steps: list[NextStepOut]


class SearchHitOut(Schema):
    service: str = Field(
        ..., description="Service code.", examples=["dukcapil-ktp-el-hilang-rusak"]
    )
    name: str
    agency: str
    booth: str | None = Field(
        ...,
        description="The booth (gerai) at `mall`; null in a national search of a service "
        "offered in several malls (see `places`).",
    )
    mall: str | None = Field(
        ..., description="Mall code: the mall searched in, or the only mall offering the service."
    )
    score: float = Field(..., description="Relevance (BM25F); only the order means something.")
    fee: int = Field(..., description="Rupiah; 0 means free (unless fee_varies).")
    fee_varies: bool = Field(..., description="An amount is also set per case (a tax, a fine).")
    time: str = Field(..., description="Completion time as published.")
    requirements: list[str]
    next_steps: list[NextStepOut]
    place_count: int = Field(
        ...,
        description="How many malls offer the service (in a national search: any service "
        "of its standard). 1 in a mall search.",
    )
    places: list[PlaceOut] = Field(
        ...,
        description=f"Where the service is offered: at most {PLACES_SHOWN}, nearest to "
        "`near` first, then by mall name; all of them at `places_url`. In a national "
        "search, the services of one standard (each regency's own office, named as that "
        "region names it) are one result.",
    )
    places_url: str = Field(
        ..., description="Every place of the service (listServicePlaces), paged."
    )


class SearchOut(Schema):
    query: str
    normalized: str = Field(
        ..., description="The search terms after spelling, stemming and synonyms."
    )
    corrections: list[CorrectionOut]
    results: list[SearchHitOut]


def _steps(steps) -> list[dict]:
    return [{"kind": s.kind, "url": s.url} for s in steps]


def _hit_out(hit: SearchHit) -> dict:
    place = hit.place
    return {
        "service": hit.service_code,
        "name": hit.name,
        "agency": hit.agency,
        "booth": place.booth if place else None,
        "mall": place.mall_code if place else None,
        "score": hit.score,
        "fee": hit.fee,
        "fee_varies": hit.fee_varies,
        "time": hit.completion_time,
        "requirements": list(hit.requirements),
        "next_steps": _steps(hit.next_steps),
        "place_count": hit.place_count,
        "places": [_place_out(p) for p in hit.places],
        "places_url": f"{PLACES_PATH}{hit.service_code}/places",
    }


def _place_out(place) -> dict:
    return {
        "service": place.service_code,
        "mall": place.mall_code,
        "mall_name": place.mall_name,
        "booth": place.booth,
        "ticket_prefix": place.ticket_prefix,
        "url": place.detail_url,
        "next_steps": _steps(place.next_steps),
    }


NEAR = Query(
    None,
    pattern=r"^([0-9]{2}(\.[0-9]{2})?)?$",  # empty: none
    description="The citizen's province (`32`) or kabupaten/kota (`32.10`), Kemendagri "
    "code: places there come first. Empty: none.",
    examples=["32.10"],
)


@router.get(
    "/services/search",
    response={200: SearchOut, 404: ErrorOut, 422: ValidationErrorOut | ErrorOut, 429: ErrorOut},
    operation_id="searchServices",
)
def search_services(
    request,
    q: str = Query(
        ...,
        max_length=QUERY_MAX,
        description="What the citizen needs, in their own words (typos, slang, old names welcome).",
        examples=["bikin ktp hilang"],
    ),
    mall: str | None = Query(None, max_length=60, description="Mall code; none: every mall."),
    limit: int = Query(10, ge=1, le=LIMIT_MAX),
    near: str | None = NEAR,
):
    """Services matching a query, best first, with where they are served, their standard
    in brief and the next steps (take a ticket, book online, apply online).

    422 invalid_query for an empty query (validation_error for one too long);
    404 mall_not_found; 429 rate_limited (per client IP) with Retry-After.
    """
    text = " ".join(q.split())
    if not text:
        raise Invalid(_("Write what you are looking for."), code="invalid_query")
    found = mall_or_404(mall) if mall is not None else None
    limited = search_throttle(request)
    if not limited.allowed:
        raise RateLimited(limited.retry_after)
    result = service_search(
        query=text, mall_id=found.pk if found else None, limit=limit, near=near or ""
    )
    if result.unknown_words:
        search_gaps_record(mall_id=result.mall_id, words=result.unknown_words)
    return {
        "query": result.query,
        "normalized": result.normalized,
        "corrections": [
            {"original": c.original, "corrected": c.corrected} for c in result.corrections
        ],
        "results": [_hit_out(hit) for hit in result.hits],
    }


class PlacesOut(Schema):
    service: str = Field(..., description="The service asked for.")
    name: str
    agency: str
    total: int = Field(..., description="Places in all (every service of the standard).")
    offset: int
    places: list[PlaceOut]


@router.get(
    "/services/{service}/places",
    response={200: PlacesOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    operation_id="listServicePlaces",
)
def list_service_places(
    request,
    service: str,
    near: str | None = NEAR,
    offset: int = Query(0, ge=0, le=100_000),
    limit: int = Query(50, ge=1, le=PLACES_PAGE_MAX),
):
    """Every mall where a service, or another service of its standard (each regency's
    own office), is offered: nearest to `near` first, then by mall name, a page at a time.

    404 service_not_found; 429 rate_limited (per client IP, the search's limit).
    """
    limited = search_throttle(request)
    if not limited.allowed:
        raise RateLimited(limited.retry_after)
    page = service_places(code=service, near=near or "", offset=offset, limit=limit)
    if page is None:
        raise NotFound(_("No service with this code."), code="service_not_found")
    return {
        "service": page.hit.service_code,
        "name": page.hit.name,
        "agency": page.hit.agency,
        "total": page.total,
        "offset": page.offset,
        "places": [_place_out(p) for p in page.places],
    }
