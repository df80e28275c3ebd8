"""Running test workers as separate OS processes against the test database.

Concurrency guarantees (ticket numbers, call-next, booking quotas, outbox delivery)
are proven with real processes, not threads: each worker script sets Django up on
its own connection to the test database and starts at the same agreed moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


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
    JSON line last; returns those, in the order of `arg_lists`.
    """
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
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
    results = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results
