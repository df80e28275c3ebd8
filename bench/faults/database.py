"""Fault injection for the database connection pool: connections killed during a rush.

A scratch database with the demo (PostgreSQL `mpp_database_faults`, or a SQLite file),
one demo service with a known quota, `mpp serve` in a subprocess, and a booking rush
over HTTP (as bench/booking_rush.py: distinct valid NIKs, every request with an
Idempotency-Key, retried with the same key after a 503 (waiting its Retry-After) or a
broken connection, another slot after slot_full). Meanwhile every connection of the
scratch database is killed again and again (pg_terminate_backend, the server's pooled
connections and the ones in use). Then, with the rush over, the pool is filled by a
burst of reads, every connection killed once more, and 30 reads in a row must all
answer 200 (before: one 500 per pooled connection, up to 20).

Checked: 0 answers 500 (503 with Retry-After is allowed: the client waits and
retries), 0 lost bookings (answered 201 but not in the database), 0 duplicated (an
Idempotency-Key that gave two booking codes, a NIK with two bookings for the day, a
slot with more bookings than places or a slot counter that disagrees with its
bookings), replays identical to the first answer, and no traceback in the server log.
The cost of the pool's connection check (one empty query per borrowed connection)
is measured and printed. SQLite has no server whose connections can be killed: there
the rush runs without kills, and that is said.

    .venv/bin/python bench/faults/database.py [--short] [--db sqlite|postgres]
    .venv/bin/python -m bench.faults.database --short
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Run as a script, this folder is first on sys.path: a sibling part (redis.py) would
# shadow the real package. The repository root takes its place.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.booking_rush import MALL, SERVICE, make_niks, phone, setup, wait_ready  # noqa: E402
from bench.faults.common import scratch_env  # noqa: E402
from bench.rawhttp import Connection, TransportError  # noqa: E402
from bench.tickets import MPP, free_port  # noqa: E402

PART = "database"
DB_NAME = "mpp_database_faults"

VERIFY = """
import json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
from django.db.models import Count
from mpp.bookings.models import Booking, Slot
p = json.loads(sys.argv[1])
qs = Booking.objects.filter(offering_id=p["offering"], date=p["date"])
codes = set(qs.values_list("code", flat=True))
per_nik = qs.values("nik_digest").annotate(n=Count("pk")).filter(n__gt=1).count()
over = 0
for slot in Slot.objects.filter(offering_id=p["offering"], date=p["date"]):
    n = qs.filter(slot=slot).count()
    over += int(n > slot.online_capacity or n != slot.online_booked)
print(json.dumps({"codes": sorted(codes), "niks_twice": per_nik, "slots_wrong": over}))
"""


def prepare(db: str) -> dict:
    extra = {
        "MPP_LOG_LEVEL": "WARNING",  # the server's own count of 503s and lost connections
        "MPP_RATELIMIT_PREFIX": f"rl-dbf-{uuid.uuid4().hex[:8]}",
        "MPP_RATE_BOOKING_IP": "0",  # the rush comes from one address
        "MPP_RATE_BOOKING_NIK": "0",
    }
    return scratch_env(db, name=DB_NAME, load=["demo", "--no-serve"], extra=extra)


class Killer(threading.Thread):
    """Kills every connection to the scratch database every `every` seconds."""

    def __init__(self, url: str, every: float) -> None:
        super().__init__(daemon=True)
        self.url, self.every = url, every
        self.kills = self.killed = 0
        self.stop = threading.Event()

    def kill_all(self) -> int:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                (DB_NAME,),
            ).fetchall()
        self.kills += 1
        self.killed += len(rows)
        return len(rows)

    def run(self) -> None:
        while not self.stop.wait(self.every):
            self.kill_all()


class Rush:
    """People booking with Idempotency-Keys; every answer is counted."""

    def __init__(self, port: int, date: str, slots: list[str], seed: int) -> None:
        self.port, self.date, self.slots = port, date, slots
        self.path = f"/api/v1/malls/{MALL}/bookings"
        self.rng = random.Random(seed)
        self.statuses: Counter = Counter()
        self.codes: Counter = Counter()
        self.by_key: dict[str, set[str]] = {}
        self.accepted: list[str] = []
        self.transport_errors = 0
        self.replays_differ = 0
        self.gave_up = 0

    async def post(self, conn: Connection, payload: dict, key: str):
        for _attempt in range(12):
            try:
                response = await conn.request("POST", self.path, payload, {"Idempotency-Key": key})
            except (OSError, asyncio.IncompleteReadError, TransportError):
                self.transport_errors += 1
                await conn.close()
                await asyncio.sleep(0.5)
                continue
            self.statuses[response.status] += 1
            if response.status != 201:
                self.codes[response.json().get("code")] += 1
            if response.status == 201:
                code = response.json()["code"]
                self.by_key.setdefault(key, set()).add(code)
            busy = response.status == 409 and b"idempotency_in_progress" in response.content
            if response.status != 503 and not busy:
                return response
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
        self.gave_up += 1
        return None

    async def person(self, conn: Connection, nik: str) -> None:
        payload = {
            "service": SERVICE,
            "date": self.date,
            "slot": self.rng.choice(self.slots),
            "nik": nik,
            "name": "Warga " + nik[-4:],
            "phone": phone(self.rng),
        }
        tried = set()
        while True:
            tried.add(payload["slot"])
            key = str(uuid.uuid4())
            response = await self.post(conn, payload, key)
            if response is None:
                return
            if response.status == 201:
                self.accepted.append(response.json()["code"])
                if self.rng.random() < 0.3:  # the answer "was lost": the same key again
                    again = await self.post(conn, payload, key)
                    if again is not None and again.content != response.content:
                        self.replays_differ += 1
                return
            if response.status == 409 and response.json().get("code") == "slot_full":
                left = [s for s in self.slots if s not in tried]
                if not left:
                    return
                payload = {**payload, "slot": self.rng.choice(left)}
                continue
            return

    async def run(self, niks: list[str], k: int) -> None:
        queue = iter(niks)

        async def client() -> None:
            conn = Connection("127.0.0.1", self.port)
            for nik in queue:
                await self.person(conn, nik)
            await conn.close()

        await asyncio.gather(*(client() for _ in range(k)))


async def reads(port: int, n: int, concurrent: int) -> Counter:
    """n GETs that read the database, `concurrent` at a time; their statuses."""
    statuses: Counter = Counter()
    path = f"/api/v1/malls/{MALL}/services"
    todo = iter(range(n))

    async def client() -> None:
        conn = Connection("127.0.0.1", port)
        for _ in todo:
            try:
                statuses[(await conn.request("GET", path)).status] += 1
            except (OSError, asyncio.IncompleteReadError, TransportError):
                statuses[0] += 1
                await conn.close()
        await conn.close()

    await asyncio.gather(*(client() for _ in range(concurrent)))
    return statuses


def check_cost(url: str, n: int = 2000) -> float:
    """Microseconds of one pool check (psycopg_pool's check_connection: an empty query)."""
    import psycopg
    from psycopg_pool import ConnectionPool

    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        for _ in range(n):
            ConnectionPool.check_connection(conn)
        return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short", action="store_true", help="the short form CI runs (< 90 s)")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # `timeout` still stops the server
    per_slot, slots, people, k, every = (
        (10, 6, 300, 32, 0.5) if args.short else (25, 8, 900, 60, 0.5)
    )
    postgres = args.db == "postgres"

    env = prepare(args.db)
    info = setup(env, per_slot, slots)["rush"]
    niks = make_niks(people, random.Random(args.seed))
    port = free_port()
    log_path = Path(env["MPP_VAR_DIR"]) / "server.log"
    log = open(log_path, "w")  # noqa: SIM115
    server = subprocess.Popen(
        [MPP, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    killer = Killer(env.get("DATABASE_URL", ""), every) if postgres else None
    started = time.monotonic()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        day = httpx.get(f"{base}/api/v1/malls/{MALL}/services/{SERVICE}/slots?date={info['date']}")
        slot_starts = [s["start"] for s in day.json()["slots"]]
        rush = Rush(port, info["date"], slot_starts, args.seed)
        if killer:
            killer.start()
        print(f"rush: {len(niks)} people, {k} clients", flush=True)
        asyncio.run(asyncio.wait_for(rush.run(niks, k), 240))
        if killer:
            killer.stop.set()
            killer.join()
        # The pool full of connections, all killed at once, then reads one after another.
        asyncio.run(reads(port, 200, 20))
        if killer:
            killer.kill_all()
        after_kill = asyncio.run(reads(port, 30, 1))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    took = time.monotonic() - started

    params = json.dumps({"offering": info["offering_id"], "date": info["date"]})
    out = subprocess.run(
        [sys.executable, "-c", VERIFY, params], env=env, cwd=ROOT, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    stored = json.loads(out.stdout.strip().splitlines()[-1])
    server_log = log_path.read_text()
    tracebacks = server_log.count("Traceback")
    unavailable = server_log.count("database unavailable:")
    retried = server_log.count("request retried")
    unreleased = server_log.count("could not be released")
    lost_conns = server_log.count("discarding closed connection")
    cost = check_cost(env["DATABASE_URL"]) if postgres else None
    if postgres:
        subprocess.run(
            ["psql", env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", "-qc",
             f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"], check=False,
        )  # fmt: skip
    shutil.rmtree(env["MPP_VAR_DIR"], ignore_errors=True)

    in_db = set(stored["codes"])
    lost = sum(1 for code in set(rush.accepted) if code not in in_db)
    keys_twice = sum(1 for codes in rush.by_key.values() if len(codes) > 1)
    duplicated = keys_twice + stored["niks_twice"] + stored["slots_wrong"]
    errors_500 = sum(n for s, n in rush.statuses.items() if s >= 500 and s != 503)
    errors_500 += sum(n for s, n in after_kill.items() if s >= 500 and s != 503)
    capacity = per_slot * slots
    print(f"database: {args.db}, {people} people for {capacity} places, {k} clients, {took:.1f} s")
    if killer:
        print(f"kills: {killer.kills} rounds, {killer.killed} connections terminated")
    else:
        print("kills: none (SQLite has no server connections to kill)")
    print(f"booking answers: {dict(sorted(rush.statuses.items()))}")
    print(f"refusal codes: {dict(rush.codes.most_common())}")
    print(f"503 (database_unavailable/overloaded, retried after Retry-After): {rush.statuses[503]}")
    print(f"broken client connections (retried with the same key): {rush.transport_errors}")
    print(f"accepted {len(rush.accepted)}, in the database {len(in_db)}, lost {lost}")
    print(f"keys with two bookings {keys_twice}, NIKs with two {stored['niks_twice']}, "
          f"slots overbooked or miscounted {stored['slots_wrong']}")  # fmt: skip
    print(f"replays not identical: {rush.replays_differ}, clients that gave up: {rush.gave_up}")
    print(f"reads after killing a full pool: {dict(sorted(after_kill.items()))}")
    print(f"server: {retried} requests retried after a lost connection, {lost_conns} "
          "connections found dead when given back")  # fmt: skip
    print(f"server: {unavailable} requests answered 503 database_unavailable, "
          f"{unreleased} idempotency claims not released")  # fmt: skip
    print(f"server log tracebacks: {tracebacks}")
    if cost is not None:
        print(f"pool check cost: {cost:.0f} us per borrowed connection (one empty query)")
    ok = (
        lost == 0
        and duplicated == 0
        and errors_500 == 0
        and rush.replays_differ == 0
        and rush.gave_up == 0
        and after_kill.get(200, 0) == 30
        and len(in_db) == capacity  # sold out: no place lost either
        and tracebacks == 0
        and (killer is None or killer.killed > 0)
    )
    print("database check:", "PASS" if ok else "FAIL")
    checked = "bookings while connections were killed" if postgres else "bookings (no kills)"
    print(f"faults {PART}: {checked}; lost {lost}, duplicated {duplicated}, 500s {errors_500}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
