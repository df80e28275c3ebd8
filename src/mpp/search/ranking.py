"""BM25F ranking over an in-memory copy of the search index, one per server process.

Why in memory and not the database's full-text search: SQLite FTS5 and PostgreSQL
tsvector rank differently and would need vendor-specific SQL and migrations to give the
same order, and typo correction needs the vocabulary in memory anyway. The documents are
stored in the database (mpp.search.models), so the copy is the same in every process and
on both databases. The copy is reloaded when the index's version changes (checked on
every search).

Why compact: a national catalogue holds ~25,000 services (every regency's Disdukcapil,
DPMPTSP, Bapenda... has its own rows), about a million (term, service) postings. Held as
Python tuples they took 100 MB per process, 340 MB of RSS while loading, and a national
query 70 ms of scoring and sorting (bench/search_scale.py, docs/search.md). So each
term's postings are two flat arrays (service positions ascending, and the term's final
contribution to each service's score, computed once when the copy is built), documents
are read from the database as a stream, and results are ordered with C-level sorts.
The scores and the order are exactly those of the formula below, whichever way a scope
is computed.

Scoring (BM25F, Robertson & Zaragoza 2009): per term t and service d,
    tf~(t, d) = sum over fields f of  w_f * tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avg_f)
    score(d)  = sum over distinct query terms t of  idf(t) * tf~ * (k1 + 1) / (k1 + tf~)
    idf(t)    = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
where df(t) counts the standards (see below) whose services' topical fields (name,
other names, agency, description; not requirements or procedure) hold t, or, for a term
found only in requirements or procedures, every standard holding it, and N counts the
standards. avg_f is taken over all indexed services. The statistics are national, so a
mall's ranking does not depend on which other malls are installed; counted per standard,
not per service, they do not depend on how many regions copy a standard either (448
regencies' copies of "Penerbitan akta kelahiran" would otherwise make "akta" look common
beside one national row of each BPJS service).

A standard is what a service's name names, whichever region publishes it: services whose
names have the same key (text.standard_key: "Perpanjangan SIM C", "Perpanjang SIM C
Kabupaten Cianjur") are one standard, one hit in a national search.

A score is summed in query order. Ties are broken by service code, so the order is
total and the same everywhere.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from mpp.search.documents import FIELDS, STANDARD

K1 = 1.2
# Mall scope: a term whose postings outnumber the mall's services this many times is
# looked up per service (binary search) instead of scanned.
LOOKUP_RATIO = 8


@dataclass(frozen=True, slots=True)
class IndexedService:
    service_id: int
    code: str
    name: str


@dataclass
class Snapshot:
    """The index as one process holds it."""

    version: str
    fingerprint: str
    services: list[IndexedService]
    # term -> (positions in services, ascending; the term's score contribution to each)
    postings: dict[str, tuple[array, array]]
    idf: dict[str, float]
    mall_members: dict[int, array]  # mall id -> positions offered there (active), ascending
    vocabulary: dict[str, int]  # surface word -> number of services using it
    positions: dict[int, int] = field(default_factory=dict)  # service id -> position
    by_code: dict[str, int] = field(default_factory=dict)  # service code -> position
    rank: array = field(default_factory=lambda: array("i"))  # position -> rank of its code
    group: array = field(default_factory=lambda: array("i"))  # position -> its standard
    group_members: list[array] = field(default_factory=list)  # standard -> positions, ascending
    offered_at: dict[int, array] = field(default_factory=dict)  # position -> mall ids, ascending
    # mall id -> (sort key: name casefolded, code; kabupaten/kota code), for choosing the
    # places a national hit shows (a mall renamed since the load sorts by its old name)
    malls: dict[int, tuple[tuple[str, str], str]] = field(default_factory=dict)

    # standard -> its places by mall name (see standard_places; all built with the copy)
    _places: dict[int, tuple[tuple[tuple[str, str], str, int, int, str], ...]] = field(
        default_factory=dict
    )

    @property
    def size(self) -> int:
        return len(self.services)

    def standard_places(
        self, standard: int
    ) -> tuple[tuple[tuple[str, str], str, int, int, str], ...]:
        """Every place where a service of the standard is offered, as (mall sort key,
        service code, mall id, position, kabupaten/kota code), by mall name, mall code,
        service code. Built with the copy (a national standard's places are hundreds:
        sorting them on every search cost more than the ranking)."""
        held = self._places.get(standard)
        if held is None:
            rows = []
            for p in self.group_members[standard]:
                code = self.services[p].code
                for mall_id in self.offered_at.get(p, ()):
                    key, regency = self.malls.get(mall_id, (("", ""), ""))
                    rows.append((key, code, mall_id, p, regency))
            held = self._places[standard] = tuple(sorted(rows))
        return held

    def _scores(self, terms: list[str], mall_id: int | None) -> dict[int, float]:
        """Score of every service (of the mall, or all) matching at least one term."""
        members = self.mall_members.get(mall_id, array("i")) if mall_id is not None else None
        scores: dict[int, float] = {}
        get = scores.get
        member_set: set[int] | None = None
        for term in dict.fromkeys(terms):  # distinct, in query order
            entry = self.postings.get(term)
            if entry is None:
                continue
            positions, gains = entry
            if members is None:
                if not scores:
                    scores.update(zip(positions, gains, strict=True))  # 0.0 + gain is gain
                    continue
                for position, gain in zip(positions, gains, strict=True):
                    scores[position] = get(position, 0.0) + gain
            elif len(positions) > LOOKUP_RATIO * len(members):
                i, end = 0, len(positions)
                for position in members:  # ascending, as positions are: i only grows
                    i = bisect_left(positions, position, i)
                    if i == end:
                        break
                    if positions[i] == position:
                        scores[position] = get(position, 0.0) + gains[i]
            else:
                if member_set is None:
                    member_set = set(members)
                for position, gain in zip(positions, gains, strict=True):
                    if position in member_set:
                        scores[position] = get(position, 0.0) + gain
        return scores

    def _order(self, positions: Iterable[int], scores: dict[int, float]) -> list[int]:
        """Positions best first, ties by service code (two stable C-level sorts)."""
        ordered = sorted(positions, key=self.rank.__getitem__)
        ordered.sort(key=scores.__getitem__, reverse=True)
        return ordered

    def score(self, terms: list[str], *, mall_id: int | None = None) -> list[tuple[int, float]]:
        """(position, score) of every service matching at least one term, best first."""
        scores = self._scores(terms, mall_id)
        return [(position, scores[position]) for position in self._order(scores, scores)]

    def ranked_groups(
        self, terms: list[str], *, limit: int, mall_id: int | None = None
    ) -> list[list[tuple[int, float]]]:
        """The best `limit` hits as lists of (position, score), best first.

        In a mall, one service per hit. Nationally, services of one standard (served by
        each regency's own office, see the module's docstring) are one hit, ranked by its best
        service, holding every matching service of that name, best first.
        """
        scores = self._scores(terms, mall_id)
        ordered = self._order(scores, scores)
        if mall_id is not None:
            return [[(position, scores[position])] for position in ordered[:limit]]
        chosen: dict[int, None] = {}
        for position in ordered:
            group = self.group[position]
            if group not in chosen:
                if len(chosen) == limit:
                    break
                chosen[group] = None
        hits = []
        for group in chosen:
            members = [p for p in self.group_members[group] if p in scores]
            hits.append([(p, scores[p]) for p in self._order(members, scores)])
        return hits


def _postings_raw(documents, services, positions, vocabulary, topical, group, keys):
    """First pass over the documents (a stream): each field's lengths, and per field and
    term the positions holding the term with its count there (1 in binary fields); each
    position's standard (group), and the distinct (term, standard) pairs of topical
    fields (topical)."""
    lengths = [array("i") for _ in FIELDS]
    raw: list[dict[str, tuple[array, array]]] = [{} for _ in FIELDS]
    for position, (service_id, code, name, terms, words) in enumerate(documents):
        services.append(IndexedService(service_id=service_id, code=code, name=name))
        positions[service_id] = position
        vocabulary.update(set(words))
        key = (terms.get(STANDARD) or [name.casefold()])[0]
        standard = keys.setdefault(key, len(keys))
        group.append(standard)
        for f, column, table in zip(FIELDS, lengths, raw, strict=True):
            values = terms.get(f.name, [])
            column.append(len(values))
            if not values:
                continue
            counts = dict.fromkeys(values, 1) if f.binary else Counter(values)
            if f.topical:
                topical.update((term, standard) for term in counts)
            for term, count in counts.items():
                entry = table.get(term)
                if entry is None:
                    entry = table[term] = (array("i"), array("I"))
                entry[0].append(position)
                entry[1].append(count)
    return lengths, raw


def snapshot_build(
    *,
    version: str,
    fingerprint: str,
    documents: Iterable[tuple[int, str, str, dict, list]],
    offerings: Iterable[tuple[int, int]],
    malls: Iterable[tuple[int, str, str, str | None]] = (),
) -> Snapshot:
    """A snapshot from documents [(service id, code, name, terms by field, words)] sorted
    by service id (any iterable: read once, as a stream), active offerings
    [(mall id, service id)] and malls [(id, code, name, kabupaten/kota code)]."""
    services: list[IndexedService] = []
    positions: dict[int, int] = {}
    vocabulary: Counter[str] = Counter()
    about: set[tuple[str, int]] = set()  # (term, standard ABOUT it: documents.Field.topical)
    group = array("i")  # position -> its standard
    keys: dict[str, int] = {}  # standard key -> standard
    lengths, raw = _postings_raw(documents, services, positions, vocabulary, about, group, keys)
    topical = Counter(term for term, _ in about)
    n = len(services)
    standards = len(keys)
    averages = [(sum(column) / n) if n else 0.0 for column in lengths]
    norms = [
        array("d", [1 - f.b + f.b * (length / avg if avg else 0.0) for length in column])
        for f, column, avg in zip(FIELDS, lengths, averages, strict=True)
    ]
    saturation = K1 + 1
    postings: dict[str, tuple[array, array]] = {}
    idf: dict[str, float] = {}
    for term in sorted(set().union(*raw)):
        tf: dict[int, float] = {}  # position -> tf~, summed over fields in FIELDS order
        get = tf.get
        for f, table, norm in zip(FIELDS, raw, norms, strict=True):
            entry = table.pop(term, None)
            if entry is not None:
                for p, count in zip(*entry, strict=True):
                    tf[p] = get(p, 0.0) + f.weight * count / norm[p]
        # a term only in requirements or procedures: every standard of its services
        df = topical[term] or len({group[p] for p in tf})
        idf[term] = weight = math.log(1 + (standards - df + 0.5) / (df + 0.5))
        held = array("i", sorted(tf))
        gains = array("d", [weight * t * saturation / (K1 + t) for t in map(tf.__getitem__, held)])
        postings[term] = (held, gains)
    codes = sorted(range(n), key=lambda p: services[p].code)
    rank = array("i", bytes(4 * n))
    for r, p in enumerate(codes):
        rank[p] = r
    group_members = [array("i") for _ in keys]
    for p, g in enumerate(group):
        group_members[g].append(p)
    members: dict[int, set[int]] = {}
    offered_at: dict[int, set[int]] = {}
    for mall_id, service_id in offerings:
        if service_id in positions:
            members.setdefault(mall_id, set()).add(positions[service_id])
            offered_at.setdefault(positions[service_id], set()).add(mall_id)
    snapshot = Snapshot(
        version=version,
        fingerprint=fingerprint,
        services=services,
        postings=postings,
        idf=idf,
        mall_members={mall: array("i", sorted(p)) for mall, p in members.items()},
        vocabulary=dict(vocabulary),
        positions=positions,
        by_code={s.code: p for p, s in enumerate(services)},
        rank=rank,
        group=group,
        group_members=group_members,
        offered_at={p: array("i", sorted(m)) for p, m in offered_at.items()},
        malls={pk: ((name.casefold(), code), regency or "") for pk, code, name, regency in malls},
    )
    for standard in range(len(group_members)):  # 25 ms for 25,000 services, once per load
        snapshot.standard_places(standard)
    return snapshot
