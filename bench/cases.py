"""The cases pages at 10,000 cases: the officer's work queue and the citizen's case page.

Loads the demo into a database of its own (PostgreSQL by default: BENCH_PG, database
mpp_bench_cases, dropped and made again), then seeds N cases (10,000) over S services
(50) of the demo mall with bulk_create: each service gets an application type with five
form fields and two required documents; the cases are spread over every status (most
open, some overdue), each with its history (about 3.5 events) and, once submitted, its
two documents. Then `mpp serve` runs and, over real HTTP with keep-alive connections:

- the officer's queue page, GET /staff/cases/?booth=<the busiest booth> (the signed-in
  officer of that booth: a session made with Django's test client's force_login);
- the citizen's case page, GET /cases/<number>/, after opening each of 20 cases with
  its number and the last four digits of its NIK (POST /cases/open/, as a citizen does);

R requests each (after a warm-up), from K concurrent clients. Prints p50/p95/p99 per
page and, measured in the same run on the same database, a baseline: the same rows read
with plain indexed SELECTs over one psycopg connection (the queue's first 50 open cases
and its counts per status; the case, its events and its documents), and the ratio page /
SELECT. Exits non-zero when a page's p95 is above 50 ms or an answer is not 200.

    .venv/bin/python bench/cases.py
    .venv/bin/python bench/cases.py -n 10000 --services 50 -r 500 -k 1 --workers 1
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.booking_rush import make_niks, phone, wait_ready  # noqa: E402
from bench.rawhttp import Connection  # noqa: E402
from bench.tickets import MALL, MPP, ROOT, cpu_seconds, free_port, percentile  # noqa: E402

DB_NAME = "mpp_bench_cases"
P95_LIMIT_MS = 50.0
OPENED = 20  # cases the citizen opens (citizen_session keeps at most 20 per browser)
QUEUE_ROWS = 50  # rows of the baseline's queue read
OPEN_STATUSES = ("submitted", "verification", "returned", "processing", "ready")

# Status mix of the seeded cases (weights), and the steps each status went through.
STATUS_WEIGHTS = {
    "draft": 5, "submitted": 20, "verification": 18, "returned": 6, "processing": 18,
    "ready": 6, "completed": 20, "rejected": 4, "withdrawn": 3,
}  # fmt: skip
PATHS = {
    "draft": [],
    "submitted": ["submitted"],
    "verification": ["submitted", "verification"],
    "returned": ["submitted", "verification", "returned"],
    "processing": ["submitted", "verification", "processing"],
    "ready": ["submitted", "verification", "processing", "ready"],
    "completed": ["submitted", "verification", "processing", "ready", "completed"],
    "rejected": ["submitted", "verification", "rejected"],
    "withdrawn": ["submitted", "withdrawn"],
}
OFFICER_STEPS = {"verification", "processing", "ready", "completed", "rejected", "returned"}


# Set-up ---------------------------------------------------------------------------------


def prepare_env() -> dict:
    """A scratch PostgreSQL database with the demo, and the environment of every process."""
    env = {**os.environ, "MPP_LOG_LEVEL": "ERROR"}
    env.pop("REDIS_URL", None)
    env["MPP_VAR_DIR"] = tempfile.mkdtemp(prefix="mpp-bench-cases-")
    env["MPP_RATELIMIT_PREFIX"] = f"rl-bench-cases-{secrets.token_hex(4)}"
    base = os.environ.get("BENCH_PG", "postgres://postgres@localhost:5432")
    env["DATABASE_URL"] = f"{base}/{DB_NAME}"
    for sql in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
    subprocess.run(
        [MPP, "demo", "--no-serve"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    return env


def seed_in_subprocess(env: dict, params: dict) -> dict:
    """Run `seed` (below) in a child process with the bench's environment; its JSON."""
    out = subprocess.run(
        [sys.executable, __file__, "--seed-params", json.dumps(params)],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(f"seeding failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


FIELDS = [  # key, kind, label: the form every seeded application type asks
    ("nama_lengkap", "text", "Nama lengkap sesuai KTP"),
    ("tanggal_lahir", "date", "Tanggal lahir"),
    ("alamat", "long_text", "Alamat tempat tinggal"),
    ("jumlah_salinan", "number", "Jumlah salinan"),
    ("keperluan", "choice", "Keperluan"),
]
CHOICES = "pribadi|Keperluan pribadi|Personal\nkerja|Pekerjaan|Work\nsekolah|Sekolah|School"
DOCUMENTS = [("ktp", "KTP-el pemohon"), ("kk", "Kartu Keluarga")]


def _answers(rng: random.Random, name: str) -> dict:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45))
    return {
        "nama_lengkap": name,
        "tanggal_lahir": born.isoformat(),
        "alamat": f"Jl. Siliwangi No. {rng.randrange(1, 200)}, RT 0{rng.randrange(1, 9)}/RW 0"
        f"{rng.randrange(1, 9)}, Majalengka",
        "jumlah_salinan": rng.randrange(1, 4),
        "keperluan": rng.choice(["pribadi", "kerja", "sekolah"]),
    }


def _case_types(mall, count: int) -> list:
    """`count` offerings of the mall with an application type each (made when missing)."""
    from mpp.cases.models import CaseField, CaseType, DocumentRequirement
    from mpp.catalog.models import Offering

    offerings = list(
        Offering.objects.filter(mall=mall, is_active=True, service__is_active=True)
        .select_related("service", "booth")
        .order_by("booth_id", "service__code")[:count]
    )
    if len(offerings) < count:
        raise SystemExit(f"the demo mall offers {len(offerings)} services, not {count}")
    types = []
    for offering in offerings:
        case_type = CaseType.objects.filter(offering=offering).first()
        if case_type is None:
            case_type = CaseType.objects.create(offering=offering, completion_days=5)
        for position, (key, kind, label) in enumerate(FIELDS):
            CaseField.objects.get_or_create(
                case_type=case_type, key=key,
                defaults={"position": position, "kind": kind, "label": label,
                          "choices": CHOICES if kind == "choice" else ""},
            )  # fmt: skip
        for position, (code, name) in enumerate(DOCUMENTS):
            DocumentRequirement.objects.get_or_create(
                case_type=case_type, code=code, defaults={"position": position, "name": name}
            )
        types.append(case_type)
    return types


def seed(params: dict) -> dict:
    """The cases, their events and documents, the officer and the sessions (in this process)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from mpp.accounts.models import Role, User
    from mpp.cases.formschema import schema_of
    from mpp.cases.models import Case, CaseDocument, CaseEvent
    from mpp.cases.numbers import number_new, phone_digest
    from mpp.catalog.models import Mall
    from mpp.core.pii import nik_digest, nik_mask

    rng = random.Random(params["seed"])
    mall = Mall.objects.get(code=params["mall"])
    types = _case_types(mall, params["services"])
    schemas = {t.pk: schema_of(t) for t in types}
    now = timezone.now()
    today = timezone.localdate()
    niks = make_niks(params["cases"], rng)
    statuses = list(STATUS_WEIGHTS)
    weights = [STATUS_WEIGHTS[s] for s in statuses]
    cases, created_times, events, documents, keep = [], [], [], [], []
    numbers: set[str] = set()
    for i, nik in enumerate(niks):
        case_type = types[i % len(types)]
        status = rng.choices(statuses, weights)[0]
        created = now - dt.timedelta(days=rng.uniform(0, 40))
        name = f"Warga {nik[-4:]}"
        number = number_new(today)
        while number in numbers:
            number = number_new(today)
        numbers.add(number)
        submitted = created + dt.timedelta(hours=rng.uniform(0.1, 24)) if PATHS[status] else None
        due = (submitted.date() + dt.timedelta(days=7)) if submitted else None  # ~5 working days
        closed = status in ("completed", "rejected", "withdrawn")
        mobile = "+62" + phone(rng)[1:]
        case = Case(
            number=number, case_type=case_type, mall_id=mall.pk, booth_id=case_type.booth_id,
            service_id=case_type.service_id, status=status,
            channel=rng.choice(["web", "web", "web", "kiosk", "counter"]), language="id",
            applicant_name=name, nik_digest=nik_digest(nik), nik_masked=nik_mask(nik),
            phone=mobile, phone_digest=phone_digest(mobile), answers=_answers(rng, name),
            form_schema=schemas[case_type.pk] if submitted else {},
            submitted_at=submitted, due_on=due,
            completed_at=created + dt.timedelta(days=6) if closed else None,
            returned_at=submitted + dt.timedelta(days=1) if status == "returned" else None,
            missing={"documents": ["kk"], "note": "Kartu Keluarga tidak terbaca."}
            if status == "returned" else {},
            outcome_note="Data tidak sesuai." if status == "rejected" else "",
            version=1 + len(PATHS[status]),
        )  # fmt: skip
        cases.append(case)
        created_times.append(created)
        if i < OPENED * 5 and status in OPEN_STATUSES and len(keep) < OPENED:
            keep.append({"number": number, "last4": nik[-4:], "id": str(case.pk)})
        at, before = created, ""
        events.append(
            CaseEvent(case=case, at=at, kind="started", to_status="draft",
                      actor_kind="citizen", channel=case.channel)
        )  # fmt: skip
        before = "draft"
        for step in PATHS[status]:
            at = at + dt.timedelta(hours=rng.uniform(0.1, 30))
            officer = step in OFFICER_STEPS
            events.append(
                CaseEvent(case=case, at=at, kind="transition", from_status=before,
                          to_status=step, actor_kind="officer" if officer else "citizen",
                          actor_label="Petugas gerai" if officer else "",
                          channel="counter" if officer else case.channel,
                          note="Mohon unggah ulang Kartu Keluarga." if step == "returned" else "")
            )  # fmt: skip
            before = step
        if submitted:
            for code, label in DOCUMENTS:
                documents.append(
                    CaseDocument(case=case, kind="submitted", file_kind="pdf",
                                 file=f"cases/{mall.pk}/{case.pk}/{secrets.token_hex(16)}.pdf",
                                 size=rng.randrange(80_000, 900_000),
                                 sha256=secrets.token_hex(32),
                                 original_name=f"{code}-{label.split()[0].lower()}.pdf",
                                 channel=case.channel)
                )  # fmt: skip
    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=1000)
        CaseEvent.objects.bulk_create(events, batch_size=2000)
        CaseDocument.objects.bulk_create(documents, batch_size=2000)
        # auto_now(_add) stamps every row "now": give the cases their own times back.
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE cases_case SET created_at = %s, updated_at = %s WHERE id = %s",
                [(at, at, c.pk) for c, at in zip(cases, created_times, strict=True)],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # The busiest booth's queue and its officer.
    counts: dict[int, int] = {}
    for case in cases:
        if case.status in OPEN_STATUSES:
            counts[case.booth_id] = counts.get(case.booth_id, 0) + 1
    booth_id = max(counts, key=counts.get)
    officer, _ = User.objects.get_or_create(
        username="bench-cases-officer",
        defaults={"role": Role.OFFICER, "mall": mall, "booth_id": booth_id},
    )
    client = Client()
    client.force_login(officer)
    cookie = settings.SESSION_COOKIE_NAME

    def url(name: str, *args) -> str | None:  # None until the page exists
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    queue = url("cases:staff_queue")
    return {
        "booth_id": booth_id,
        "booth_open_cases": counts[booth_id],
        "booth_cases": sum(1 for c in cases if c.booth_id == booth_id),
        "officer_cookie": f"{cookie}={client.cookies[cookie].value}",
        "queue_url": f"{queue}?booth={booth_id}" if queue else None,
        "open_url": url("cases:open"),
        "opened": [{**c, "url": url("cases:citizen_case", c["number"])} for c in keep],
        "rows": {"cases": len(cases), "events": len(events), "documents": len(documents)},
    }


# The citizen opens cases ----------------------------------------------------------------


def forged_session(env: dict, case_ids: list[str]) -> str:
    """A citizen session that proved these cases (mpp.cases.citizen_session's key).

    Only when opening through the page did not work (--forge-citizen-session)."""
    code = """
import json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from mpp.cases.citizen_session import SESSION_KEY
store = SessionStore()
store[SESSION_KEY] = json.loads(sys.argv[1])
store.create()
print(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
"""
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(case_ids)],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


async def open_cases(port: int, open_url: str, opened: list[dict], fields: dict) -> str:
    """POST each case's number and NIK digits to the open page, in one browser session;
    the session cookie. CSRF as a browser does it: the csrftoken cookie and the form's
    token (the same unmasked 32-character secret, which Django accepts)."""
    import httpx

    token = secrets.token_hex(16)
    jar = {"csrftoken": token}
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=30) as client:
        for case in opened:
            data = {
                "csrfmiddlewaretoken": token,
                fields["number"]: case["number"],
                fields["nik_last4"]: case["last4"],
            }
            cookies = "; ".join(f"{k}={v}" for k, v in jar.items())
            response = await client.post(
                open_url, data=data, headers={"Cookie": cookies, "Referer": base + open_url}
            )
            if response.status_code not in (302, 303):
                raise SystemExit(
                    f"opening {case['number']} answered {response.status_code}: "
                    f"{response.text[:400]}"
                )
            for value in response.headers.get_list("set-cookie"):
                key, _, val = value.split(";", 1)[0].partition("=")
                jar[key.strip()] = val.strip()
    session = next(k for k in jar if k != "csrftoken")
    return f"{session}={jar[session]}"


# Measuring ------------------------------------------------------------------------------


async def measure(port: int, urls: list[str], cookie: str, n: int, k: int) -> tuple[list, dict]:
    """GET the urls round-robin n times from k keep-alive connections: (seconds, statuses)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(n))

    async def worker() -> None:
        conn = Connection("127.0.0.1", port)
        for i in counter:
            started = time.perf_counter()
            response = await conn.request("GET", urls[i % len(urls)], headers={"Cookie": cookie})
            latencies.append(time.perf_counter() - started)
            statuses[response.status] = statuses.get(response.status, 0) + 1
        await conn.close()

    await asyncio.gather(*(worker() for _ in range(k)))
    return latencies, statuses


QUEUE_SQL = """
SELECT c.id, c.number, c.status, c.due_on, c.applicant_name, c.submitted_at, c.channel,
       s.name AS service
FROM cases_case c JOIN catalog_service s ON s.id = c.service_id
WHERE c.booth_id = %s AND c.status = ANY(%s)
ORDER BY c.due_on, c.submitted_at LIMIT %s
"""
COUNTS_SQL = "SELECT status, count(*) FROM cases_case WHERE booth_id = %s GROUP BY status"
CASE_SQL = """
SELECT c.*, s.name AS service FROM cases_case c JOIN catalog_service s ON s.id = c.service_id
WHERE c.number = %s
"""
EVENTS_SQL = "SELECT * FROM cases_caseevent WHERE case_id = %s ORDER BY at, id"
DOCUMENTS_SQL = "SELECT * FROM cases_casedocument WHERE case_id = %s ORDER BY created_at, id"


def sql_baseline(env: dict, booth_id: int, numbers: list[str], n: int) -> dict[str, list]:
    """The same rows read with plain indexed SELECTs over one psycopg connection."""
    import psycopg

    out: dict[str, list] = {"queue": [], "case": []}
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        for i in range(n):
            started = time.perf_counter()
            conn.execute(QUEUE_SQL, (booth_id, list(OPEN_STATUSES), QUEUE_ROWS)).fetchall()
            conn.execute(COUNTS_SQL, (booth_id,)).fetchall()
            out["queue"].append(time.perf_counter() - started)
            started = time.perf_counter()
            case = conn.execute(CASE_SQL, (numbers[i % len(numbers)],)).fetchone()
            conn.execute(EVENTS_SQL, (case[0],)).fetchall()
            conn.execute(DOCUMENTS_SQL, (case[0],)).fetchall()
            out["case"].append(time.perf_counter() - started)
    return out


def figures(latencies: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


# Main -----------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--cases", type=int, default=10_000, help="cases to seed")
    ap.add_argument("--services", type=int, default=50, help="services they are spread over")
    ap.add_argument("-r", "--requests", type=int, default=500, help="GETs per page")
    ap.add_argument("-k", type=int, default=1, help="concurrent HTTP clients")
    ap.add_argument("--workers", type=int, default=1, help="server processes (uvicorn)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--number-field", default="number", help="the open form's number field")
    ap.add_argument("--nik-field", default="nik_last4", help="the open form's NIK digits field")
    ap.add_argument(
        "--forge-citizen-session",
        action="store_true",
        help="grant the cases in a session made directly, instead of opening them by POST",
    )
    ap.add_argument("--seed-only", action="store_true", help="seed, print, keep the database")
    ap.add_argument("--seed-params", help=argparse.SUPPRESS)  # the seeding child process
    args = ap.parse_args()
    if args.seed_params:
        print(json.dumps(seed(json.loads(args.seed_params))))
        return

    started = time.perf_counter()
    env = prepare_env()
    demo_s = time.perf_counter() - started
    params = {"mall": MALL, "cases": args.cases, "services": args.services, "seed": args.seed}
    info = seed_in_subprocess(env, params)
    seed_s = time.perf_counter() - started - demo_s
    if args.seed_only:
        print(json.dumps({**info, "setup_s": {"demo": round(demo_s, 1), "seed": round(seed_s, 1)}}))
        return
    if not info["queue_url"] or not info["open_url"] or not info["opened"][0]["url"]:
        raise SystemExit(
            "the pages are not there yet (cases:staff_queue, cases:open, cases:citizen_case)"
        )
    port = free_port()
    log = open(Path(env["MPP_VAR_DIR"]) / "server.log", "w")  # noqa: SIM115
    command = [MPP, "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(args.workers)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        opened = info["opened"]
        if args.forge_citizen_session:
            citizen = forged_session(env, [c["id"] for c in opened])
        else:
            fields = {"number": args.number_field, "nik_last4": args.nik_field}
            citizen = asyncio.run(open_cases(port, info["open_url"], opened, fields))
        queue_urls, case_urls = [info["queue_url"]], [c["url"] for c in opened]
        officer = info["officer_cookie"]
        warm = max(20, args.requests // 10)
        asyncio.run(measure(port, queue_urls, officer, warm, 1))  # warm-up, not counted
        asyncio.run(measure(port, case_urls, citizen, warm, 1))
        cpu = cpu_seconds(server.pid)
        queue, queue_statuses = asyncio.run(
            measure(port, queue_urls, officer, args.requests, args.k)
        )
        queue_cpu = cpu_seconds(server.pid) - cpu
        cpu = cpu_seconds(server.pid)
        case, case_statuses = asyncio.run(measure(port, case_urls, citizen, args.requests, args.k))
        case_cpu = cpu_seconds(server.pid) - cpu
    finally:
        server.terminate()
        server.wait(timeout=30)
    log.close()
    errors = [line for line in Path(log.name).read_text().splitlines() if "Traceback" in line]
    baseline = sql_baseline(env, info["booth_id"], [c["number"] for c in opened], args.requests)
    shutil.rmtree(env["MPP_VAR_DIR"], ignore_errors=True)

    pages = {}
    for name, latencies, statuses, cpu_s in (
        ("officer_queue", queue, queue_statuses, queue_cpu),
        ("citizen_case", case, case_statuses, case_cpu),
    ):
        sql = baseline["queue" if name == "officer_queue" else "case"]
        page, floor = figures(latencies), figures(sql)
        pages[name] = {
            **page,
            "statuses": statuses,
            "server_cpu_ms_per_request": round(cpu_s / len(latencies) * 1000, 2),
            "baseline_sql": floor,
            "ratio_p50_page_vs_sql": round(page["p50_ms"] / max(floor["p50_ms"], 1e-6), 1),
            "ratio_p95_page_vs_sql": round(page["p95_ms"] / max(floor["p95_ms"], 1e-6), 1),
        }
    report = {
        "db": "postgres",
        "cases": info["rows"]["cases"],
        "events": info["rows"]["events"],
        "documents": info["rows"]["documents"],
        "services": args.services,
        "queue_booth_cases": info["booth_cases"],
        "queue_booth_open_cases": info["booth_open_cases"],
        "cases_opened_by_citizen": len(case_urls),
        "requests_per_page": args.requests,
        "clients": args.k,
        "server_workers": args.workers,
        "setup_s": {"demo": round(demo_s, 1), "seed": round(seed_s, 1)},
        **pages,
        "server_log_tracebacks": len(errors),
    }
    print(json.dumps(report, indent=2))
    ok = not errors
    for name, page in pages.items():
        good = page["p95_ms"] <= P95_LIMIT_MS and set(page["statuses"]) == {200}
        print(
            f"{name}: p95 {page['p95_ms']} ms (limit {P95_LIMIT_MS:g}):", "PASS" if good else "FAIL"
        )
        ok = ok and good
    print("cases pages check:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
