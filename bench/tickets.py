"""Walk-in ticket issuing under load: N tickets from K concurrent HTTP clients.

Starts a fresh database (SQLite file, or a scratch PostgreSQL database), loads the
demo, starts `mpp serve`, and fires POST /api/v1/malls/{mall}/tickets from K
concurrent clients, each a registered kiosk of the mall with its own credential
(X-Device-Key, mpp.devices: anonymous calls are refused). Prints throughput, p50/p99
latency, status counts and a uniqueness check. The baseline, measured in the same run
on the same database, is the same `ticket_issue` transaction called directly in one
process without HTTP; the ratio says what the HTTP/ASGI stack costs on top of the engine. A second
baseline does all the database work of the API handler in one process (mall lookup,
the transaction, the response's queue-position reads, a new connection per ticket),
and the CPU the server and this load generator used per ticket is printed too: the
generator runs on the same machine and takes its share of the cores. The per-kiosk
rate limit (MPP_RATE_DEVICE_TICKETS, 30 a minute) is turned off in the server: a real
kiosk prints a ticket every few seconds at most, this one hundreds a second.

    .venv/bin/python bench/tickets.py --db sqlite -n 2000 -k 32
    .venv/bin/python bench/tickets.py --db postgres -n 2000 -k 32 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MPP = str(Path(sys.executable).with_name("mpp"))
MALL = "mpp-kabupaten-majalengka"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_env(db: str) -> dict:
    env = {**os.environ, "MPP_LOG_LEVEL": "ERROR"}
    env.pop("REDIS_URL", None)
    var = tempfile.mkdtemp(prefix="mpp-bench-")
    env["MPP_VAR_DIR"] = var
    if db == "postgres":
        name = "mpp_bench"
        base = os.environ.get("BENCH_PG", "postgres://postgres@localhost:5432")
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = f"{base}/{name}"
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run(
        [MPP, "demo", "--no-serve"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    env["MPP_RATE_DEVICE_TICKETS"] = "0"  # see the module's docstring
    return env


def register_kiosks(env: dict, k: int) -> list[str]:
    """Register k kiosks of the mall (mpp.devices); their credentials, one per client.

    The scratch mall is also set open around the clock, every day: tickets are refused
    outside opening hours, and the benchmark runs whenever it is started."""
    code = f"""
import datetime as dt, json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
from mpp.catalog.models import Mall, OpeningHours
from mpp.devices.services import device_register
mall = Mall.objects.get(code={MALL!r})
OpeningHours.objects.filter(mall=mall).delete()
for weekday in range(7):
    OpeningHours.objects.create(mall=mall, weekday=weekday, opens=dt.time(0),
                                closes=dt.time(23, 59))
keys = [device_register(mall=mall, kind="kiosk", name=f"bench {{i}}")[1] for i in range({k})]
print(json.dumps(keys))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline(env: dict, n: int, codes: list[str]) -> tuple[float, float]:
    """Tickets per second in one process without HTTP: (the `ticket_issue` transaction alone,
    all the database work of the API handler).

    The handler's work is the mall lookup, the same transaction and the response's reads
    (place in the queue, wait estimate), on a new connection each time as in a request
    (CONN_MAX_AGE=0). The difference between the two is the handler's own reads; the rest
    of the gap to the HTTP figure is the HTTP/ASGI/Django stack (and the shared CPU).
    """
    code = f"""
import os, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
from django.db import connection
from mpp.api.lookups import mall_or_404
from mpp.api.render import ticket_out
from mpp.queueing.services import ticket_issue
mall = mall_or_404({MALL!r})
codes = {codes!r}
t0 = time.perf_counter()
for i in range({n}):
    ticket_issue(mall=mall, service_code=codes[i % len(codes)], source="api")
print({n} / (time.perf_counter() - t0))
t0 = time.perf_counter()
for i in range({n}):
    found = mall_or_404({MALL!r})
    ticket = ticket_issue(mall=found, service_code=codes[i % len(codes)], source="api")
    ticket_out(ticket, reload=False)
    connection.close()
print({n} / (time.perf_counter() - t0))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"the baseline failed:\n{out.stderr[-2000:]}")
    direct, handler = out.stdout.strip().splitlines()[-2:]
    return float(direct), float(handler)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants so far (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += [child for child, parent in parents.items() if parent == current]
    return total


async def fire(
    base: str, n: int, k: int, codes: list[str], keys: list[str]
) -> tuple[list, list, float]:
    latencies: list[float] = []
    results: list[tuple[int, dict | None]] = []
    counter = iter(range(n))
    limits = httpx.Limits(max_connections=k, max_keepalive_connections=k)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker(key: str):
            headers = {"X-Device-Key": key}  # this client is one registered kiosk
            for i in counter:
                body = {
                    "service": codes[i % len(codes)],
                    "priority": "elderly" if i % 10 == 0 else "regular",
                }
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        f"/api/v1/malls/{MALL}/tickets", json=body, headers=headers
                    )
                    latencies.append(time.perf_counter() - t0)
                    kept = r.status_code in (201, 409)
                    results.append((r.status_code, r.json() if kept else None))
                except httpx.HTTPError as exc:
                    latencies.append(time.perf_counter() - t0)
                    results.append((0, {"error": repr(exc)}))

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(keys[i % len(keys)]) for i in range(k)))
        elapsed = time.perf_counter() - t0
    return latencies, results, elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("-n", type=int, default=2000, help="tickets to issue over HTTP")
    ap.add_argument("-k", type=int, default=32, help="concurrent HTTP clients")
    ap.add_argument("--workers", type=int, default=1, help="server processes (uvicorn)")
    ap.add_argument("--baseline-n", type=int, default=1000)
    args = ap.parse_args()

    env = prepare_env(args.db)
    keys = register_kiosks(env, args.k)
    port = free_port()
    server = subprocess.Popen(
        [MPP, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/malls", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        services = httpx.get(f"{base}/api/v1/malls/{MALL}/services").json()
        codes = [s["code"] for s in services][:12]
        asyncio.run(fire(base, min(50, args.n), 4, codes, keys))  # warm-up, not counted
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        latencies, results, elapsed = asyncio.run(fire(base, args.n, args.k, codes, keys))
        server_cpu = cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        server.terminate()
        server.wait(timeout=20)

    statuses = Counter(code for code, _ in results)
    created = [body for code, body in results if code == 201]
    numbers = Counter(body["number"] for body in created)
    duplicates = sum(c - 1 for c in numbers.values() if c > 1)
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        prefix, seq = number.rsplit("-", 1)
        by_prefix[prefix].append(int(seq))
    gaps = 0
    for seqs in by_prefix.values():
        seqs.sort()
        gaps += sum(b - a - 1 for a, b in zip(seqs, seqs[1:], strict=False))

    http_rate = len(created) / elapsed
    direct_rate, handler_rate = baseline(env, args.baseline_n, codes)
    shutil.rmtree(env["MPP_VAR_DIR"], ignore_errors=True)  # the scratch SQLite file
    report = {
        "db": args.db,
        "tickets": args.n,
        "clients": args.k,
        "server_workers": args.workers,
        "status_counts": dict(statuses),
        "created": len(created),
        "duplicate_numbers": duplicates,
        "gaps_inside_warm_run": gaps,
        "throughput_per_s": round(http_rate, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "server_cpu_ms_per_ticket": round(server_cpu / len(results) * 1000, 2),
        "client_cpu_ms_per_ticket": round(client_cpu / len(results) * 1000, 2),
        "baseline_direct_per_s": round(direct_rate, 1),
        "ratio_http_vs_direct": round(http_rate / direct_rate, 3),
        "baseline_handler_db_work_per_s": round(handler_rate, 1),
        "ratio_http_vs_handler_db_work": round(http_rate / handler_rate, 3),
    }
    print(json.dumps(report, indent=2))
    # A service with online booking keeps a walk-in quota: once it is used up, its
    # tickets are refused (409 walkin_full) by design. Every other answer must be 201.
    quota = sum(1 for code, body in results if code == 409 and body["code"] == "walkin_full")
    ok = duplicates == 0 and statuses.get(201, 0) + quota == args.n
    print(f"refused by the walk-in quota (409 walkin_full): {quota}")
    print("uniqueness check:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
