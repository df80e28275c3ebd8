"""Fault injection for the notification outbox: at least once, made harmless.

200 messages (a scratch database), a real local HTTP gateway in a thread of this
process (tests/notifications/gateway.py: it deduplicates by the message's stable
reference) that fails for a while (503), fails now and then (500), is slow, and
sometimes answers only after the client gave up (the message delivered, the answer
lost); three `mpp worker` processes; one worker killed with SIGKILL twice (a new one
started each time) while gateway requests are open; on PostgreSQL all connections to
the scratch database killed twice (pg_terminate_backend; SQLite has no server whose
connections can be killed: that part is skipped and said so).

Checked afterwards: every message delivered (once per reference at the gateway), no
message delivered under two references or delivered twice without the gateway
dropping it (repeats the gateway dropped are counted as "absorbed", which is the
point of the reference), every request's Idempotency-Key equal to its reference, no
row left in `sending` longer than the lease (plus the workers' poll interval), the
messages held by a killed worker due again within the lease, and every worker not
killed on purpose still running ("500s" counts workers that died on their own: no MPP
HTTP endpoint is involved here).

    .venv/bin/python bench/faults/outbox.py [--short] [--db sqlite|postgres]
    .venv/bin/python -m bench.faults.outbox --short
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Run as a script, this folder is first on sys.path: a sibling part (redis.py) would
# shadow the real package. The repository root takes its place.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

from tests.notifications.gateway import Gateway, gateway_server  # noqa: E402

from bench.faults.common import scratch_env  # noqa: E402
from bench.tickets import MPP  # noqa: E402

PART = "outbox"
CONTEXT = {
    "service": "Penerbitan Surat Izin Usaha Perdagangan",
    "mall": "MPP Kabupaten Majalengka",
    "date": "2026-12-01",
    "time": "09:00-10:00",
}


class FaultyGateway(Gateway):
    """Fails with 503 for a while, then 500 now and then; slow; sometimes answers
    after the client's timeout (delivered, answer lost). Decisions are seeded."""

    def __init__(self, *, fail_for: float, lost_after: float, seed: int = 10):
        super().__init__()
        self.rng = random.Random(seed)
        self.started = time.monotonic()
        self.fail_for = fail_for
        self.lost_after = lost_after
        self.failed = 0
        self.lost = 0

    def planned(self, body, n):
        if time.monotonic() - self.started < self.fail_for or self.rng.random() < 0.08:
            self.failed += 1
            return 503 if self.failed % 2 else 500, {"error": "gateway trouble"}
        return 200, {"id": f"gw-{n}"}

    def pause(self, body):
        with self.lock:
            if self.rng.random() < 0.04:
                self.lost += 1
                return self.lost_after
            return self.rng.uniform(0.05, 0.35)


def prepare(db: str, name: str) -> dict:
    """A scratch database, migrated; returns the environment for `mpp` processes."""
    return scratch_env(db, name=name, load=["migrate", "--no-input"])


def kill_connections(env: dict, name: str) -> int:
    sql = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    out = subprocess.run(
        ["psql", env["DATABASE_URL"], "-qAtc", sql], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip() or 0)


class Workers:
    """Three `mpp worker` processes; one can be killed with SIGKILL and replaced."""

    def __init__(self, env: dict, logdir: Path, count: int = 3):
        self.env, self.logdir = env, logdir
        self.procs = [self._start(i) for i in range(count)]
        self.killed: list[int] = []

    def _start(self, index: int) -> subprocess.Popen:
        log = open(self.logdir / f"worker-{index}-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            [MPP, "worker", "--interval", "0.2"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill_one(self, index: int) -> None:
        proc = self.procs[index]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.killed.append(proc.pid)
        self.procs[index] = self._start(index)

    def died_on_their_own(self) -> int:
        return sum(1 for p in self.procs if p.poll() is not None)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:  # noqa: C901, PLR0915 - one scenario, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short form CI runs (< 90 s)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--name", default="mpp_faults_outbox", help="scratch PostgreSQL database")
    args = parser.parse_args()

    # Short: a 6 s lease (a 2 s gateway timeout) and 1-3 s back-off so that it fits in
    # CI's time; full: the default 30 s lease (10 s timeout), the same short back-off.
    lease = 6.0 if args.short else 30.0
    fail_for = 4.0 if args.short else 15.0
    budget = 75.0 if args.short else 400.0
    # After a lease ends, a worker takes the row at its next claim: once it is done with
    # the message in hand (at most one gateway timeout, a third of the lease) and polled.
    grace = lease / 3 + 1.0
    env = prepare(args.db, args.name)
    worker_env = {
        **env,
        "MPP_OUTBOX_LEASE": str(lease),
        "MPP_LOG_LEVEL": "WARNING",
        "MPP_OUTBOX_BACKOFF": "1,2,3,3,3,3,3,3,3,3,3,3,3,3,3",
    }
    os.environ.update(env)
    os.environ["MPP_DB_POOL_MAX"] = "0"  # this process: a plain connection, reopened at will
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    import django

    django.setup()
    from django.db import InterfaceError, OperationalError, connection
    from django.utils import timezone

    from mpp.notifications.models import Message, Status
    from mpp.notifications.services import messages_enqueue

    def query(fn):
        """Run one read of this process, reconnecting after a killed connection."""
        for _ in range(20):
            try:
                return fn()
            except (OperationalError, InterfaceError):
                connection.close()
                time.sleep(0.1)
        raise RuntimeError("the scratch database stayed away")

    phones = [f"+62812{i:08d}" for i in range(args.messages)]
    messages_enqueue(
        messages=[
            {
                "channel": "sms" if i % 2 else "whatsapp",
                "recipient": phones[i],
                "template": "booking_confirmed",
                "context": {**CONTEXT, "code": f"FLT-{i:05d}"},
            }
            for i in range(args.messages)
        ]
    )
    reference_of = {
        f"FLT-{i:05d}": str(ref)
        for i, ref in enumerate(Message.objects.order_by("id").values_list("reference", flat=True))
    }
    print(
        f"outbox ({args.db}{', short' if args.short else ''}): {args.messages} messages, "
        f"3 workers, lease {lease:g} s, gateway failing for {fail_for:g} s then 8 % of "
        f"requests, 0.05-0.35 s slow, 4 % answered after the client gave up",
        flush=True,
    )

    logdir = Path(tempfile.mkdtemp(prefix="mpp-outbox-logs-"))
    gateway = FaultyGateway(fail_for=fail_for, lost_after=lease / 3 + 0.5)
    lease_delta = lease
    overdue_max = 0.0  # seconds a row stayed `sending` past its lease end
    orphans: dict[int, tuple[int, float]] = {}  # pk -> (attempts, lease end) at a kill
    came_back: list[float] = []  # seconds from a killed claim to the row's next claim
    checks: list[tuple[str, bool]] = []

    def snapshot_sending() -> list[tuple[int, int, object]]:
        return query(
            lambda: list(
                Message.objects.filter(status=Status.SENDING).values_list(
                    "pk", "attempts", "next_attempt_at"
                )
            )
        )

    def watch() -> None:
        nonlocal overdue_max
        now = timezone.now()
        for _pk, _attempts, lease_end in snapshot_sending():
            overdue_max = max(overdue_max, (now - lease_end).total_seconds())
        for pk, (attempts, claimed_at) in list(orphans.items()):
            row = query(
                lambda pk=pk: Message.objects.filter(pk=pk).values("attempts", "status").first()
            )
            if row["attempts"] > attempts:  # taken again by another worker
                came_back.append(time.time() - claimed_at)
                del orphans[pk]
            elif row["status"] != Status.SENDING:  # a live worker's row, settled by it
                del orphans[pk]

    def kill_worker(index: int, label: str) -> None:
        deadline = time.monotonic() + 3
        while gateway.inflight < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # kill while requests are open
        open_requests = gateway.inflight
        workers.kill_one(index)
        held = snapshot_sending()
        for pk, attempts, lease_end in held:
            orphans.setdefault(pk, (attempts, lease_end.timestamp() - lease_delta))
        print(
            f"  {label}: kill -9 of worker {index} with {open_requests} gateway request(s) "
            f"open; {len(held)} row(s) sending at that moment",
            flush=True,
        )

    def kill_database(label: str) -> None:
        if args.db != "postgres":
            return
        n = kill_connections(env, args.name)
        print(f"  {label}: pg_terminate_backend of {n} connection(s) to {args.name}", flush=True)
        checks.append((f"{label} killed connections", n > 0))

    faults = [
        (0.15, lambda: kill_worker(0, "worker kill 1")),
        (0.30, lambda: kill_database("connection kill 1")),
        (0.45, lambda: kill_worker(1, "worker kill 2")),
        (0.60, lambda: kill_database("connection kill 2")),
    ]
    if args.db != "postgres":
        print("  database connection kills: skipped on SQLite (no server connections to kill)")

    started = time.monotonic()
    with gateway_server(gateway=gateway) as gw:
        worker_env["MPP_SMS_GATEWAY_URL"] = gw.url
        worker_env["MPP_SMS_GATEWAY_TOKEN"] = "bench-token"
        workers = Workers(worker_env, logdir)
        sent = 0
        while time.monotonic() - started < budget:
            sent = query(lambda: Message.objects.filter(status=Status.SENT).count())
            done = sent / args.messages
            while faults and done >= faults[0][0]:
                faults.pop(0)[1]()
            watch()
            if sent == args.messages and not faults and not orphans:
                break
            time.sleep(0.25)
        took = time.monotonic() - started
        crashed = workers.died_on_their_own()
        workers.stop()
        time.sleep(0.2)

    # -- what reached the gateway ----------------------------------------------------
    rows = query(lambda: list(Message.objects.values_list("reference", "status", "context")))
    status_count = Counter(status for _, status, _ in rows)
    references = {str(ref) for ref, _, _ in rows}
    delivered_codes: Counter = Counter()
    code_refs: dict[str, set] = {}
    for body in gw.delivered:
        text = body.get("message", "")
        code = next((c for c in reference_of if c in text), None)
        if code is not None:
            delivered_codes[code] += 1
            code_refs.setdefault(code, set()).add(body.get("reference"))
    lost_at_gateway = sum(1 for ref in references if gw.deliveries[ref] == 0)
    lost = sum(
        1 for ref, status, _ in rows if gw.deliveries[str(ref)] == 0 or status != Status.SENT
    )
    lost += max(args.messages - len(rows), 0)
    not_sent = args.messages - status_count.get(Status.SENT, 0)
    duplicated = sum(n - 1 for n in gw.deliveries.values() if n > 1)
    duplicated += sum(n - 1 for n in delivered_codes.values() if n > 1)
    wrong_ref = sum(1 for code, refs in code_refs.items() if refs != {reference_of[code]})
    keys_ok = all(r["_meta"].get("idempotency_key") == r.get("reference") for r in gw.requests)
    lease_ok = overdue_max <= grace
    came_back_ok = not orphans and all(t <= lease + grace for t in came_back)

    print(
        f"  {len(gw.requests)} gateway requests in {took:.1f} s: {len(gw.delivered)} delivered, "
        f"{gateway.failed} failed (503/500), {gateway.lost} answered too late, "
        f"{gw.absorbed} repeats absorbed by reference"
    )
    print(
        f"  rows: {dict(status_count)}; not sent {not_sent}; "
        f"never delivered at the gateway {lost_at_gateway}"
    )
    print(
        f"  duplicates: {duplicated} (by reference and by message text); "
        f"delivered under a wrong or second reference: {wrong_ref}"
    )
    print(f"  every Idempotency-Key equal to its reference: {keys_ok}")
    print(
        f"  longest a row stayed `sending` past its lease end: {max(overdue_max, 0):.1f} s "
        f"(allowed {grace:g} s for a worker's next poll)"
    )
    print(
        f"  rows held by killed workers: {len(came_back)} came back after "
        f"{', '.join(f'{t:.1f}' for t in sorted(came_back)) or '-'} s "
        f"(lease {lease:g} s); still held: {len(orphans)}"
    )
    print(f"  workers that died on their own: {crashed}; logs in {logdir}")
    checks += [
        ("all sent", not_sent == 0),
        ("ids", keys_ok),
        ("lease", lease_ok),
        ("came back", came_back_ok),
        ("references", wrong_ref == 0),
        ("killed twice", len(workers.killed) == 2),
    ]
    failed = [name for name, ok in checks if not ok]
    if failed:
        print(f"  FAILED checks: {', '.join(failed)}")
    kills = "2 database connection kills" if args.db == "postgres" else "no connection kills"
    print(
        f"faults {PART}: {args.messages} messages, 3 workers, 2 kill -9, {kills}, "
        f"gateway failing and slow, {gw.absorbed} repeats absorbed; "
        f"lost {lost}, duplicated {duplicated + wrong_ref}, 500s {crashed}"
    )
    sys.exit(1 if failed or lost or not_sent or duplicated or wrong_ref or crashed else 0)


if __name__ == "__main__":
    main()
