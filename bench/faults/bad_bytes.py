"""Fault injection for bad bytes: control characters, huge and slow bodies, odd paths.

A scratch database with the demo (PostgreSQL `mpp_database_badbytes`, or a SQLite
file), one demo service open for booking, and `mpp serve` in a subprocess (body
timeout 2 s). Then, over HTTP:

- every operation of the public API (read from its own OpenAPI spec): each string
  field of its JSON body, each string query parameter and each path parameter set to
  text with a control character (NUL, ESC, DEL, a C1 control, a lone surrogate);
- real requests that wrote such text before: a booking (name), a complaint
  (description), with otherwise valid bodies;
- every text field of the forms found on the citizen pages (booking, complaint,
  tracking, search, assistant, consultation, sign-in), with their CSRF token;
- a body announced as 10 MB and trickled (API and page), a body that stops half-way
  (408 expected), 40 such slow bodies at once while reads still answer;
- encoded "../" paths under /api/v1 with every method.

Checked: no 500 (and no other 5xx), API answers 4xx JSON {"code", "message"}, pages
4xx HTML, every answer within its bound (refusals by size at once, slow bodies by the
body timeout), nothing with a control character stored (the database is searched
afterwards), and clean requests still served: a clean booking answered 201 and its
retry with the same Idempotency-Key replayed (lost: clean requests not served;
duplicated: rows written twice or rows holding a refused character).

    .venv/bin/python bench/faults/bad_bytes.py [--short] [--db sqlite|postgres]
    .venv/bin/python -m bench.faults.bad_bytes --short
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
# Run as a script, this folder is first on sys.path: a sibling part (redis.py) would
# shadow the real package. The repository root takes its place.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.booking_rush import MALL, SERVICE, setup, wait_ready  # noqa: E402
from bench.faults.common import scratch_env  # noqa: E402
from bench.tickets import MPP, free_port  # noqa: E402

PART = "bad_bytes"
DB_NAME = "mpp_database_badbytes"
BAD = ["\x00", "\x1b", "\x7f", "\x85", "\ud800"]
BODY_TIMEOUT = 2.0
NIK = "3210011505900001"

STORED = """
import json, os, re, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
django.setup()
from mpp.bookings.models import Booking
from mpp.complaints.models import Complaint
rx = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")
bad = sum(1 for b in Booking.objects.values_list("name", flat=True) if rx.search(b))
bad += sum(1 for c in Complaint.objects.values_list("description", flat=True) if rx.search(c))
print(json.dumps({"bad_rows": bad, "bookings": Booking.objects.count()}))
"""


def prepare(db: str) -> dict:
    extra = {
        "MPP_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "MPP_RATELIMIT_PREFIX": f"rl-bb-{uuid.uuid4().hex[:8]}",
    }
    for limit in ("BOOKING_IP", "BOOKING_NIK", "COMPLAINT_IP", "LOOKUP_IP", "SEARCH_IP",
                  "ASSISTANT_IP", "CONSULTATION_COMMENT_IP", "COMPLAINT_LOOKUP_IP"):  # fmt: skip
        extra[f"MPP_RATE_{limit}"] = "0"  # every request comes from 127.0.0.1
    return scratch_env(db, name=DB_NAME, load=["demo", "--no-serve"], extra=extra)


def _kind(what: str) -> str:
    for marker, kind in (
        (" body ", "API body field"),
        (" ?", "API query"),
        (" path ", "API path"),
        ("%", "encoded ../"),
        ("stream", "API path"),
    ):
        if marker in what:
            return kind
    return "API valid body"  # fmt: skip


class Tally:
    """Every answer: status counts, failures of the checks, slowest answer."""

    def __init__(self) -> None:
        self.statuses: Counter = Counter()
        self.kinds: Counter = Counter()  # (what kind of input, status)
        self.failures: list[str] = []
        self.checked = 0

    def api(self, what: str, response: httpx.Response, *, allowed=range(400, 500)) -> None:
        self.checked += 1
        self.statuses[response.status_code] += 1
        self.kinds[_kind(what), response.status_code] += 1
        try:
            body = response.json()
            ok = isinstance(body.get("code"), str) and isinstance(body.get("message"), str)
        except ValueError:
            ok = False
        if response.status_code not in allowed or not ok:
            self.failures.append(f"{what}: {response.status_code} {response.text[:120]!r}")

    def page(self, what: str, response: httpx.Response, *, lowest: int = 400) -> None:
        """A page's answer: HTML, 4xx (a GET form's junk parameter is dropped: 2xx)."""
        self.checked += 1
        self.statuses[response.status_code] += 1
        self.kinds["form field", response.status_code] += 1
        html = response.headers.get("content-type", "").startswith("text/html")
        if not lowest <= response.status_code < 500 or not html:
            self.failures.append(f"{what}: {response.status_code} {response.text[:120]!r}")


# The API, from its spec -------------------------------------------------------------


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _string_paths(spec: dict, schema: dict, prefix=(), depth=0) -> list[tuple]:
    """Paths (tuples of keys) to the string fields of a JSON schema."""
    schema = _resolve(spec, schema)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    found = []
    for option in options:
        option = _resolve(spec, option)
        if option.get("type") == "string":
            found.append(prefix)
        elif option.get("type") == "object" and depth < 4:
            for name, sub in option.get("properties", {}).items():
                found += _string_paths(spec, sub, (*prefix, name), depth + 1)
    return list(dict.fromkeys(found))


def _nest(path: tuple, value) -> dict:
    for key in reversed(path):
        value = {key: value}
    return value


JSON = {"Content-Type": "application/json"}
PATH_VALUES = {"mall": MALL, "service": SERVICE, "code": "ABCDEFGH", "channel": "sms"}


def api_fuzz(client: httpx.Client, tally: Tally, bad_chars: list[str]) -> int:
    spec = client.get("/api/v1/openapi.json").json()
    fields = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            params = op.get("parameters", [])
            real = path
            for p in params:
                if p["in"] == "path":
                    real = real.replace("{" + p["name"] + "}", PATH_VALUES.get(p["name"], "1"))
            if "stream" in path:
                continue  # an endless event stream: its path parameter is checked below
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            for bad in bad_chars:
                text = f"a{bad}b"
                if body:
                    for where in _string_paths(spec, body["schema"]):
                        fields += 1
                        data = json.dumps(_nest(where, text))  # "\\u0000" escapes
                        r = client.request(method.upper(), real, content=data, headers=JSON)
                        tally.api(f"{method} {path} body {'.'.join(where)}", r)
                for p in params:
                    if p["in"] == "query":
                        fields += 1
                        r = client.request(method.upper(), real, params={p["name"]: text})
                        tally.api(f"{method} {path} ?{p['name']}", r)
                    elif p["in"] == "path" and bad != "\ud800":
                        fields += 1
                        odd = path.replace("{" + p["name"] + "}", quote(text))
                        for q in params:
                            if q["in"] == "path" and q is not p:
                                odd = odd.replace(
                                    "{" + q["name"] + "}", PATH_VALUES.get(q["name"], "1")
                                )
                        r = client.request(method.upper(), odd)
                        tally.api(f"{method} {path} path {p['name']}", r)
    return fields


def real_writes(client: httpx.Client, tally: Tally, date: str, slot: str) -> tuple[int, int]:
    """Otherwise valid booking and complaint bodies with a control character: 422.
    Then a clean booking (201) and its retry with the same key (replayed).
    Returns (lost, duplicated) of the clean booking."""
    booking = {"service": SERVICE, "date": date, "slot": slot, "nik": NIK,
               "name": "Siti Aminah", "phone": "081234567890"}  # fmt: skip
    complaint = {"description": "Antrean terlalu lama di loket 3 pada pagi hari ini.",
                 "name": "Budi", "phone": "081234567891"}  # fmt: skip
    for bad in BAD:
        data = json.dumps({**booking, "name": f"Siti{bad}"})  # ASCII: "\u0000"
        r = client.post(f"/api/v1/malls/{MALL}/bookings", content=data, headers=JSON)
        tally.api("booking name", r, allowed=[422])
        data = json.dumps({**complaint, "description": complaint["description"] + bad})
        r = client.post(f"/api/v1/malls/{MALL}/complaints", content=data, headers=JSON)
        tally.api("complaint description", r, allowed=[422])
    key = {"Idempotency-Key": str(uuid.uuid4()), **JSON}
    data = json.dumps(booking)
    first = client.post(f"/api/v1/malls/{MALL}/bookings", content=data, headers=key)
    again = client.post(f"/api/v1/malls/{MALL}/bookings", content=data, headers=key)
    lost = int(first.status_code != 201)
    duplicated = int(again.headers.get("idempotent-replayed") != "true")
    if lost or duplicated:
        tally.failures.append(f"clean booking: {first.status_code} {first.text[:100]}")
    return lost, duplicated


# Forms on the pages -----------------------------------------------------------------


class Forms(HTMLParser):
    """The POST forms of a page: action, hidden/default values, text fields."""

    TEXT = {"text", "email", "tel", "search", "password", "number", "date", "time", ""}

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = {"method": (a.get("method") or "get").lower(),
                            "action": a.get("action") or "", "values": {}, "text": []}  # fmt: skip
            self.forms.append(self.current)
        elif self.current is not None and a.get("name"):
            name = a["name"]
            kind = (a.get("type") or "").lower()
            if tag == "textarea" or (tag == "input" and kind in self.TEXT):
                self.current["text"].append(name)
                self.current["values"].setdefault(name, a.get("value") or "x")
            elif tag == "input" and kind in ("hidden", "submit"):
                self.current["values"][name] = a.get("value") or ""
            elif tag == "input" and kind in ("radio", "checkbox"):
                self.current["values"].setdefault(name, a.get("value") or "on")
            elif tag == "select":
                self.current["values"].setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def page_fuzz(client: httpx.Client, tally: Tally, pages: list[str], bad_chars) -> int:
    fields = 0
    for page in pages:
        got = client.get(page)
        if got.status_code != 200:
            tally.failures.append(f"page {page}: {got.status_code}")
            continue
        parser = Forms()
        parser.feed(got.text)
        for form in parser.forms:
            action = form["action"] or page
            for name in form["text"]:
                for bad in bad_chars:
                    fields += 1
                    data = {**form["values"], name: f"a{bad}b"}
                    if form["method"] == "post":
                        r = client.post(action, data=data, headers={"Referer": str(got.url)})
                        tally.page(f"form {page} -> {action} {name}", r)
                    else:
                        r = client.get(action, params=data)
                        tally.page(f"form {page} -> {action} {name}", r, lowest=200)
    return fields


# Bodies and paths -------------------------------------------------------------------


def raw(port: int, head: str, body: bytes, *, stall: float = 0.0, timeout: float = 15.0):
    """Send a request head and part of a body over a socket; (status, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except TimeoutError:
            return 0, time.monotonic() - started
    status = int(data.split()[1]) if data.startswith(b"HTTP/") else 0
    return status, time.monotonic() - started


def head(method: str, path: str, length: int, kind: str = "application/json") -> str:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {length}\r\n")  # fmt: skip


def bodies(port: int, tally: Tally, slow_clients: int) -> list[str]:
    notes = []
    checks = [
        ("10 MB to the API", head("POST", f"/api/v1/malls/{MALL}/bookings", 10 << 20), 413, 2.0),
        ("10 MB to a page", head("POST", f"/m/{MALL}/pengaduan/", 10 << 20, "multipart/form-data"),
         413, 2.0),
        ("a slow body to the API", head("POST", f"/api/v1/malls/{MALL}/tickets", 200), 408,
         BODY_TIMEOUT + 3),
    ]  # fmt: skip
    for what, request_head, expected, bound in checks:
        status, took = raw(port, request_head, b'{"service": "dukc')
        tally.checked += 1
        tally.statuses[status] += 1
        notes.append(f"{what}: {status} in {took:.2f} s")
        if status != expected or took > bound:
            tally.failures.append(f"{what}: {status} in {took:.2f} s (expected {expected})")

    async def slowloris() -> tuple[Counter, float]:
        async def one() -> int:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head("POST", f"/api/v1/malls/{MALL}/tickets", 500).encode() + b"\r\n{")
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), BODY_TIMEOUT + 10)
            writer.close()
            return int(line.split()[1]) if line else 0

        async def read() -> float:
            await asyncio.sleep(0.5)
            started = time.monotonic()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                await client.get("/api/v1/malls")
            return time.monotonic() - started

        results = await asyncio.gather(*(one() for _ in range(slow_clients)), read())
        return Counter(results[:-1]), results[-1]

    statuses, read_took = asyncio.run(slowloris())
    tally.checked += slow_clients
    tally.statuses.update(statuses)
    notes.append(f"{slow_clients} slow bodies at once: {dict(statuses)}; a read meanwhile "
                 f"answered in {read_took:.2f} s")  # fmt: skip
    if statuses != Counter({408: slow_clients}) or read_took > 2.0:
        tally.failures.append(f"slow bodies: {dict(statuses)}, read {read_took:.2f} s")
    return notes


ENCODED = ["/api/v1/..%2F..%2Fadmin/", "/api/v1/%2e%2e/%2e%2e/admin/",
           "/api/v1/malls/..%2F..%2F..%2Fadmin", "/api/v1/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
           "/api/v1/malls/%2e%2e%5c%2e%2e%5cadmin"]  # fmt: skip


def odd_paths(client: httpx.Client, tally: Tally) -> int:
    n = 0
    for path in ENCODED:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            n += 1
            r = client.request(
                method, httpx.URL(path.replace("%", "%25")).copy_with(raw_path=path.encode())
            )
            tally.api(f"{method} {path}", r)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short", action="store_true", help="the short form CI runs (< 90 s)")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    bad_chars = BAD[:2] if args.short else BAD
    started = time.monotonic()
    env = prepare(args.db)
    info = setup(env, 10, 4)["rush"]
    port = free_port()
    log_path = Path(env["MPP_VAR_DIR"]) / "server.log"
    log = open(log_path, "w")  # noqa: SIM115
    server = subprocess.Popen(
        [MPP, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    tally = Tally()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        with httpx.Client(base_url=base, timeout=20, cookies={"django_language": "en"}) as c:
            slots = c.get(f"/api/v1/malls/{MALL}/services/{SERVICE}/slots",
                          params={"date": info["date"]}).json()["slots"]  # fmt: skip
            api_fields = api_fuzz(c, tally, bad_chars)
            lost, duplicated = real_writes(c, tally, info["date"], slots[0]["start"])
            r = c.get(f"/api/v1/malls/{quote(MALL + chr(0))}/board/stream")
            tally.api("board stream with a NUL mall", r)
            pages = [
                f"/m/{MALL}/",
                f"/m/{MALL}/layanan/{SERVICE}/pesan/?date={info['date']}",
                f"/m/{MALL}/pengaduan/",
                "/pengaduan/lacak/",
                "/booking/",
                "/cari/",
                f"/m/{MALL}/asisten/",
                f"/m/{MALL}/konsultasi/",
                "/accounts/login/",
            ]
            form_fields = page_fuzz(c, tally, pages, bad_chars)
            paths = odd_paths(c, tally)
        notes = bodies(port, tally, 10 if args.short else 40)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    out = subprocess.run([sys.executable, "-c", STORED], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)  # fmt: skip
    stored = json.loads(out.stdout.strip().splitlines()[-1])
    tracebacks = log_path.read_text().count("Traceback")
    if args.db == "postgres":
        base_url = env["DATABASE_URL"].rsplit("/", 1)[0]
        drop = f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"
        subprocess.run(["psql", "-q", f"{base_url}/postgres", "-c", drop], check=False)
    shutil.rmtree(env["MPP_VAR_DIR"], ignore_errors=True)

    duplicated += stored["bad_rows"]
    errors_500 = sum(n for s, n in tally.statuses.items() if s >= 500)
    print(f"bad_bytes: {args.db}, characters {[hex(ord(c)) for c in bad_chars]}, "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    print(f"API: {api_fields} fields, query and path parameters with a control character")
    print(f"forms: {form_fields} text fields on {len(pages)} pages")
    print(f"encoded ../ paths: {paths} requests")
    for note in notes:
        print(note)
    print(f"answers: {dict(sorted(tally.statuses.items()))} ({tally.checked} checked)")
    by_kind = sorted(tally.kinds.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    print("by input: " + ", ".join(f"{kind} {status}: {n}" for (kind, status), n in by_kind))
    print(
        f"rows holding a control character: {stored['bad_rows']}; server tracebacks: {tracebacks}"
    )
    for failure in tally.failures[:15]:
        print("FAIL", failure)
    ok = not tally.failures and errors_500 == 0 and tracebacks == 0 and not lost
    ok = ok and duplicated == 0
    print("bad_bytes check:", "PASS" if ok else "FAIL")
    print(
        f"faults {PART}: control characters in every API field and form, 10 MB and slow "
        f"bodies, encoded ../ paths; lost {lost}, duplicated {duplicated}, 500s {errors_500}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
