"""Make src/mpp/outreach/data/village_points.csv.gz from ../shared/data/wilayah.

Why: the mobile-service planner needs a location for every village (and, for maps and
checks, every kecamatan and kabupaten/kota). cahyadsn/wilayah_boundaries (MIT) gives
polygon centroids; we keep code, lat, lon with 6 decimals (about 0.1 m) and nothing else,
gzipped, so the project carries them without ../shared at runtime. The licence notice is
src/mpp/outreach/data/LICENSE-wilayah.md.

    .venv/bin/python scripts/outreach_points.py [--source ../shared/data/wilayah]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "mpp" / "outreach" / "data" / "village_points.csv.gz"
FILES = ("regencies.csv", "districts.csv", "villages.csv")


def rows(source: Path):
    for name in FILES:
        with (source / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("lat") and row.get("lon"):
                    yield row["code"], f"{float(row['lat']):.6f}", f"{float(row['lon']):.6f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared/data/wilayah")
    args = parser.parse_args()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "lat", "lon"])
    count = 0
    for count, row in enumerate(sorted(rows(args.source)), start=1):  # noqa: B007
        writer.writerow(row)
    # mtime=0: the same input gives the same bytes.
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(text.getvalue().encode())
    print(f"{count} points -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
