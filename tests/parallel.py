"""Running test workers as separate OS processes against the test database.

Concurrency guarantees (ticket numbers, call-next, booking quotas, outbox delivery)
are proven with real processes, not threads: each worker script sets Django up on
its own connection to the test database and starts at the same agreed moment.

Did they really run at once? A worker calls `begin(start_at)` instead of sleeping
itself: it waits for the agreed moment and for every other worker to be ready (a
process slow to start on a busy machine would otherwise begin after the others ended),
and at exit reports its working window (CLOCK_MONOTONIC, one clock for every process of
the machine) on stderr. run_parallel returns the results with those windows: `overlap()`
is how long all processes were working at the same time, `peak()` how many at most.
That is all that is asserted on SQLite: its write lock serialises writers, so processes
commit in runs (the numbering test: 5-8 changes of owner in 150 commits when workers
did not wait for each other, about 50 since); on PostgreSQL row locks let them
interleave (147 of 150), which `owner_switches` counts.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from django.db import connection

from tests.clock import subprocess_env

ROOT = Path(__file__).resolve().parents[1]
WINDOW_TAG = "mpp-parallel-window"
READY_DIR, COUNT = "MPP_PARALLEL_READY_DIR", "MPP_PARALLEL_COUNT"


def begin(start_at: float, *, ready_timeout: float = 120) -> None:
    """In a worker: wait until `start_at` (epoch seconds, as run_parallel passed it) and
    until all workers are ready, then record the working window, reported on stderr
    when the process exits."""
    ready_dir, count = os.environ.get(READY_DIR), int(os.environ.get(COUNT, "0"))
    if ready_dir:
        Path(ready_dir, str(os.getpid())).touch()
    time.sleep(max(0.0, start_at - time.time()))
    give_up = time.monotonic() + ready_timeout
    while ready_dir and len(os.listdir(ready_dir)) < count and time.monotonic() < give_up:
        time.sleep(0.002)
    started = time.monotonic()

    def report() -> None:
        print(WINDOW_TAG, json.dumps([started, time.monotonic()]), file=sys.stderr, flush=True)

    atexit.register(report)


class Results(list):
    """The workers' results, in order, plus each one's working window (or None)."""

    windows: list[tuple[float, float] | None]

    def overlap(self) -> float:
        """Seconds during which every worker was working at once (0.0 if never)."""
        assert self.windows and all(self.windows), "a worker did not call begin()"
        starts, ends = zip(*self.windows, strict=True)
        return max(0.0, min(ends) - max(starts))

    def peak(self) -> int:
        """The most workers working at the same moment."""
        assert self.windows and all(self.windows), "a worker did not call begin()"
        return max(sum(1 for s, e in self.windows if s <= start < e) for start, _ in self.windows)


def owner_switches(owners: Iterable) -> int:
    """How many times the owner changes along a sequence (commit order, for example)."""
    owners = list(owners)
    return sum(1 for a, b in zip(owners, owners[1:], strict=False) if a != b)


def database_url() -> str:
    """DATABASE_URL of the test database this test process uses."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        user = s.get("USER") or "postgres"
        host = s.get("HOST") or "localhost"
        port = s.get("PORT") or 5432
        auth = f"{user}:{s['PASSWORD']}" if s.get("PASSWORD") else user
        return f"postgres://{auth}@{host}:{port}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


def run_parallel(
    script: Path,
    arg_lists: list[list[str]],
    *,
    start_in: float = 2.0,
    timeout: float = 180,
    env: dict | None = None,
) -> list:
    """Start `script` once per argument list, all beginning at the same moment.

    Each gets the start time (epoch seconds) as its last argument and must print one
    JSON line last; returns those, in the order of `arg_lists`, as Results (with the
    working windows of workers that called begin()). The children share this process's
    clock, moved or not (tests/clock.py).
    """
    ready_dir = tempfile.mkdtemp(prefix="mpp-parallel-")
    full_env = subprocess_env(
        {
            **os.environ,
            "DATABASE_URL": database_url(),
            "PYTHONPATH": str(ROOT),
            READY_DIR: ready_dir,
            COUNT: str(len(arg_lists)),
            **(env or {}),
        }
    )
    start_at = str(time.time() + start_in)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), *args, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            cwd=ROOT,
            text=True,
        )
        for args in arg_lists
    ]
    results = Results()
    results.windows = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
        tagged = [line for line in err.splitlines() if line.startswith(WINDOW_TAG)]
        results.windows.append(tuple(json.loads(tagged[-1].split(" ", 1)[1])) if tagged else None)
    shutil.rmtree(ready_dir, ignore_errors=True)
    return results
