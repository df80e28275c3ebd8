"""The service search at national scale: ~25,000 services across ~450 malls.

Why: every regency's Disdukcapil, DPMPTSP, Bapenda, Polres... has its own Service rows;
the search keeps an in-memory index per process (docs/search.md). Loads the demo into a
scratch database (SQLite, or PostgreSQL `mpp_bench_scale`; never var/mpp.sqlite3) and
measures it (the baseline); grows it with bulk inserts to N services (the demo mall's own
agencies copied into one mall per regency, services worded as that region might; national
agencies one row offered everywhere) and measures again: documents rebuild; index size
(tracemalloc: held, peak while loading); `service_search` latency for the 297 labelled
queries in the demo mall and nationally, also without listing the hits' places and for
the ranking alone; a server worker's cold start in a second process. --fts: full-text
candidates (FTS5 / tsvector 'simple' + GIN, on the scratch database) and reading them.

    .venv/bin/python bench/search_scale.py --db sqlite --fts
    .venv/bin/python bench/search_scale.py --db postgres --fts -n 25000
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from functools import reduce
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.scratch import scratch_demo  # noqa: E402
from bench.tickets import MALL, ROOT  # noqa: E402

QUERIES = ROOT / "tests" / "data" / "service_queries.csv"
DB_NAME = "mpp_bench_scale"
# National agencies: one row each, offered in every mall (as in bench/search_eval.py).
SHARED = {"bpjs-kesehatan", "bpjs-ketenagakerjaan", "pln", "taspen", "kanim-cirebon"}
OPEN = "operating"  # the status of the malls made
BARS = {"p95_national_ms": 20.0, "index_mb": 150.0, "cold_load_s": 5.0}
# How regions word the same service differently (old=new; applied in this order).
# fmt: off
_SWAPS = {"KTP-el": "KTP Elektronik", "Penerbitan": "Pembuatan", "Pendaftaran": "Pengajuan",
          "Permohonan": "Pengajuan", "Perpanjangan": "Perpanjang",
          "Informasi": "Layanan informasi", " dan ": " & "}
# fmt: on


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def _p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(values), ordered[int(round(0.95 * (len(ordered) - 1)))]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _localised(text: str, regency: str) -> str:
    """A demo text (of Kabupaten Majalengka) as another regency's."""
    short = regency.removeprefix("Kabupaten ").removeprefix("Kota ")
    return text.replace("Kabupaten Majalengka", regency).replace("Majalengka", short)


def _copy(row, **changes):
    """An unsaved copy of a model row, with some fields changed."""
    fields = [f.attname for f in row._meta.concrete_fields if not f.primary_key]
    return type(row)(**({f: getattr(row, f) for f in fields} | changes))


def _tag(region) -> str:
    return region.code.replace(".", "-")


def _lower(name: str) -> str:
    return name[0].lower() + name[1:] if not name[:2].isupper() else name


def regional_name(name: str, regency: str, rng: random.Random) -> str:
    """The service's name as one region might publish it."""
    pick = rng.random()
    if pick < 0.35:
        return name
    if pick < 0.55:
        return f"Pelayanan {_lower(name)}"
    if pick < 0.70:
        return f"{name} {regency}"
    swapped = name
    for old, new in _SWAPS.items():
        swapped = swapped.replace(old, new)
    if swapped == name:
        return f"Layanan {_lower(name)}"
    return swapped if pick < 0.85 else f"Layanan {_lower(swapped)}"


def grow_catalogue(target: int) -> dict:
    """Copy the demo mall's own (non-shared) agencies into one mall per regency, with bulk
    inserts, until `target` services exist. Returns the counts."""
    from django.db import transaction
    from django.utils.text import slugify

    from mpp.catalog.models import Agency, Booth, Mall, Offering, Service
    from mpp.core.models import Region

    booths = list(Booth.objects.filter(mall__code=MALL).select_related("agency").order_by("pk"))
    offered = {
        b.pk: list(Service.objects.filter(offerings__booth=b).order_by("pk")) for b in booths
    }
    own = [b for b in booths if b.agency.code not in SHARED]
    wanted = -(-max(0, target - Service.objects.count()) // sum(len(offered[b.pk]) for b in own))
    used = set(Mall.objects.filter(offerings__isnull=False).values_list("regency_id", flat=True))
    regencies = [r for r in Region.objects.filter(level=2).order_by("code") if r.code not in used]
    regencies = regencies[:wanted]
    malls = {m.regency_id: m for m in Mall.objects.filter(regency__in=regencies).order_by("pk")}
    new_malls = [
        Mall(code=f"mpp-{slugify(r.name)}-{_tag(r)}", name=f"MPP {r.name}", regency=r, status=OPEN)
        for r in regencies
        if r.code not in malls
    ]
    with transaction.atomic():
        malls.update((m.regency_id, m) for m in Mall.objects.bulk_create(new_malls))
        keys = [(r, b.agency) for r in regencies for b in own]
        made = [
            _copy(a, code=f"{a.code.removesuffix('-majalengka')}-{_tag(r)}", regency_id=r.code)
            for r, a in keys
        ]
        for (r, a), copy in zip(keys, made, strict=True):
            copy.name, copy.short_name = (
                _localised(a.name, r.name),
                _localised(a.short_name, r.name),
            )
        Agency.objects.bulk_create(made, batch_size=1000)
        agencies = {(r.code, a.code): m for (r, a), m in zip(keys, made, strict=True)}
        services, booth_rows, plan = [], [], []
        for r in regencies:
            rng = random.Random(r.code)
            for b in booths:
                agency = agencies.get((r.code, b.agency.code), b.agency)  # shared: the same
                name = _localised(b.name, r.name)
                booth_rows.append(
                    _copy(b, mall_id=malls[r.code].pk, agency_id=agency.pk, name=name)
                )
                items = offered[b.pk]
                if agency is not b.agency:
                    items = [
                        _copy(s, agency_id=agency.pk, code=f"{s.code}-{_tag(r)}") for s in items
                    ]
                    for copy, s in zip(items, offered[b.pk], strict=True):
                        copy.name = regional_name(s.name, r.name, rng)
                        copy.description = _localised(s.description, r.name)
                    services.extend(items)
                plan.append(items)
        Service.objects.bulk_create(services, batch_size=1000)
        booth_rows = Booth.objects.bulk_create(booth_rows, batch_size=1000)
        Offering.objects.bulk_create(
            (
                Offering(mall_id=booth.mall_id, booth=booth, service=s, sort_order=i)
                for booth, items in zip(booth_rows, plan, strict=True)
                for i, s in enumerate(items)
            ),
            batch_size=2000,
        )
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as autovacuum would make
        cursor.execute("ANALYZE")
    counts = {m.__name__.lower(): m.objects.count() for m in (Service, Agency, Offering)}
    return counts | {"mall": Mall.objects.filter(offerings__isnull=False).distinct().count()}


def _latencies(rows, mall_id, repeat: int) -> dict:
    """service_search latencies (as is, and without listing the hits' places), ranking-only
    latencies, places counted per query (place_count), top-1 and a rankings digest."""
    from mpp.search import index, selectors
    from mpp.search.evaluation import DEPTH, evaluate
    from mpp.search.text import analyse_tokens, tokenize

    report = evaluate(rows, mall_id=mall_id, repeat=repeat)
    snapshot, corrector = index.current()
    ranking, places = [], []
    for row in rows:
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            tokens, _ = corrector.correct(tokenize(row.query))
            snapshot.ranked_groups(analyse_tokens(tokens), limit=DEPTH, mall_id=mall_id)
            timings.append(_ms(started))
        ranking.append(statistics.median(timings))
        hits = selectors.service_search(query=row.query, mall_id=mall_id, limit=DEPTH).hits
        places.append(sum(hit.place_count for hit in hits))
    # The same searches without reading the shown places from the database: the part of
    # the latency that comes from the results contract, not from the index.
    listing, selectors._offered = selectors._offered, lambda pairs: {}
    try:
        bare = evaluate(rows, mall_id=mall_id, repeat=repeat)
    finally:
        selectors._offered = listing
    digest = hashlib.sha256(json.dumps(report.rankings, sort_keys=True).encode()).hexdigest()
    return {  # (p50, p95) pairs
        "search_ms": (report.p50, report.p95),
        "bare_ms": (bare.p50, bare.p95),
        "rank_ms": _p50_p95(ranking),
        "places": _p50_p95(places),
        "top1": report.overall.as_dict()["top1"],
        "digest": digest[:16],
    }


def cold() -> None:
    """A fresh server worker (--cold): Django set up, the index loaded, a first query."""
    started = time.perf_counter()
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    django.setup()
    from mpp.search import index
    from mpp.search.selectors import service_search

    figures = {"setup_s": time.perf_counter() - started}
    gc.collect()
    rss, started = _rss_mb(), time.perf_counter()
    index.current()
    figures["load_s"] = time.perf_counter() - started
    gc.collect()
    figures["rss_growth_mb"], started = _rss_mb() - rss, time.perf_counter()
    service_search(query="bikin ktp hilang", mall_id=None)
    print(json.dumps(figures | {"first_query_ms": _ms(started)}))


def measure(rows, mall_id: int, repeat: int, cold_runs: int) -> dict:
    from mpp.catalog.models import Service
    from mpp.search import index
    from mpp.search.evaluation import evaluate
    from mpp.search.services import search_index_rebuild

    started = time.perf_counter()
    search_index_rebuild()
    figures = {"services": Service.objects.count(), "rebuild_s": time.perf_counter() - started}
    index.forget()
    gc.collect()
    tracemalloc.start()
    index.current()
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures |= {"traced_mb": held / 2**20, "traced_peak_mb": peak / 2**20}
    evaluate(rows[:20], mall_id=mall_id)  # warm up: tables, place names
    figures["mall"] = _latencies(rows, mall_id, repeat)
    figures["national"] = _latencies(rows, None, repeat)
    runs = []
    for _ in range(cold_runs):
        out = subprocess.run([sys.executable, __file__, "--cold"], capture_output=True, cwd=ROOT)
        runs.append(json.loads(out.stdout.splitlines()[-1]))
    figures["cold"] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    return figures


# (statements making the index, insert, match of a query's terms OR-ed)
# fmt: off
_FTS = {
    "sqlite": (["CREATE VIRTUAL TABLE bench_fts USING fts5(body, content='')"],
               "INSERT INTO bench_fts(rowid, body) VALUES (%s, %s)", "bench_fts MATCH %s"),
    "postgres": (["CREATE TABLE bench_fts (rowid bigint PRIMARY KEY, body tsvector)",
                  "CREATE INDEX bench_fts_body ON bench_fts USING gin (body)"],
                 "INSERT INTO bench_fts VALUES (%s, to_tsvector('simple', %s))",
                 "bench_fts.body @@ to_tsquery('simple', %s)"),
}
# fmt: on


def fts_candidates(db: str, rows) -> dict:
    """Full-text candidates on the scratch database: every service holding a query term
    (what BM25F must score to rank exactly), and their documents read back to rank."""
    from django.db import connection, transaction

    from mpp.search import index
    from mpp.search.models import SearchDocument
    from mpp.search.text import analyse_tokens, tokenize

    create, insert, match = _FTS[db]
    stored = SearchDocument.objects.values_list("service_id", "terms").iterator(2000)
    bodies = [(sid, " ".join(t for f in terms.values() for t in f)) for sid, terms in stored]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in ["DROP TABLE IF EXISTS bench_fts", *create]:
            cursor.execute(sql)
        cursor.executemany(insert, bodies)
    figures = {"build_s": time.perf_counter() - started}
    fetch = "SELECT d.terms FROM search_searchdocument d JOIN bench_fts ON bench_fts.rowid"
    fetch += " = d.service_id"
    _, corrector = index.current()
    counts, match_ms, fetch_ms = [], [], []
    with connection.cursor() as cursor:
        for row in rows:
            terms = dict.fromkeys(analyse_tokens(corrector.correct(tokenize(row.query))[0]))
            query = " OR ".join(f'"{t}"' for t in terms) if db == "sqlite" else " | ".join(terms)
            started = time.perf_counter()
            cursor.execute(f"SELECT rowid FROM bench_fts WHERE {match}", [query])
            counts.append(len(cursor.fetchall()))
            match_ms.append(_ms(started))
            started = time.perf_counter()
            cursor.execute(f"{fetch} WHERE {match}", [query])
            for (document,) in cursor:  # decoded as the index loader would
                json.loads(document) if isinstance(document, str) else document
            fetch_ms.append(_ms(started))
    figures |= {"candidates": _p50_p95(counts), "match_ms": _p50_p95(match_ms)}
    return figures | {"fetch_ms": _p50_p95(fetch_ms)}


# (label, path to the figure in a run, format); latencies and counts are (p50, p95) pairs
# fmt: off
_LINES = [
    ("documents rebuild (s)", ("rebuild_s",), "{:.2f}"),
    ("index held, tracemalloc (MB)", ("traced_mb",), "{:.1f}"),
    ("peak while loading, tracemalloc (MB)", ("traced_peak_mb",), "{:.1f}"),
    *((f"{scope}: {label}", (scope, *key), fmt) for scope in ("mall", "national")
      for label, key, fmt in (
          ("search p50 (ms)", ("search_ms", 0), "{:.2f}"),
          ("search p95 (ms)", ("search_ms", 1), "{:.2f}"),
          ("no places listed p95 (ms)", ("bare_ms", 1), "{:.2f}"),
          ("ranking only p95 (ms)", ("rank_ms", 1), "{:.2f}"),
          ("places counted p50 / p95", ("places",), "{0[0]:.0f} / {0[1]:.0f}"),
          ("top-1", ("top1",), "{:.3f}"))),
    ("cold: Django setup (s)", ("cold", "setup_s"), "{:.2f}"),
    ("cold: index load (s)", ("cold", "load_s"), "{:.2f}"),
    ("cold: RSS growth on load (MB)", ("cold", "rss_growth_mb"), "{:.1f}"),
    ("cold: first query (ms)", ("cold", "first_query_ms"), "{:.1f}"),
]
# fmt: on


def show(db: str, runs: list[dict]) -> None:
    big = runs[-1]
    print(f"\n[{db}] {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"  {'services':<38}" + "".join(f"{r['services']:>14}" for r in runs) + "    ratio")
    for label, path, fmt in _LINES:
        values = [reduce(lambda figure, step: figure[step], path, r) for r in runs]
        first, last = (v if isinstance(v, int | float) else v[1] for v in (values[0], values[-1]))
        ratio = last / first if first else float("inf")
        print(f"  {label:<38}{''.join(f'{fmt.format(v):>14}' for v in values)}{ratio:>8.1f}x")
    for r in runs:
        print(f"  digests at {r['services']}: mall {r['mall']['digest']}", end=", ")
        print(f"national {r['national']['digest']}")
    memory = max(big["traced_mb"], big["cold"]["rss_growth_mb"])
    for name, value, bar, unit in (
        ("p95 national", big["national"]["search_ms"][1], BARS["p95_national_ms"], "ms"),
        ("index memory", memory, BARS["index_mb"], "MB"),
        ("cold load", big["cold"]["load_s"], BARS["cold_load_s"], "s"),
    ):
        verdict = "holds" if value <= bar else "FAILS"
        print(f"  bar {name}: {value:.2f} {unit} (<= {bar:g} {unit}) {verdict}")
    print(f"  (p95 national, shown places not read: {big['national']['bare_ms'][1]:.2f} ms)")
    if "fts" in big:
        f = big["fts"]
        print(f"  full-text at {big['services']}: built in {f['build_s']:.1f} s", end="; ")
        print("candidates p50 {:.0f}, p95 {:.0f}".format(*f["candidates"]), end="; ")
        print("match p50 {:.1f} ms, p95 {:.1f} ms".format(*f["match_ms"]), end="; ")
        print("match + read documents p50 {:.1f} ms, p95 {:.1f} ms".format(*f["fetch_ms"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("-n", "--services", type=int, default=25_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per query (median)")
    ap.add_argument("--cold-runs", type=int, default=3, help="cold worker starts (median)")
    ap.add_argument("--fts", action="store_true", help="also measure full-text candidates")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cold:
        return cold()
    scratch_demo(args.db, name=DB_NAME, region_depth=2)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    django.setup()
    from mpp.catalog.models import Mall
    from mpp.search.evaluation import labelled_queries

    rows = labelled_queries(QUERIES)
    mall = Mall.objects.get(code=MALL)
    runs = [measure(rows, mall.pk, args.repeat, args.cold_runs)]
    started = time.perf_counter()
    counts = grow_catalogue(args.services)
    print(f"grown in {time.perf_counter() - started:.1f} s: {counts}")
    runs.append(measure(rows, mall.pk, args.repeat, args.cold_runs))
    if args.fts:
        runs[-1]["fts"] = fts_candidates(args.db, rows)
    show(args.db, runs)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
