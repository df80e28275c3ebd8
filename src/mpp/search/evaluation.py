"""Measuring the search on labelled queries: top-1, top-3 and MRR@10 per group, latency.

Why in the app: the benchmark (bench/search_eval.py) and the test suite's floor
(tests/search/test_evaluation.py) must count the same way. A labelled query is
(query, expected service code, group); a hit is right when it is that service or, in
a national search, a service of the same name (the same standard, served by another
regency's office; service_search groups them into one hit).
"""

from __future__ import annotations

import csv
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mpp.catalog.models import Service
from mpp.search.selectors import service_search

DEPTH = 10  # MRR@10


@dataclass(frozen=True)
class Labelled:
    query: str
    expected: str
    group: str


@dataclass
class Scores:
    """Counts of one group (or of all queries)."""

    n: int = 0
    top1: int = 0
    top3: int = 0
    reciprocal: float = 0.0

    def add(self, rank: int | None) -> None:
        self.n += 1
        if rank is not None:
            self.top1 += rank == 1
            self.top3 += rank <= 3
            self.reciprocal += 1 / rank

    def as_dict(self) -> dict:
        n = self.n or 1
        return {
            "n": self.n,
            "top1": self.top1 / n,
            "top3": self.top3 / n,
            "mrr": self.reciprocal / n,
        }


@dataclass
class Report:
    groups: dict[str, Scores] = field(default_factory=lambda: defaultdict(Scores))
    overall: Scores = field(default_factory=Scores)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[tuple[Labelled, list[str]]] = field(default_factory=list)
    rankings: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95(self) -> float:
        return self.percentile(95)


def labelled_queries(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(row["query"], row["expected"], row["group"]) for row in csv.DictReader(handle)
        ]


def evaluate(
    rows: list[Labelled], *, mall_id: int | None = None, search=None, repeat: int = 1
) -> Report:
    """Run every labelled query (in one mall, or nationally) and count where the expected
    service came. `search(query, mall_id)` -> list of (service code, score), best first;
    by default service_search. With `repeat` > 1 each query runs that many times and its
    latency is the median (other processes on a shared machine make single runs noisy)."""
    names = dict(Service.objects.values_list("code", "name"))
    same_name: dict[str, set[str]] = defaultdict(set)
    for code, name in names.items():
        same_name[name].add(code)
    report = Report()
    for row in rows:
        timings = []
        for _ in range(max(1, repeat)):
            started = time.perf_counter()
            if search is None:
                result = service_search(query=row.query, mall_id=mall_id, limit=DEPTH)
                ranked = [(hit.service_codes, hit.score) for hit in result.hits]
            else:
                found = search(row.query, mall_id)[:DEPTH]
                ranked = [((code,), score) for code, score in found]
            timings.append((time.perf_counter() - started) * 1000)
        report.latencies_ms.append(statistics.median(timings))
        report.rankings[row.query] = [(codes[0], score) for codes, score in ranked]
        right = {row.expected}
        if mall_id is None:
            right = same_name.get(names.get(row.expected, ""), set()) | right
        rank = next(
            (i for i, (codes, _) in enumerate(ranked, start=1) if right.intersection(codes)),
            None,
        )
        report.groups[row.group].add(rank)
        report.overall.add(rank)
        if rank != 1:
            report.misses.append((row, [codes[0] for codes, _ in ranked[:3]]))
    return report
