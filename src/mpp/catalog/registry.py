"""The national registry of malls, loaded from the project's own list of inaugurations.

Why: every MPP in Indonesia should exist as a Mall before anyone configures it, with
its kabupaten/kota, inauguration date and the public source that reports it, so a
new mall starts from facts instead of typing. The list is `data/mpp_locations.csv`
(one row per mall, compiled from public reports; `note` flags conflicts).

Reloading refreshes those facts and never touches what a mall's manager set
(queue policy, address, status once the mall exists).
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from mpp.catalog.models import Mall, timezone_for_province
from mpp.core.events import event_record
from mpp.core.regions import regions_load

REGISTRY_CSV = Path(__file__).resolve().parent / "data" / "mpp_locations.csv"

# The facts the registry owns; a rerun overwrites these and nothing else.
REGISTRY_FIELDS = (
    "name",
    "regency_id",
    "inaugurated_on",
    "timezone",
    "source_url",
    "source_note",
)


def mall_code_for(regency_name: str) -> str:
    """The registry's mall code: `mpp-` and the slug of the kabupaten/kota name."""
    return f"mpp-{slugify(regency_name)}"


def registry_rows(path: Path = REGISTRY_CSV) -> list[dict]:
    """The CSV rows as dicts: regency_code, name, inaugurated_date, source, basis, note."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _inauguration(value: str) -> tuple[dt.date | None, str]:
    """The date, or None with a note when the source gives only a month or year."""
    value = value.strip()
    if not value:
        return None, ""
    if len(value) == 10:
        return dt.date.fromisoformat(value), ""
    if len(value) in (4, 7) and value[:4].isdigit():  # "2023" or "2023-02": day unknown
        return None, f"inaugurated {value} (day not known)"
    raise ValueError(f"inaugurated_date {value!r} is not YYYY-MM-DD, YYYY-MM or YYYY")


def _facts(row: dict) -> dict:
    date, date_note = _inauguration(row["inaugurated_date"] or "")
    parts = (row["basis"], row["note"], date_note)
    note = " — ".join(part.strip() for part in parts if part.strip())
    code = row["regency_code"].strip()
    return {
        "name": f"MPP {row['name'].strip()}",
        "regency_id": code,
        "inaugurated_on": date,
        "timezone": timezone_for_province(code[:2]),
        "source_url": row["source"].strip(),
        "source_note": note,
    }


@transaction.atomic
def malls_registry_load() -> int:
    """Create or refresh one Mall per registry row; returns how many malls the registry holds.

    Idempotent: malls are matched by code, so a rerun creates nothing twice and only
    rewrites the registry's facts (REGISTRY_FIELDS), leaving managers' settings alone.
    """
    regions_load(depth=2)
    rows = registry_rows()
    wanted = {mall_code_for(row["name"]): _facts(row) for row in rows}
    existing = {m.code: m for m in Mall.objects.filter(code__in=wanted)}

    to_create, to_update = [], []
    for code, facts in wanted.items():
        mall = existing.get(code)
        if mall is None:
            to_create.append(Mall(code=code, status=Mall.Status.OPERATING, **facts))
            continue
        changed = False
        for field, value in facts.items():
            if getattr(mall, field) != value:
                setattr(mall, field, value)
                changed = True
        if changed:
            to_update.append(mall)

    Mall.objects.bulk_create(to_create)
    if to_update:
        Mall.objects.bulk_update(to_update, REGISTRY_FIELDS)
    if to_create or to_update:
        event_record(
            kind="registry.loaded",
            subject_type="registry",
            subject_id=REGISTRY_CSV.name,
            data={"created": len(to_create), "updated": len(to_update), "rows": len(rows)},
        )
    return len(wanted)
