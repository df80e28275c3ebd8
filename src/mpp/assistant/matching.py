"""How the assistant reads a message: commands, numbers, and which services it may mean.

Why apart from the conversation flow (engine.py): these are the rules that decide
between "ask" and "answer", and they are tuned with data (families.json) and tested on
their own. Everything goes through mpp.search.selectors.service_search, so the
assistant understands exactly what the search page understands (typos, slang, old
names, Sundanese) and nothing else.

Two rules find close candidates:
* a family (families.json): the query names a trigger ("ktp") and zero or several of
  the family's options ("bikin ktp": none; "sim motor": new or renewal), each option
  found in the mall's catalogue by its own query;
* the generic rule, for every service: the hits scoring at least `ratio` x the best one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mpp.assistant.families import Family, FamilyOption, data
from mpp.catalog.models import Service
from mpp.search.lookups import service_hit
from mpp.search.selectors import SearchHit, SearchResult, service_search
from mpp.search.text import analyse, tokenize

SEARCH_LIMIT = 10

RESET, MENU, HELP, GREETING, THANKS = "reset", "menu", "help", "greeting", "thanks"
# fmt: off
_COMMANDS = {
    RESET: {"mulai lagi", "mulai ulang", "ulang", "ulangi", "ulang lagi", "reset", "restart",
            "start", "mulai", "dari awal", "start over"},
    MENU: {"menu", "daftar layanan", "pilihan", "menu utama"},
    HELP: {"help", "bantuan", "tolong", "bantu", "cara pakai", "panduan", "info"},
    THANKS: {"terima kasih", "makasih", "trims", "thanks", "thank you", "nuhun", "hatur nuhun",
             "terimakasih", "ok terima kasih", "oke terima kasih", "makasih ya", "ok", "oke"},
}
_GREETING_WORDS = {
    "halo", "hallo", "helo", "hai", "hi", "hello", "hey", "p", "pagi", "siang", "sore", "malam",
    "selamat", "assalamualaikum", "assalamu", "alaikum", "salam", "permisi", "punten",
    "sampurasun", "min", "admin", "kak", "pak", "bu", "mas", "mbak", "good", "morning",
    "afternoon", "evening", "wr", "wb",
}
_ORDINALS = {
    "satu": 1, "pertama": 1, "kesatu": 1, "one": 1, "first": 1,
    "dua": 2, "kedua": 2, "two": 2, "second": 2,
    "tiga": 3, "ketiga": 3, "three": 3, "third": 3,
    "empat": 4, "keempat": 4, "four": 4, "fourth": 4,
    "lima": 5, "kelima": 5, "five": 5,
    "enam": 6, "keenam": 6, "tujuh": 7, "ketujuh": 7,
    "delapan": 8, "kedelapan": 8, "sembilan": 9, "kesembilan": 9,
}
_NUMBER_FILLERS = {"no", "nomor", "nomer", "nmr", "pilih", "pilihan", "opsi", "yang", "yg", "ke",
                   "saya", "aku", "number", "option", "the", "nya"}
# fmt: on


def command(message: str) -> str | None:
    """The command a whole message is (reset, menu, help, greeting, thanks), or None."""
    words = tokenize(message)
    if not words:
        return None
    text = " ".join(words)
    for name, phrases in _COMMANDS.items():
        if text in phrases:
            return name
    if all(w in _GREETING_WORDS for w in words):
        return GREETING
    return None


def number(message: str, count: int) -> int | None:
    """The choice a message picks by number ("2", "no. 2", "yang kedua"), 1..count."""
    words = [w for w in tokenize(message) if w not in _NUMBER_FILLERS]
    if len(words) != 1:
        return None
    word = words[0]
    value = int(word) if re.fullmatch(r"\d{1,2}", word) else _ORDINALS.get(word)
    return value if value and 1 <= value <= count else None


def search(text: str, mall_id: int | None) -> SearchResult:
    return service_search(query=text, mall_id=mall_id, limit=SEARCH_LIMIT)


def terms_of(result: SearchResult) -> set[str]:
    return set(result.normalized.split())


@lru_cache(maxsize=4096)
def _text_terms(text: str) -> frozenset[str]:
    return frozenset(analyse(text))


def hit_terms(hit: SearchHit) -> frozenset[str]:
    """The terms of a hit's name and agency (what a family option checks)."""
    return _text_terms(f"{hit.name} {hit.agency} {hit.agency_short}")


def is_member(family: Family, option: FamilyOption, hit: SearchHit) -> bool:
    terms = hit_terms(hit)
    return option.require <= terms and any(m <= terms for m in family.member)


@dataclass(frozen=True)
class Resolved:
    """A family option found in the mall: the option and the service (a search hit)."""

    option: FamilyOption
    hit: SearchHit


def resolve(family: Family, message: str, mall_id: int | None) -> list[Resolved]:
    """The family's options this mall offers, in the family's order, one service each."""
    found: list[Resolved] = []
    taken: set[str] = set()
    for option in family.options:
        result = search(f"{option.query} {message}", mall_id)
        for hit in result.hits:
            if hit.service_code not in taken and is_member(family, option, hit):
                found.append(Resolved(option, hit))
                taken.add(hit.service_code)
                break
    return found


@dataclass(frozen=True)
class FamilyMatch:
    """A query read as a family: the options it may still mean (one: it is clear)."""

    family: Family
    candidates: list[Resolved]


def family_match(message: str, result: SearchResult, mall_id: int | None) -> FamilyMatch | None:
    """The family the query belongs to, with the options it leaves open, or None.

    Options named by the query's words are kept (the most words win); none named:
    every option. A query with words beyond the family's own (and neutral ones, such
    as "bikin") is the family only when its best hit is one of the family's services:
    "ktp digital" is IKD, not a KTP question.
    """
    terms = terms_of(result)
    d = data()
    for family in d.families:
        if not family.triggered_by(terms):
            continue
        scores = {o.key: len(o.words & terms) for o in family.options}
        best = max(scores.values())
        resolved = resolve(family, message, mall_id)
        if not resolved:
            continue
        leftover = terms - family.trigger_terms - family.words - d.neutral
        codes = {r.hit.service_code for r in resolved}
        if leftover and result.hits and result.hits[0].service_code not in codes:
            continue
        wanted = [r for r in resolved if best == 0 or scores[r.option.key] == best]
        if not wanted:
            continue  # the option named is not offered here: let the generic rule answer
        return FamilyMatch(family=family, candidates=wanted)
    return None


def names_a_family(result: SearchResult) -> bool:
    """Does the query name a document of a family ("sim", "paspor"): a need of its own."""
    terms = terms_of(result)
    return any(f.triggered_by(terms) for f in data().families)


def close_hits(result: SearchResult) -> list[SearchHit]:
    """The generic rule: the hits scoring at least ratio x the best one (at most max)."""
    if not result.hits:
        return []
    d = data()
    top = result.hits[0].score
    return [h for h in result.hits if h.score >= d.ratio * top][: d.max_options]


def ranked_first(hits: list[SearchHit], result: SearchResult) -> list[SearchHit]:
    """Hits ordered by their place in a search result (absent ones last, kept in order)."""
    order = {h.service_code: i for i, h in enumerate(result.hits)}
    return sorted(hits, key=lambda h: order.get(h.service_code, len(order)))


def words_pick(answer_terms: set[str], candidate_terms: list[frozenset[str]]) -> list[int]:
    """The indexes of the candidates sharing the most terms with an answer (none: [])."""
    scores = [len(answer_terms & terms) for terms in candidate_terms]
    best = max(scores, default=0)
    return [i for i, score in enumerate(scores) if score == best] if best else []


def distinguishing_terms(terms: list[frozenset[str]]) -> list[frozenset[str]]:
    """Each candidate's terms minus those every candidate shares."""
    common = frozenset.intersection(*terms) if terms else frozenset()
    return [t - common for t in terms]


def hit_for(code: str, mall_id: int | None) -> SearchHit | None:
    """The search hit of one service (its card's facts and next steps), or None when the
    code is unknown or the service is not offered in that mall: the search's own look-up
    by code, so the card is exactly what the search page shows for it."""
    return service_hit(code=code, mall_id=mall_id)


def names_another_need(words: tuple[str, ...], hit: SearchHit, mall_id: int | None) -> bool:
    """Do the words of a follow-up beyond its aspect ("kalau sim berapa?": "sim") name a
    need of their own? Yes when the search finds services for them, unless they only
    repeat the service's own name ("biaya ktp hilang" after KTP hilang) or its best hit
    is that service."""
    result = search(" ".join(words), mall_id)
    if not result.hits or set(result.hits[0].service_codes) & set(hit.service_codes):
        return False
    return not terms_of(result) <= hit_terms(hit)


def candidate_terms(codes: list[str]) -> dict[str, frozenset[str]]:
    """Name and agency terms of services by code (for answers to a generic question)."""
    rows = Service.objects.filter(code__in=codes).values_list(
        "code", "name", "agency__name", "agency__short_name"
    )
    return {code: _text_terms(f"{name} {agency} {short}") for code, name, agency, short in rows}
