"""Run every fault-injection part and sum up: `python -m bench.faults [--short] [--db D]`.

Each part runs in its own process (`python -m bench.faults.<part> ...`) and ends with a
line `faults <part>: ...; lost N, duplicated N, 500s N`; a part that exits non-zero, or
whose last line is missing or counts anything but 0, fails the run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

from bench.tickets import ROOT

PARTS = ["redis", "outbox", "database", "midnight", "bad_bytes"]
LAST_LINE = re.compile(r"^faults (\S+): .*lost (\d+), duplicated (\d+), 500s (\d+)\s*$")


def run_part(part: str, *, short: bool, db: str) -> tuple[bool, str, float]:
    args = [sys.executable, "-m", f"bench.faults.{part}", "--db", db]
    if short:
        args.append("--short")
    started = time.monotonic()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    took = time.monotonic() - started
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stdout.write(proc.stderr[-4000:])
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    match = LAST_LINE.match(lines[-1]) if lines else None
    ok = (
        proc.returncode == 0
        and match is not None
        and match.group(1) == part
        and all(int(n) == 0 for n in match.groups()[1:])
    )
    return ok, (lines[-1] if lines else "(no output)"), took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="the short form CI runs")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("parts", nargs="*", default=PARTS, help=f"some of {PARTS}")
    args = parser.parse_args()
    failed = []
    summary = []
    for part in args.parts:
        print(f"== faults {part} ({args.db}{', short' if args.short else ''}) ==", flush=True)
        ok, last, took = run_part(part, short=args.short, db=args.db)
        summary.append(f"{'ok  ' if ok else 'FAIL'} {part:<10} {took:6.1f} s  {last}")
        if not ok:
            failed.append(part)
    print("== faults summary ==")
    print("\n".join(summary))
    if failed:
        print(f"faults: {len(failed)} part(s) failed: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
