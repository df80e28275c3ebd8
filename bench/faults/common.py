"""What the fault scripts share: a scratch database and the environment of its processes.

Never the user's var/mpp.sqlite3 or a shared database: a fresh MPP_VAR_DIR (SQLite) or a
dropped and recreated PostgreSQL database of the part's own name (BENCH_PG, default
postgres://postgres@localhost:5432), loaded with `mpp demo` or only migrated.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from bench.tickets import MPP, ROOT

PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@localhost:5432")


def scratch_env(db: str, *, name: str, load: list[str], extra: dict | None = None) -> dict:
    """The environment of `mpp` processes on a new scratch database `name`, after
    `mpp <load...>` ran in it (e.g. ["demo", "--no-serve"] or ["migrate", "--no-input"]).
    Redis is off unless the part sets REDIS_URL itself; `extra` is added last."""
    env = {**os.environ, "MPP_LOG_LEVEL": "ERROR", "MPP_VAR_DIR": tempfile.mkdtemp(prefix=name)}
    env.pop("REDIS_URL", None)
    env.update(extra or {})
    if db == "postgres":
        quiet = {**os.environ, "PGOPTIONS": "--client-min-messages=warning"}
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", sql], check=True, env=quiet)
        env["DATABASE_URL"] = f"{PG_BASE}/{name}"
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([MPP, *load], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return env
