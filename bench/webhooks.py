"""Webhooks from change to delivery: throughput and delay, against the outbox's raw insert rate.

A scratch PostgreSQL database (BENCH_PG, database mpp_bench_webhooks, dropped and made
again, only migrated), one mall with S tickets (S subjects, issued by the real
`ticket_issue`), one API client with one subscription to "ticket.*" at a local receiver
running in a process of its own (bench/webhooks_receiver.py: verifies every Standard
Webhooks signature and records the receipt time). Events are made by
`queueing.records.ticket_event` (what the ticket services call: the event log entry, and
through the webhooks listener the outbox row, in the same transaction), one event per
transaction, "ticket.recalled" round robin over the S tickets. Dispatchers are real
`mpp worker` processes (--interval: how long an idle one waits before it looks again;
1 s by default, as the command's; the delay of a quiet day's event is up to that).

Measured in one run, on one database:
- outbox raw insert rate: WebhookMessage rows by bulk_create (1,000 a statement), and,
  when `pgbench` is on PATH, the same INSERT with pgbench (one row per transaction, and
  100 rows per transaction), 2 clients;
- emit: events committed per second without the webhooks listener and with it (each
  event then writes one outbox row): what the listener costs the change;
- delivery with 1 and with 4 dispatchers: "live", E events made as fast as one process
  makes them while the dispatchers run: events/s from the first commit to the last
  receipt (at most the rate they are made at: then the dispatchers keep up) and the
  delay from each commit to its receipt (p50/p99); "backlog", E events made while the
  subscription is paused, then let go: the events/s the dispatchers deliver at when
  there is work waiting (their capacity, from the first receipt to the last);
- delay at a steady rate (--rate, 4 dispatchers): p50/p99 commit to receipt, the figure
  a receiving agency sees on a normal day.
Ratios: delivered events/s against the raw insert rates.

Correctness, checked at the end over every message of the run: every row delivered, every
webhook-id received (2xx) exactly once, every signature verified, no message of a
subject received before an earlier one. Exits 1 if anything was lost, duplicated,
unverified or out of order.

    .venv/bin/python bench/webhooks.py            (under 2 minutes on 2 cores, 3 if busy)
    .venv/bin/python bench/webhooks.py --interval 0.05   (dispatchers that look more often)
    .venv/bin/python bench/webhooks.py --events 20000 --subjects 500 --paced 3000 --rate 100
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "mpp_bench_webhooks"


class Dispatchers:
    """`mpp worker` processes that deliver the webhook outbox; kill -9 one, stop all.

    `env` must carry DATABASE_URL and the MPP_WEBHOOK_* settings (the tests compress
    time with MPP_WEBHOOK_BACKOFF / _LEASE / _TIMEOUT); logs go to `logdir`.
    """

    def __init__(self, env: dict, count: int, logdir: Path, *, interval: float = 0.05):
        self.env, self.logdir, self.interval = env, Path(logdir), interval
        self.procs: list[subprocess.Popen] = []
        self.killed: list[int] = []
        for _ in range(count):
            self.add()

    def add(self) -> subprocess.Popen:
        index = len(self.procs)
        log = open(self.logdir / f"dispatcher-{index}.log", "a")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "mpp.cli", "worker", "--interval", str(self.interval)],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def kill(self, index: int) -> int:
        """SIGKILL one dispatcher (it holds its claims until their lease ends)."""
        proc = self.procs[index]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.killed.append(proc.pid)
        return proc.pid

    def died_on_their_own(self) -> int:
        return sum(1 for p in self.procs if p.poll() is not None and p.pid not in self.killed)

    def stop(self, timeout: float = 30) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.logdir.glob("*.log"))
        )


def tcp_ports(pid: int, remote_port: int | None = None) -> set[int]:
    """Local ports of the TCP connections process `pid` has open (Linux /proc), to
    `remote_port` only if given: tells which dispatcher sent a request the receiver
    holds (Receipt.peer_port)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) <= 9 or fields[9] not in inodes:
                    continue
                if remote_port is None or int(fields[2].rsplit(":", 1)[1], 16) == remote_port:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def wait_for(condition: Callable[[], bool], timeout: float, pause: float = 0.2) -> bool:
    """Poll `condition` until true or `timeout` seconds passed; whether it became true."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# The receiver, in a process of its own -------------------------------------------------


class RemoteReceiver:
    """bench/webhooks_receiver.py as a child process, driven over its control port."""

    def __init__(self):
        import httpx

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.webhooks_receiver"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        info = json.loads(self.proc.stdout.readline())
        self.base, self.control = info["url"], info["control"]
        self.http = httpx.Client(base_url=self.control, timeout=60)

    def route(self, path: str, secrets: list[str]) -> str:
        return self.http.post("/route", json={"path": path, "secrets": secrets}).json()["url"]

    def count(self) -> int:
        """Requests answered 2xx so far."""
        return self.http.get("/count").json()["ok"]

    def total(self) -> int:
        """Requests received so far (the index of the next receipt)."""
        return self.http.get("/count").json()["all"]

    def receipts(self, since: int = 0) -> list[dict]:
        return self.http.get("/receipts", params={"since": since}).json()

    def stop(self) -> None:
        with contextlib.suppress(Exception):  # gone already
            self.http.post("/stop", json={})
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# The database side (this process, Django set up in main) --------------------------------


def world(subjects: int):
    """A mall, its tickets (the subjects), and an API client of the booth's agency."""
    from tests.factories import MallFactory, OfferingFactory

    from mpp.integrations.models import ApiClient
    from mpp.queueing.models import Source
    from mpp.queueing.services import ticket_issue

    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    tickets = [
        ticket_issue(mall=mall, service_code=offering.service.code, source=Source.MOBILE)
        for _ in range(subjects)
    ]
    client = ApiClient.objects.create(
        name="Bench agency system", agency=offering.booth.agency, operations=["ticket.read"]
    )
    client.malls.set([mall])
    return mall, offering, tickets, client


def subscribe(client, url: str, events=("ticket.*",)):
    from mpp.integrations.models import Subscription
    from mpp.integrations.webhooks.signing import secret_new

    return Subscription.objects.create(
        client=client, url=url, events=list(events), secret=secret_new()
    )


class Producer:
    """One event per transaction through queueing.records.ticket_event; remembers
    each event's id and commit time (a listener sees the id inside the transaction)."""

    def __init__(self, tickets):
        from mpp.core.events import event_listener_register

        self.tickets = tickets
        self.committed: dict[int, float] = {}
        self.round = 0
        self._last: list[int] = []
        event_listener_register("bench-ids", lambda event: self._last.append(event.pk))

    def one(self, ticket) -> None:
        from django.db import transaction

        from mpp.queueing.records import ticket_event

        self._last.clear()
        with transaction.atomic():
            ticket_event(ticket, "recalled", actor_id=None, recall_count=self.round)
        at = time.time()
        for pk in self._last:
            self.committed[pk] = at

    def run(self, count: int, *, rate: float | None = None) -> float:
        """Make `count` events round robin over the tickets; returns seconds taken."""
        started = time.perf_counter()
        n = len(self.tickets)
        for i in range(count):
            if rate:
                ahead = started + i / rate - time.perf_counter()
                if ahead > 0:
                    time.sleep(ahead)
            if i % n == 0:
                self.round += 1
            self.one(self.tickets[i % n])
        return time.perf_counter() - started


def raw_insert_rate(subscription, rows: int) -> float:
    """WebhookMessage rows per second by bulk_create, 1,000 a statement (then deleted)."""
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from mpp.integrations.models import WebhookMessage

    body = sample_body()
    now = timezone.now()
    objs = [
        WebhookMessage(
            subscription=subscription,
            webhook_id="msg_" + uuid.uuid4().hex,
            event_id=i,
            event_type="ticket.recalled",
            subject=f"ticket/{i % 100}",
            occurred_at=now,
            body=body,
            next_attempt_at=now,
        )
        for i in range(rows)
    ]
    started = time.perf_counter()
    for start in range(0, rows, 1000):
        with transaction.atomic():
            WebhookMessage.objects.bulk_create(objs[start : start + 1000])
    took = time.perf_counter() - started
    WebhookMessage.objects.filter(subscription=subscription).delete()
    return rows / took


def sample_body() -> str:
    """A body the size of a real ticket envelope (about 600 bytes)."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": "msg_" + "0" * 32,
            "type": "ticket.recalled",
            "source": "/api/v1/malls/mpp-kabupaten-majalengka",
            "subject": "1234567",
            "time": "2026-12-01T02:03:04.567Z",
            "datacontenttype": "application/json",
            "mppeventid": 123456789,
            "data": {
                "number": "A-001",
                "service": "izin-usaha-perdagangan",
                "service_name": "Penerbitan Surat Izin Usaha Perdagangan (SIUP)",
                "priority": "regular",
                "status": "called",
                "counter_id": 12,
                "counter_number": 3,
                "counter_name": "Loket 3",
                "recall_count": 2,
                "booth_id": 42,
                "mall": "mpp-kabupaten-majalengka",
                "agency": "dpmptsp-majalengka",
            },
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def pgbench_rates(url: str, subscription, seconds: float) -> dict[str, float] | None:
    """Rows/s of the outbox INSERT by pgbench (1 row and 100 rows per transaction)."""
    from django.db import connection

    from mpp.integrations.models import WebhookMessage

    if not shutil.which("pgbench"):
        return None
    table = WebhookMessage._meta.db_table
    body = sample_body().replace("'", "''")
    columns = (
        "subscription_id, webhook_id, event_id, event_type, subject, occurred_at, body, "
        "status, attempts, next_attempt_at, last_error, created_at"
    )

    def values(n: str) -> str:
        return (
            f"'{subscription.pk}', 'msg_' || md5(random()::text || clock_timestamp()::text"
            f" || {n}::text), {n}, 'ticket.recalled', 'ticket/' || ({n} % 100), now(), "
            f"'{body}', 'cancelled', 0, now(), '', now()"
        )

    scripts = {
        "pgbench_1_row_per_tx": f"INSERT INTO {table} ({columns}) VALUES ({values(':i')});",
        "pgbench_100_rows_per_tx": (
            f"INSERT INTO {table} ({columns}) SELECT {values('g')} FROM generate_series(1, 100) g;"
        ),
    }
    rows_per = {"pgbench_1_row_per_tx": 1, "pgbench_100_rows_per_tx": 100}
    out: dict[str, float] = {}
    folder = Path(tempfile.mkdtemp(prefix="mpp-bench-pgbench-"))
    for name, sql in scripts.items():
        script = folder / f"{name}.sql"
        script.write_text("\\set i random(1, 1000000000)\n" + sql + "\n")
        proc = subprocess.run(
            ["pgbench", "-n", "-c", "2", "-j", "2", "-T", f"{seconds:.0f}", "-f", script, url],
            capture_output=True,
            text=True,
        )
        tps = [line for line in proc.stdout.splitlines() if line.startswith("tps = ")]
        if proc.returncode or not tps:
            print(f"  pgbench failed: {proc.stderr.strip()[-300:]}")
            return None
        out[name] = float(tps[0].split()[2]) * rows_per[name]
    shutil.rmtree(folder, ignore_errors=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE subscription_id = %s", [subscription.pk])
    return out


def emit_rates(producer: Producer, count: int) -> tuple[float, float]:
    """Events committed per second without the webhooks listener, then with it."""
    from mpp.core.events import _listeners, event_listener_register, event_listener_unregister

    webhooks = _listeners.get("webhooks")
    event_listener_unregister("webhooks")
    try:
        without = count / producer.run(count)
    finally:
        if webhooks is not None:
            event_listener_register("webhooks", webhooks)
    with_listener = count / producer.run(count)
    return without, with_listener


def check(subscription, receipts: list[dict]) -> dict[str, int]:
    """Lost / duplicated / unverified / out of order, for one subscription's messages."""
    from bench.webhooks_receiver import Receipt, delivered, order_breaks
    from mpp.integrations.models import MessageStatus, WebhookMessage

    rows = list(
        WebhookMessage.objects.filter(subscription=subscription).values_list(
            "webhook_id", "pk", "status"
        )
    )
    position = {wid: pk for wid, pk, _ in rows}
    got = [Receipt(**r) for r in receipts]
    counts = delivered(got)
    return {
        "messages": len(rows),
        "lost": sum(
            1 for wid, _, status in rows if counts[wid] == 0 or status != MessageStatus.DELIVERED
        ),
        "duplicated": sum(n - 1 for n in counts.values() if n > 1),
        "strangers": sum(1 for wid in counts if wid not in position),
        "unverified": sum(1 for r in got if not r.verified),
        "out_of_order": len(order_breaks(got, position)),
    }


def measure(receiver, producer, events: int, *, rate=None, backlog_of=None, timeout) -> dict:
    """Make `events` events while the dispatchers run and wait for all their receipts.

    `rate`: events/s to keep to (None: as fast as this process makes them).
    `backlog_of`: a subscription paused while the events are made and let go after, so
    the dispatchers drain a backlog: the rate then runs from the release to the last
    receipt (the delays are then mostly waiting in the backlog, not reported).
    """
    import datetime as dt

    from django.utils import timezone

    from mpp.integrations.models import Subscription, WebhookMessage

    base, seen = receiver.count(), receiver.total()
    producer.committed.clear()
    paused = Subscription.objects.filter(pk=getattr(backlog_of, "pk", None))
    paused.update(paused_until=timezone.now() + dt.timedelta(days=1))
    made = producer.run(events, rate=rate)
    released = None
    if backlog_of is not None:
        released = time.time()
        paused.update(paused_until=None)
    done = wait_for(lambda: receiver.count() >= base + events, timeout)
    ok = [r for r in receiver.receipts(seen) if 200 <= r["status"] < 300]
    event_of = dict(
        WebhookMessage.objects.filter(event_id__in=list(producer.committed)).values_list(
            "webhook_id", "event_id"
        )
    )
    delays = [
        (r["at"] - producer.committed[event_of[r["webhook_id"]]]) * 1000
        for r in ok
        if r["webhook_id"] in event_of
    ]
    # Live: from the first commit. Backlog: from the first receipt after the release
    # (an idle dispatcher looks again only after --interval), so the rate is capacity.
    start = min(producer.committed.values())
    if released is not None:
        start = min((r["at"] for r in ok), default=released)
    last = max((r["at"] for r in ok), default=start)
    return {
        "events": events,
        "all_received": done,
        "made_per_s": round(events / made, 1),
        "delivered_per_s": round((len(ok) - (released is not None)) / max(last - start, 1e-9), 1),
        "p50_ms": None if backlog_of else round(percentile(delays, 50), 1),
        "p99_ms": None if backlog_of else round(percentile(delays, 99), 1),
        "max_ms": None if backlog_of else round(max(delays, default=float("nan")), 1),
    }


def dispatcher_phase(count: int, *, env, logdir, receiver, producer, subscription, args) -> dict:
    """`count` dispatchers: live delivery, a drained backlog, and (4) a steady rate."""
    workers = Dispatchers(env, count, logdir, interval=args.interval)
    try:
        before = receiver.count()
        producer.run(1)  # warm-up: every dispatcher started and polling
        if not wait_for(lambda: receiver.count() >= before + 1, 120):
            raise SystemExit(f"{count} dispatcher(s) deliver nothing\n{workers.logs()}")
        out = {"dispatchers": count}
        out["live"] = measure(receiver, producer, args.events, timeout=args.timeout)
        out["backlog"] = measure(
            receiver, producer, args.events, backlog_of=subscription, timeout=args.timeout
        )
        if count == 4 and args.paced:
            out["steady"] = measure(
                receiver, producer, args.paced, rate=args.rate, timeout=args.timeout
            )
        out["crashed"] = workers.died_on_their_own()
    finally:
        workers.stop()
    return out


def main() -> None:  # noqa: PLR0915 - one run, read top to bottom
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1000, help="events per throughput phase")
    ap.add_argument("--subjects", type=int, default=200, help="tickets the events go round")
    ap.add_argument("--raw", type=int, default=20000, help="rows of the raw insert baseline")
    ap.add_argument("--emit", type=int, default=500, help="events per emit measurement")
    ap.add_argument("--paced", type=int, default=500, help="events of the steady-rate phase")
    ap.add_argument("--rate", type=float, default=25.0, help="events/s of the steady phase")
    ap.add_argument("--pgbench-seconds", type=float, default=5.0)
    ap.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="`mpp worker --interval`: its wait when idle (1.0, the default of the command)",
    )
    ap.add_argument("--timeout", type=float, default=300.0, help="per phase, to deliver all")
    ap.add_argument("--name", default=DB_NAME, help="scratch PostgreSQL database")
    args = ap.parse_args()

    from bench.faults.common import scratch_env

    started = time.perf_counter()
    env = scratch_env("postgres", name=args.name, load=["migrate", "--no-input"])
    logdir = Path(env["MPP_VAR_DIR"])
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    import django

    django.setup()
    from mpp.integrations.models import MessageStatus, Subscription

    dispatch_env = {
        **env,
        "MPP_WEBHOOK_ALLOW_HTTP": "1",
        "MPP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    }
    mall, offering, tickets, client = world(args.subjects)
    receiver = RemoteReceiver()
    failures: list[str] = []
    report: dict = {"subjects": args.subjects, "cores": os.cpu_count(), "interval": args.interval}
    try:
        # Baselines: the raw insert rate of the outbox table.
        parked = subscribe(client, receiver.base + "/parked")
        Subscription.objects.filter(pk=parked.pk).update(status=Subscription.Status.DISABLED)
        report["raw_bulk_create_rows_per_s"] = round(raw_insert_rate(parked, args.raw), 1)
        report["pgbench"] = pgbench_rates(env["DATABASE_URL"], parked, args.pgbench_seconds)

        # What the listener costs a change: its messages go to a subscription that is
        # then disabled (cancelled), so that the delivery phases start from nothing.
        producer = Producer(tickets)
        emitted = subscribe(client, receiver.base + "/emit")
        without, with_listener = emit_rates(producer, args.emit)
        emitted.messages.update(status=MessageStatus.CANCELLED)
        Subscription.objects.filter(pk=emitted.pk).update(status=Subscription.Status.DISABLED)

        subscription = subscribe(client, "")
        subscription.url = receiver.route("/bench", [subscription.secret])
        subscription.save(update_fields=["url"])
        report["emit_events_per_s_without_listener"] = round(without, 1)
        report["emit_events_per_s_with_listener"] = round(with_listener, 1)
        print(
            f"webhooks bench: PostgreSQL, {os.cpu_count()} cores, {args.subjects} subjects, "
            f"1 subscription; events by queueing.records.ticket_event, one per transaction; "
            f"dispatchers: mpp worker --interval {args.interval:g}",
            flush=True,
        )
        raw = report["raw_bulk_create_rows_per_s"]
        print(f"  outbox raw insert, bulk_create: {raw:,.0f} rows/s")
        for name, value in (report["pgbench"] or {}).items():
            print(f"  outbox raw insert, {name.replace('_', ' ')}: {value:,.0f} rows/s")
        if report["pgbench"] is None:
            print("  pgbench: not on PATH, skipped")
        print(
            f"  emit: {without:,.0f} events/s committed without the webhooks listener, "
            f"{with_listener:,.0f} with it (1 outbox row each): x{with_listener / without:.2f}",
            flush=True,
        )

        phases = []
        for count in (1, 4):
            phase = dispatcher_phase(
                count, env=dispatch_env, logdir=logdir, receiver=receiver, producer=producer,
                subscription=subscription, args=args,
            )  # fmt: skip
            phases.append(phase)
            name = f"{count} dispatcher{'s' if count > 1 else ''}"
            live, backlog = phase["live"], phase["backlog"]
            print(
                f"  {name}, live: {args.events} events made by one process at "
                f"{live['made_per_s']:,.0f}/s, delivered {live['delivered_per_s']:,.0f} events/s"
                f" (first commit to last receipt); commit to receipt p50 {live['p50_ms']:,.1f}"
                f" ms, p99 {live['p99_ms']:,.1f} ms",
                flush=True,
            )
            print(
                f"  {name}, backlog: {args.events} waiting messages delivered at "
                f"{backlog['delivered_per_s']:,.0f} events/s",
                flush=True,
            )
            if "steady" in phase:
                steady = phase["steady"]
                print(
                    f"  {name}, steady {args.rate:g} events/s ({args.paced} events, made at "
                    f"{steady['made_per_s']:,.0f}/s): commit to receipt p50 "
                    f"{steady['p50_ms']:,.1f} ms, p99 {steady['p99_ms']:,.1f} ms, "
                    f"max {steady['max_ms']:,.1f} ms",
                    flush=True,
                )
        report["phases"] = phases
        one_row = (report["pgbench"] or {}).get("pgbench_1_row_per_tx")
        report["ratios"] = {}
        for phase in phases:
            for kind in ("live", "backlog"):
                rate = phase[kind]["delivered_per_s"]
                key = f"{phase['dispatchers']} dispatcher(s), {kind}"
                report["ratios"][key] = {
                    "delivered_vs_bulk_insert": round(rate / raw, 4),
                    "delivered_vs_pgbench_1_row": round(rate / one_row, 4) if one_row else None,
                }
                ratio = f"{rate / raw:.3f} of the bulk insert rate"
                if one_row:
                    ratio += f", {rate / one_row:.3f} of pgbench's 1-row inserts"
                print(f"  ratio, {key}: delivered events/s = {ratio}")
        report["emit_vs_bulk_insert"] = round(with_listener / raw, 4)

        correctness = check(subscription, receiver.receipts(0))
        report["correctness"] = correctness
        for phase in phases:
            for kind in ("live", "backlog", "steady"):
                if kind in phase and not phase[kind]["all_received"]:
                    failures.append(f"{phase['dispatchers']}, {kind}: not all delivered in time")
            if phase["crashed"]:
                failures.append(f"{phase['dispatchers']} dispatchers: {phase['crashed']} died")
        for key in ("lost", "duplicated", "strangers", "unverified", "out_of_order"):
            if correctness[key]:
                failures.append(f"{key}: {correctness[key]}")
    finally:
        receiver.stop()
    report["took_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    c = report.get("correctness", {})
    print(
        f"webhooks: {c.get('messages', 0)} messages; lost {c.get('lost', '?')}, duplicated "
        f"{c.get('duplicated', '?')}, unverified {c.get('unverified', '?')}, out of order "
        f"{c.get('out_of_order', '?')}; {report['took_s']} s"
    )
    if failures:
        print("FAILED: " + "; ".join(failures))
        print(f"dispatcher logs in {logdir}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
