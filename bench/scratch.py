"""A scratch database with the demo loaded, for in-process benchmarks.

Never the user's var/mpp.sqlite3: a fresh MPP_VAR_DIR (SQLite) or a dropped and
recreated PostgreSQL database (BENCH_PG, default postgres://postgres@localhost:5432).
Sets the environment of this process before Django is set up.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from bench.tickets import MPP, ROOT


def scratch_demo(db: str, *, name: str, region_depth: int = 4) -> None:
    """Point this process at a new scratch database `name` and load the demo into it."""
    os.environ["MPP_VAR_DIR"] = tempfile.mkdtemp(prefix=f"{name}-")
    os.environ.pop("REDIS_URL", None)
    os.environ["MPP_LOG_LEVEL"] = "ERROR"
    if db == "postgres":
        base = os.environ.get("BENCH_PG", "postgres://postgres@localhost:5432")
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    else:
        os.environ.pop("DATABASE_URL", None)
    subprocess.run(
        [MPP, "demo", "--no-serve", "--region-depth", str(region_depth)],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
