"""Fault injection for Redis: killed, hung (SIGSTOP) and restarted under a running app.

A scratch database with the demo, a private `redis-server` on a free port (never the
shared one), and `mpp serve --workers 2` with REDIS_URL pointing at it. While the
phases run -- Redis up; killed; started again and hung with SIGSTOP; killed and
restarted -- clients keep working:
- API kiosks issue tickets: half without an Idempotency-Key, half with one, each
  keyed request sent twice (the retry must get the same ticket back);
- a kiosk page client: confirm page, then the form posted twice with its nonce (the
  same ticket both times);
- an officer's console calls the next ticket with a key (sent twice), starts and
  finishes it;
- a display board follows the board stream (one connection for the whole run).

Checked: no answer >= 500 and none missing (client timeout 10 s); every acknowledged
ticket saved once (lost: acknowledged but not in the database; duplicated: saved but
never acknowledged, a retry that got another ticket, a ticket called twice); the board
stream never closed, said `backup` during the outages, got fresh snapshots during each
outage (read from the database: the other worker's tickets too), and `live` again at the
end; the slowest answer of each phase is printed and must stay under BOUND_SECONDS.

    .venv/bin/python bench/faults/redis.py [--short] [--db sqlite|postgres]
    .venv/bin/python -m bench.faults.redis --short
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Run as a script, this folder is first on sys.path: this very file would shadow the
# redis package (and siblings the others). The repository root takes its place.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.booking_rush import wait_ready  # noqa: E402
from bench.faults.common import scratch_env  # noqa: E402
from bench.tickets import MPP, free_port  # noqa: E402

PART = "redis"
MALL = "mpp-kabupaten-majalengka"
DB_NAME = "mpp_faults_redis"
BOUND_SECONDS = 5.0  # the slowest answer allowed in any phase (a hung Redis took forever)
CLIENT_TIMEOUT = 10.0


def prepare(db: str) -> dict:
    return scratch_env(db, name=DB_NAME, load=["demo", "--no-serve", "--region-depth", "2"])


SETUP = """
import json
from mpp.accounts.models import User
from mpp.accounts.services import token_create
from mpp.catalog.models import Counter
from mpp.queueing.models import Ticket
from mpp.bookings.models import BookingPolicy
from mpp.devices.services import device_register
booked = BookingPolicy.objects.filter(is_enabled=True).values("offering_id")
counters = Counter.objects.filter(mall__code=%(mall)r, booth__isnull=False).order_by("pk")
for counter in counters:  # a counter with services without a walk-in quota (no 409 full)
    free = counter.offerings.filter(is_active=True).exclude(pk__in=booked)
    officer = User.objects.filter(booth=counter.booth, is_active=True).order_by("pk").first()
    if free.exists() and officer is not None:
        break
services = [o.service.code for o in free]
Ticket.objects.filter(counter=counter, status__in=["called", "serving"]).update(status="done")
kiosks = [device_register(mall=counter.mall, kind="kiosk", name=f"faults {i}")[1]
          for i in range(4)]  # registered kiosks of the mall (mpp.devices), one per client
import datetime as dt
from mpp.catalog.models import OpeningHours
OpeningHours.objects.filter(mall=counter.mall).delete()  # open whenever the drill runs
for weekday in range(7):
    OpeningHours.objects.create(mall=counter.mall, weekday=weekday, opens=dt.time(0),
                                closes=dt.time(23, 59))
print(json.dumps({"counter": counter.pk, "services": services, "kiosks": kiosks,
                  "token": token_create(username=officer.username, name="faults")}))
"""


def setup_place(env: dict) -> dict:
    out = subprocess.run(
        [MPP, "shell", "-c", SETUP % {"mall": MALL}],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


class PrivateRedis:
    """redis-server on a port of its own; killed, stopped and started by this script only."""

    def __init__(self, logdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.logdir = logdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no"]
        with open(self.logdir / "redis.log", "a") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()  # SIGKILL works on a stopped process too
            self.proc.wait(5)
            self.proc = None

    def stop(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)


class Tally:
    """Everything the clients saw, by phase; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.phase = "up"
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.slowest: dict[str, float] = defaultdict(float)
        self.errors: list[str] = []
        self.acknowledged: set[str] = set()
        self.replays_differ = 0
        self.replays = 0
        self.called: Counter = Counter()
        self.refusals: Counter = Counter()

    def note(self, status, took: float, what: str) -> None:
        with self.lock:
            self.statuses[self.phase][status] += 1
            self.slowest[self.phase] = max(self.slowest[self.phase], took)
            if not isinstance(status, int) or status >= 500:
                self.errors.append(f"{self.phase}: {what} -> {status}")


def timed(tally: Tally, client: httpx.Client, method: str, url: str, what: str, **kwargs):
    started = time.monotonic()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        tally.note(type(exc).__name__, time.monotonic() - started, what)
        return None
    tally.note(response.status_code, time.monotonic() - started, what)
    if 400 <= response.status_code < 500:
        with tally.lock:
            tally.refusals[f"{what} {response.status_code}"] += 1
    return response


def api_kiosk(
    base: str, tally: Tally, services: list[str], stop: threading.Event, n: int, key: str
) -> None:
    kiosk = {"X-Device-Key": key}  # a registered kiosk of the mall (mpp.devices)
    with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT, headers=kiosk) as client:
        i = 0
        while not stop.is_set():
            i += 1
            body = {"service": services[(i + n) % len(services)]}
            path = f"/api/v1/malls/{MALL}/tickets"
            if i % 2:
                r = timed(tally, client, "POST", path, "issue", json=body)
                if r is not None and r.status_code == 201:
                    tally.acknowledged.add(r.json()["id"])
                continue
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            ids = []
            for _attempt in range(2):
                r = timed(tally, client, "POST", path, "issue+key", json=body, headers=headers)
                if r is not None and r.status_code == 201:
                    ids.append(r.json()["id"])
                    tally.acknowledged.add(r.json()["id"])
            with tally.lock:
                tally.replays += 1
                tally.replays_differ += len(set(ids)) > 1
            time.sleep(0.05)


def page_kiosk(base: str, tally: Tally, service: str, stop: threading.Event, key: str) -> None:
    url = f"/m/{MALL}/kiosk/{service}/"
    enrolled = {"mpp_device": key}  # the cookie /devices/enrol/ sets (mpp.devices)
    with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT, cookies=enrolled) as client:
        while not stop.is_set():
            page = timed(tally, client, "GET", url, "kiosk page")
            if page is None or page.status_code != 200:
                time.sleep(0.2)
                continue
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
            form = {"csrfmiddlewaretoken": csrf, "nonce": nonce, "priority": "regular"}
            places = []
            for _attempt in range(2):  # a double tap, or a retry after a lost answer
                r = timed(tally, client, "POST", url, "kiosk form", data=form)
                if r is not None and r.status_code == 302:
                    ticket = r.headers["location"].split("/t/")[1].split("/")[0]
                    places.append(ticket)
                    tally.acknowledged.add(ticket)
            with tally.lock:
                tally.replays += 1
                tally.replays_differ += len(set(places)) > 1
            time.sleep(0.3)


def console(base: str, tally: Tally, counter: int, token: str, stop: threading.Event) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT, headers=auth) as client:
        timed(tally, client, "POST", f"/api/v1/counters/{counter}/open", "open")
        while not stop.is_set():
            key = {"Idempotency-Key": str(uuid.uuid4())}
            ids = []
            for _attempt in range(2):
                r = timed(tally, client, "POST", f"/api/v1/counters/{counter}/call-next",
                          "call-next", headers=key)  # fmt: skip
                if r is not None and r.status_code == 200:
                    ids.append(r.json()["id"])
            if len(set(ids)) > 1:
                with tally.lock:
                    tally.replays_differ += 1
            if not ids:
                time.sleep(0.3)
                continue
            with tally.lock:
                tally.called[ids[0]] += 1
            for action in ("start", "finish"):
                timed(tally, client, "POST", f"/api/v1/tickets/{ids[0]}/{action}", action,
                      headers={"Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
            time.sleep(0.2)


class Board:
    """One display board on the stream for the whole run: frames seen, by phase."""

    def __init__(self, base: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.closes = 0
        self.frames: list[tuple[str, str, object]] = []  # (phase, event, waiting or mode)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        url = f"{self.base}/api/v1/malls/{MALL}/board/stream"
        timeout = httpx.Timeout(CLIENT_TIMEOUT, read=30.0)
        while not self.stop.is_set():
            try:
                with httpx.stream("GET", url, timeout=timeout) as response:
                    event = None
                    for line in response.iter_lines():
                        if self.stop.is_set():
                            return
                        if line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:"):
                            data = json.loads(line[5:])
                            value = data.get("mode") if event == "status" else data["waiting_total"]
                            self.frames.append((self.tally.phase, event, value))
                            if event == "status":
                                print(f"  board stream: status {value}", flush=True)
            except httpx.HTTPError:
                pass
            if not self.stop.is_set():
                self.closes += 1
                time.sleep(1)

    def updates(self, phase: str) -> int:
        """Board frames in `phase` that showed another waiting count than the one before."""
        count, last = 0, None
        for seen_in, event, value in self.frames:
            if event != "board":
                continue
            if seen_in == phase and last is not None and value != last:
                count += 1
            last = value
        return count

    def modes(self, phase: str) -> list:
        return [
            value for seen_in, event, value in self.frames if event == "status" and seen_in == phase
        ]


def count_in_database(env: dict, since: float) -> tuple[Counter, Counter, dict]:
    """(tickets issued by the API or kiosk since `since` by id, ticket.called events by ticket,
    the ids by the secret in the ticket page's address, which the kiosk form redirects to)."""
    code = f"""
import json, datetime as dt
from mpp.core.models import Event
from mpp.queueing.models import Ticket
since = dt.datetime.fromtimestamp({since}, tz=dt.timezone.utc)
rows = list(Ticket.objects.filter(issued_at__gte=since, source__in=["api", "kiosk"])
            .values_list("pk", "secret"))
ids = [str(t) for t, _s in rows]
secrets = {{s: str(t) for t, s in rows if s}}
called = [str(s) for s in Event.objects.filter(kind="ticket.called", occurred_at__gte=since)
          .values_list("subject_id", flat=True)]
print(json.dumps({{"ids": ids, "called": called, "secrets": secrets}}))
"""
    out = subprocess.run(
        [MPP, "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return Counter(data["ids"]), Counter(data["called"]), data["secrets"]


def main() -> None:  # noqa: C901, PLR0915 - one scenario, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short form CI runs")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--keep", action="store_true", help="keep the logs and scratch files")
    args = parser.parse_args()
    phase_seconds = 7.0 if args.short else 30.0
    if shutil.which("redis-server") is None:
        print("redis-server is not installed")
        print(f"faults {PART}: nothing checked (no redis-server); lost 0, duplicated 0, 500s 1")
        sys.exit(1)

    print(f"scratch database ({args.db}) with the demo ...", flush=True)
    env = prepare(args.db)
    logdir = Path(env["MPP_VAR_DIR"])
    place = setup_place(env)
    redis = PrivateRedis(logdir)
    redis.start()
    env["REDIS_URL"] = redis.url
    env["MPP_RATE_DEVICE_TICKETS"] = "0"  # each client issues far faster than a real kiosk
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = open(logdir / "server.log", "w")  # noqa: SIM115 - closed at the end
    server = subprocess.Popen(
        [MPP, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    tally = Tally()
    board = Board(base, tally)
    stop = threading.Event()
    checks: list[tuple[bool, str]] = []
    since = time.time() - 1
    try:
        wait_ready(base)
        print(f"server on {base} (2 workers), private Redis on port {redis.port}", flush=True)
        board.thread.start()
        services = place["services"]
        clients = [
            threading.Thread(
                target=api_kiosk,
                args=(base, tally, services, stop, n, place["kiosks"][n]),
                daemon=True,
            )
            for n in range(3)
        ]
        clients.append(
            threading.Thread(
                target=page_kiosk,
                args=(base, tally, services[0], stop, place["kiosks"][3]),
                daemon=True,
            )
        )
        clients.append(
            threading.Thread(
                target=console,
                args=(base, tally, place["counter"], place["token"], stop),
                daemon=True,
            )
        )
        for thread in clients:
            thread.start()

        def phase(name: str, seconds: float, *faults) -> None:
            tally.phase = name  # first, so that what the fault causes counts in its phase
            print(f"phase {name} ({seconds:.0f} s)", flush=True)
            for fault in faults:
                fault()
            time.sleep(seconds)

        phase("up", phase_seconds / 2)
        phase("killed", phase_seconds, redis.kill)
        phase("recovering", phase_seconds / 2, redis.start)
        phase("hung", phase_seconds, redis.stop)
        phase("restarted", phase_seconds, redis.kill, redis.start)
        stop.set()
        for thread in clients:
            thread.join(CLIENT_TIMEOUT * 2 + 5)
        board.stop.set()
    finally:
        stop.set()
        board.stop.set()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        server_log.close()
        redis.kill()

    saved, called, secrets = count_in_database(env, since)
    acknowledged = {secrets.get(ticket, ticket) for ticket in tally.acknowledged}
    lost = len(acknowledged - set(saved))
    saved_twice = sum(n - 1 for n in saved.values() if n > 1)
    unanswered = len(set(saved) - acknowledged)
    called_twice = sum(n - 1 for n in called.values() if n > 1)
    duplicated = saved_twice + unanswered + tally.replays_differ + called_twice
    errors = len(tally.errors)

    print("phase        answers (status: count)                          slowest")
    for name in ("up", "killed", "recovering", "hung", "restarted"):
        statuses = dict(sorted(tally.statuses[name].items(), key=str))
        print(f"{name:<12} {json.dumps(statuses):<48} {tally.slowest[name]:6.2f} s")
        checks.append(
            (tally.slowest[name] < BOUND_SECONDS, f"{name}: slowest answer < {BOUND_SECONDS} s")
        )
    for name in ("killed", "hung"):
        updates = board.updates(name)
        print(f"board stream, {name}: {updates} updated snapshots, status {board.modes(name)}")
        checks.append((updates >= 1, f"board got fresh snapshots while Redis was {name}"))
        checks.append(("backup" in board.modes(name), f"board told 'backup' while Redis {name}"))
    final_modes = [v for _p, e, v in board.frames if e == "status"]
    print(f"board stream: {len(board.frames)} frames, closed {board.closes} times")
    checks.append((board.closes == 0, "the board stream stayed open the whole run"))
    checks.append(
        (bool(final_modes) and final_modes[-1] == "live", "board 'live' again at the end")
    )
    checks.append((len(acknowledged) > 0 and sum(called.values()) > 0, "tickets issued and called"))
    print(
        f"tickets acknowledged {len(acknowledged)}, saved {len(saved)}, keyed retries "
        f"{tally.replays} (another ticket: {tally.replays_differ}), calls {sum(called.values())} "
        f"(called twice: {called_twice}), saved without an answer {unanswered}"
    )
    print("refusals (4xx, by request):", dict(tally.refusals))
    for line in tally.errors[:10]:
        print("  error:", line)
    failed = [what for ok, what in checks if not ok]
    for ok, what in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if args.keep:
        print(f"logs and scratch files kept in {logdir}")
    else:
        shutil.rmtree(logdir, ignore_errors=True)
    print(
        f"faults {PART}: tickets, kiosk forms, call-next and a board stream with Redis killed, "
        f"hung and restarted ({args.db}, {len(checks)} checks, {len(failed)} failed); "
        f"lost {lost}, duplicated {duplicated}, 500s {errors}"
    )
    sys.exit(1 if lost or duplicated or errors or failed else 0)


if __name__ == "__main__":
    main()
