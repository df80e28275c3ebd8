"""Finding services in the citizen's own words: `service_search`.

Why here and not in a view: the search page, the API and the assistant (a later step,
without HTTP) all ask the same question and must get the same answer. A result carries
what a citizen needs to act: the service, where it is served (mall and booth), its
standard in brief (requirements, time, fee) and the next steps (take a ticket, book,
apply online, ask).

Search sits on the queueing floor, above the catalogue: it reads catalog (services,
offerings), learns whether an offering can be booked online through a hook the bookings
app registers (mpp.search.hooks), and links to the queueing and bookings pages by URL
name; no domain app below it imports it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Max, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from mpp.catalog.models import Mall, Offering, Service
from mpp.search import index
from mpp.search.hooks import offering_appliable, offering_bookable
from mpp.search.models import SearchGap
from mpp.search.text import analyse_tokens, tokenize
from mpp.search.typos import Correction, place_words

QUERY_MAX = 200  # characters; the API refuses longer queries, others are cut
# 8 digits or more (separators allowed): a NIK, a phone or an account number, never a
# search word. Dropped before anything else, and never echoed back (personal data).
_PERSONAL_NUMBER = re.compile(r"\+?\d(?:[\s.-]?\d){7,}")
_WORD = re.compile(r"^[a-z]{3,24}$")  # what may be counted as an unknown word
LIMIT_MAX = 50
# A national hit shows this many of its places (nearest first); the others are on the
# service's own list of places (service_places, page /cari/<code>/tempat/).
PLACES_SHOWN = 5
PLACES_PAGE_MAX = 100
# `near`: a province ("32") or kabupaten/kota ("32.10") code
NEAR_PATTERN = re.compile(r"^[0-9]{2}(\.[0-9]{2})?$")
# The assistant's page, once it exists: an "ask" step links to it, reversed with the
# (mall code, service code); until a URL of this name is routed, no "ask" step.
ASSISTANT_URL_NAME = "assistant"
# The mall's own online application for a service (mall code, service code), when the
# cases app says the mall takes them (mpp.search.hooks.offering_appliable).
APPLY_URL_NAME = "cases:apply_start"


@dataclass(frozen=True)
class NextStep:
    """What the citizen can do next: "ticket", "book", "apply" or "ask", and where.

    `url` is a path of this site, the agency's own site (apply), or None when the
    catalogue marks the step without an address (apply online, site unknown)."""

    kind: str
    url: str | None


@dataclass(frozen=True)
class Place:
    """Where a service is served: a mall, its booth (gerai), and the steps there."""

    service_code: str
    mall_code: str
    mall_name: str
    booth: str
    booth_location: str
    ticket_prefix: str
    detail_url: str
    next_steps: tuple[NextStep, ...]


@dataclass(frozen=True)
class SearchHit:
    """One service found, with its standard in brief.

    In a national search, the services of one standard (served by each regency's own
    office, named as that region names it: mpp.search.ranking) are one hit:
    `service_codes` lists those matching the query, best first; `place_count` counts the
    places where any service of the standard is served and `places` shows the first
    PLACES_SHOWN of them, nearest to the citizen first (service_places lists them all)."""

    service_code: str
    service_codes: tuple[str, ...]
    name: str
    agency: str
    agency_short: str
    score: float
    description: str
    requirements: tuple[str, ...]
    completion_time: str
    fee: int
    fee_varies: bool
    place: Place | None  # the mall searched in, or the only mall offering it
    places: tuple[Place, ...]  # the first PLACES_SHOWN (mall scope: that mall only)
    next_steps: tuple[NextStep, ...]
    place_count: int = 0  # malls offering it (mall scope: 1)


@dataclass(frozen=True)
class SearchResult:
    """The answer to one query: what was searched for and the services found, best first."""

    query: str
    normalized: str  # the search terms, after spelling, stemming and synonyms
    corrected_query: str  # the query with its typos corrected ("" when none were)
    corrections: tuple[Correction, ...]
    hits: tuple[SearchHit, ...]
    mall_id: int | None = None
    # words of the query that nothing knows: not in the catalogue, the tables, the root
    # list or a place name, not corrected, no term of the index (for search_gaps_record)
    unknown_words: tuple[str, ...] = ()


def _texts(value) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item if isinstance(item, str) else str(item) for item in value)


_MALL, _SERVICE = "mall-placeholder", "service-placeholder"


@lru_cache(maxsize=16)
def _url_pattern(name: str) -> str | None:
    """The path of a (mall, service) URL name with placeholders, or None if not routed."""
    try:
        return reverse(name, args=[_MALL, _SERVICE])
    except NoReverseMatch:
        return None


def _url(name: str, mall_code: str, service_code: str) -> str | None:
    """reverse(name, args=[mall, service]) without the resolver's cost (codes are slugs)."""
    pattern = _url_pattern(name)
    if pattern is None:
        return None
    return pattern.replace(_MALL, mall_code).replace(_SERVICE, service_code)


@dataclass(frozen=True)
class _Offered:
    """What the next steps need of a service offered in a mall."""

    offering_id: int
    service_id: int
    service_code: str
    direct: bool
    electronic: bool
    website: str
    mall_code: str
    mall_name: str
    mall_status: str
    booth: str
    booth_location: str
    ticket_prefix: str


def _steps(o: _Offered, bookable: bool, appliable: bool = False) -> tuple[NextStep, ...]:
    operating = o.mall_status == Mall.Status.OPERATING
    steps: list[NextStep] = []
    if operating and o.direct:
        steps.append(NextStep("ticket", _url("remote-confirm", o.mall_code, o.service_code)))
    if operating and bookable:
        steps.append(NextStep("book", _url("booking-new", o.mall_code, o.service_code)))
    own = _url(APPLY_URL_NAME, o.mall_code, o.service_code) if operating and appliable else None
    if own:
        steps.append(NextStep("apply", own))
    elif o.electronic:
        steps.append(NextStep("apply", o.website or None))
    ask = _url(ASSISTANT_URL_NAME, o.mall_code, o.service_code)
    if ask:  # None until the assistant is built
        steps.append(NextStep("ask", ask))
    return tuple(steps)


def _offered(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Place]:
    """The places of these (service id, mall id) pairs still served (active offerings)."""
    if not pairs:
        return {}
    rows = Offering.objects.filter(
        service_id__in={s for s, _ in pairs},
        mall_id__in={m for _, m in pairs},
        is_active=True,
        service__is_active=True,
    )
    found: dict[tuple[int, int], Place] = {}
    for *row, mall_id, bookable, appliable in (
        rows.annotate(bookable=offering_bookable(), appliable=offering_appliable())
        .order_by()
        .values_list(
            "pk",
            "service_id",
            "service__code",
            "service__channel_direct",
            "service__channel_electronic",
            "service__agency__website",
            "mall__code",
            "mall__name",
            "mall__status",
            "booth__name",
            "booth__location",
            "booth__ticket_prefix",
            "mall_id",
            "bookable",
            "appliable",
        )
    ):
        o = _Offered(*row)
        if (o.service_id, mall_id) not in pairs:
            continue
        found[(o.service_id, mall_id)] = Place(
            service_code=o.service_code,
            mall_code=o.mall_code,
            mall_name=o.mall_name,
            booth=o.booth,
            booth_location=o.booth_location,
            ticket_prefix=o.ticket_prefix,
            detail_url=_url("service-detail", o.mall_code, o.service_code) or "",
            next_steps=_steps(o, bookable, appliable),
        )
    return found


def _nearness(regency: str, near: str) -> int:
    """0: the kabupaten/kota asked for; 1: its province (or the province asked for); 2."""
    if not near:
        return 2
    if regency == near:
        return 0
    return 1 if regency[:2] == near[:2] else 2


def _places_near(snapshot, standard: int, near: str, count: int | None) -> list[tuple]:
    """The first `count` (None: all) places of a standard, as (service id, mall id):
    those in the kabupaten/kota `near`, then its province, then the others, each by mall
    name (see Snapshot.standard_places)."""
    places = snapshot.standard_places(standard)
    if near:
        classes: tuple[list, list, list] = ([], [], [])
        for place in places:
            classes[_nearness(place[4], near)].append(place)
        places = classes[0] + classes[1] + classes[2]
    chosen = places if count is None else places[:count]
    return [(snapshot.services[p].service_id, mall_id) for _, _, mall_id, p, _ in chosen]


def _hits(
    groups, snapshot, mall_id: int | None, near: str = "", shown: int = PLACES_SHOWN
) -> tuple[SearchHit, ...]:
    """The hits of the groups: the best service's standard, the first `shown` places
    of its members (nearest first) and how many places there are."""
    members = [[snapshot.services[p] for p, _ in group] for group in groups]
    services = Service.objects.select_related("agency").in_bulk(
        [group[0].service_id for group in members]
    )
    chosen: list[tuple[int, list[tuple[int, int]]]] = []  # per hit: (count, [(sid, mall)])
    for ranked in groups:
        if mall_id is not None:
            offered = [(snapshot.services[p].service_id, mall_id) for p, _ in ranked]
            chosen.append((len(offered), offered))
            continue
        standard = snapshot.group[ranked[0][0]]
        count = len(snapshot.standard_places(standard))
        chosen.append((count, _places_near(snapshot, standard, near, shown) if shown else []))
    found = _offered({pair for _, pairs in chosen for pair in pairs})
    hits = []
    for group, ranked, (count, pairs) in zip(members, groups, chosen, strict=True):
        service = services.get(group[0].service_id)
        if service is None:
            continue  # deleted since the index was read
        where = tuple(found[pair] for pair in pairs if pair in found)
        place = where[0] if count == 1 and where else None
        hits.append(
            SearchHit(
                service_code=service.code,
                service_codes=tuple(m.code for m in group),
                name=service.name,
                agency=service.agency.name,
                agency_short=service.agency.short_name,
                score=round(ranked[0][1], 4),
                description=service.description,
                requirements=_texts(service.requirements),
                completion_time=service.completion_time,
                fee=service.fee,
                fee_varies=service.fee_varies,
                place=place,
                places=where,
                place_count=count,
                next_steps=place.next_steps if place else (),
            )
        )
    return tuple(hits)


def clean_query(query: str) -> str:
    """The query as searched: blanks collapsed, personal numbers (NIK, phone) dropped,
    cut to QUERY_MAX characters."""
    text = _PERSONAL_NUMBER.sub(" ", str(query or "")[: QUERY_MAX * 2])
    return " ".join(text.split())[:QUERY_MAX]


def near_code(value: str | None) -> str:
    """A `near` value as used: a province or kabupaten/kota code, else "" (none)."""
    value = (value or "").strip()
    return value if NEAR_PATTERN.match(value) else ""


def service_search(
    *, query: str, mall_id: int | None = None, limit: int = 10, near: str = ""
) -> SearchResult:
    """Services matching a query written the way citizens write, best first.

    mall_id: only the services offered (active) in that mall; None: every service, the
    services of one standard grouped into one hit (see SearchHit), its places nearest to
    `near` (a province or kabupaten/kota code) first.
    The query is cleaned first (clean_query: NIKs and phone numbers dropped, cut to
    QUERY_MAX characters); an empty one finds nothing.
    """
    text = clean_query(query)
    limit = max(1, min(int(limit), LIMIT_MAX))
    snapshot, corrector = index.current()
    tokens, corrections = corrector.correct(tokenize(text))
    terms = analyse_tokens(tokens)
    groups = snapshot.ranked_groups(terms, limit=limit, mall_id=mall_id)
    return SearchResult(
        query=text,
        normalized=" ".join(terms),
        corrected_query=" ".join(tokens) if corrections else "",
        corrections=tuple(corrections),
        hits=_hits(groups, snapshot, mall_id, near_code(near)) if groups else (),
        mall_id=mall_id,
        unknown_words=_unknown(tokens, snapshot, corrector),
    )


def _unknown(tokens: list[str], snapshot, corrector) -> tuple[str, ...]:
    """The tokens (after correction) that neither the corrector, the place names nor the
    index know, each once, in query order."""
    unknown = []
    for token in dict.fromkeys(tokens):
        if not _WORD.match(token) or corrector.is_known(token) or token in place_words():
            continue
        terms = analyse_tokens([token])
        if terms and not any(term in snapshot.postings for term in terms):
            unknown.append(token)
    return tuple(unknown)


GAP_DAYS = 30  # the period the unknown-words page looks at
GAP_MIN_DAYS = 3  # a word is shown once searched on this many days (see SearchGap)


@dataclass(frozen=True)
class Gap:
    """A word the search does not know: searches and days with it in the period."""

    word: str
    searches: int
    days: int
    last_day: dt.date


def search_gaps(
    *, mall_id: int | None, days: int = GAP_DAYS, min_days: int = GAP_MIN_DAYS, limit: int = 200
) -> list[Gap]:
    """The unknown words of the last `days` days, most searched first: of one mall's
    searches, or (mall_id None) of every search, national ones included. A word shows
    only once searched on at least `min_days` different days."""
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    rows = SearchGap.objects.filter(day__gte=since)
    if mall_id is not None:
        rows = rows.filter(mall_id=mall_id)
    grouped = (
        rows.values("word")
        .annotate(total=Sum("searches"), seen=Count("day", distinct=True), last=Max("day"))
        .filter(seen__gte=min_days)
        .order_by("-total", "word")[:limit]
    )
    return [Gap(g["word"], g["total"], g["seen"], g["last"]) for g in grouped]
