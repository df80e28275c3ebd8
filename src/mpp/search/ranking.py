"""BM25F ranking over an in-memory copy of the search index, one per server process.

Why in memory and not the database's full-text search: a catalogue is small (a mall
offers 50-300 services; 523 took 2.5 MB here) and scoring all of it in Python takes well
under a millisecond, while SQLite FTS5 and PostgreSQL tsvector rank differently and
would need vendor-specific SQL and migrations to give the same order. The documents
are stored in the database (mpp.search.models), so the copy is the same in every
process and on both databases; typo correction needs the vocabulary in memory anyway.
The copy is reloaded when the index's version changes (checked on every search).

Scoring (BM25F, Robertson & Zaragoza 2009): per term t and service d,
    tf~(t, d) = sum over fields f of  w_f * tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avg_f)
    score(d)  = sum over distinct query terms t of  idf(t) * tf~ * (k1 + 1) / (k1 + tf~)
    idf(t)    = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
where df(t) counts the services whose topical fields (name, other names, agency,
description; not requirements or procedure) hold t, or, for a term found only in
requirements or procedures, every service holding it. N, df and avg_f are taken over all
indexed services (national statistics also rank a mall's services, so a mall's ranking
does not depend on which other malls are installed).
Ties are broken by service code, so the order is total and the same everywhere.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from mpp.search.documents import FIELDS

K1 = 1.2


@dataclass(frozen=True)
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
    postings: dict[str, list[tuple[int, float]]]  # term -> [(position in services, tf~)]
    idf: dict[str, float]
    mall_members: dict[int, frozenset[int]]  # mall id -> positions offered there (active)
    vocabulary: dict[str, int]  # surface word -> number of services using it
    positions: dict[int, int] = field(default_factory=dict)  # service id -> position

    @property
    def size(self) -> int:
        return len(self.services)

    def score(self, terms: list[str], *, mall_id: int | None = None) -> list[tuple[int, float]]:
        """(position, score) of every service matching at least one term, best first."""
        allowed = self.mall_members.get(mall_id, frozenset()) if mall_id is not None else None
        scores: dict[int, float] = {}
        for term in dict.fromkeys(terms):  # distinct, in query order
            idf = self.idf.get(term)
            if idf is None:
                continue
            for position, tf in self.postings[term]:
                if allowed is not None and position not in allowed:
                    continue
                gain = idf * tf * (K1 + 1) / (K1 + tf)
                scores[position] = scores.get(position, 0.0) + gain
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self.services[item[0]].code))
        return ranked


def snapshot_build(
    *,
    version: str,
    fingerprint: str,
    documents: list[tuple[int, str, str, dict, list]],
    offerings: list[tuple[int, int]],
) -> Snapshot:
    """A snapshot from documents [(service id, code, name, terms by field, words)] sorted
    by service id, and active offerings [(mall id, service id)]."""
    services = [
        IndexedService(service_id=sid, code=code, name=name) for sid, code, name, _, _ in documents
    ]
    positions = {s.service_id: i for i, s in enumerate(services)}
    n = len(documents)
    lengths = [[len(terms.get(f.name, [])) for f in FIELDS] for *_, terms, _ in documents]
    averages = [(sum(row[i] for row in lengths) / n) if n else 0.0 for i in range(len(FIELDS))]

    postings: dict[str, list[tuple[int, float]]] = {}
    topical: Counter[str] = Counter()  # services ABOUT a term (see documents.Field.topical)
    vocabulary: Counter[str] = Counter()
    for position, (*_, terms, words) in enumerate(documents):
        vocabulary.update(set(words))
        weighted: dict[str, float] = {}
        about: set[str] = set()
        for i, f in enumerate(FIELDS):
            counts = Counter(terms.get(f.name, []))
            if not counts:
                continue
            if f.topical:
                about.update(counts)
            norm = 1 - f.b + f.b * (lengths[position][i] / averages[i] if averages[i] else 0.0)
            for term in sorted(counts):
                tf = 1 if f.binary else counts[term]
                weighted[term] = weighted.get(term, 0.0) + f.weight * tf / norm
        topical.update(about)
        for term in sorted(weighted):
            postings.setdefault(term, []).append((position, weighted[term]))
    idf = {}
    for term, items in postings.items():
        df = topical[term] or len(items)  # a term only in requirements: all its services
        idf[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
    members: dict[int, set[int]] = {}
    for mall_id, service_id in offerings:
        if service_id in positions:
            members.setdefault(mall_id, set()).add(positions[service_id])
    return Snapshot(
        version=version,
        fingerprint=fingerprint,
        services=services,
        postings=postings,
        idf=idf,
        mall_members={mall: frozenset(p) for mall, p in members.items()},
        vocabulary=dict(vocabulary),
        positions=positions,
    )
