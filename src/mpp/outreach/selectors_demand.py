"""Reads of the mobile-service demand: per village and service, per kecamatan, the
villages a form offers, one request by its tracking code.

Why: the manager decides where the vans go from these tables, and the citizen's form
and the agents' form list villages from the same place. Aggregation is done in Python
over one query of the open requests (a mall's open demand is hundreds of rows, not
millions), so SQLite and PostgreSQL give the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from mpp.catalog.models import Mall
from mpp.core.models import Region
from mpp.outreach.models import OutreachRequest, RequestStatus

OPEN = (RequestStatus.RECEIVED, RequestStatus.SCHEDULED)


@dataclass
class DemandRow:
    """Open demand of one village for one service (or, by district, one kecamatan)."""

    village_code: str
    village_name: str
    district_code: str
    district_name: str
    province_code: str
    province_name: str
    service_code: str
    service_name: str
    people: int = 0
    requests: int = 0
    home_visits: int = 0
    vulnerable_people: int = 0
    oldest_days: int = 0
    request_ids: list[int] = field(default_factory=list)


def _requests(mall: Mall, statuses, *, district: str = "", service: str = ""):
    rows = (
        OutreachRequest.objects.filter(mall=mall, status__in=list(statuses))
        .select_related("village__parent__parent__parent")
        .prefetch_related("services")
        .order_by("created_at")
    )
    if district:
        rows = rows.filter(village__parent_id=district)
    if service:
        rows = rows.filter(services__code=service).distinct()
    return rows


def _province(village: Region) -> Region | None:
    node = village
    while node is not None and node.level > Region.Level.PROVINCE:
        node = node.parent
    return node


def demand_by_village(
    mall: Mall,
    statuses=OPEN,
    *,
    district: str = "",
    service: str = "",
    now: dt.datetime | None = None,
) -> list[DemandRow]:
    """One row per village and service of the mall's open requests (RECEIVED and
    SCHEDULED unless `statuses` says otherwise): people, requests, home visits, people
    who cannot travel, and how many days the oldest request has waited. Sorted by
    kecamatan, village, service."""
    today = (now or timezone.now()).astimezone(mall.tz).date()
    table: dict[tuple[str, str], DemandRow] = {}
    for req in _requests(mall, statuses, district=district, service=service):
        village = req.village
        district_row = village.parent
        province = _province(village)
        waited = (today - req.created_at.astimezone(mall.tz).date()).days
        for svc in req.services.all():
            if service and svc.code != service:
                continue
            key = (village.code, svc.code)
            row = table.get(key)
            if row is None:
                row = table[key] = DemandRow(
                    village_code=village.code,
                    village_name=village.name,
                    district_code=district_row.code if district_row else "",
                    district_name=district_row.name if district_row else "",
                    province_code=village.code[:2],
                    province_name=province.name if province else "",
                    service_code=svc.code,
                    service_name=svc.name,
                )
            row.people += req.people
            row.requests += 1
            row.home_visits += int(req.home_visit)
            row.vulnerable_people += req.people if req.needs else 0
            row.oldest_days = max(row.oldest_days, waited)
            row.request_ids.append(req.pk)
    return sorted(table.values(), key=lambda r: (r.district_code, r.village_code, r.service_code))


@dataclass
class DistrictRow:
    """Open demand of one kecamatan, all services together."""

    province_code: str
    province_name: str
    district_code: str
    district_name: str
    villages: int = 0
    people: int = 0
    requests: int = 0
    home_visits: int = 0
    vulnerable_people: int = 0
    oldest_days: int = 0


def demand_by_district(
    mall: Mall, statuses=OPEN, *, service: str = "", now: dt.datetime | None = None
) -> list[DistrictRow]:
    """One row per kecamatan (with its province) of the mall's open requests: villages
    asking, people, requests, home visits, people who cannot travel, oldest wait. A
    request counts once whatever the number of its services."""
    today = (now or timezone.now()).astimezone(mall.tz).date()
    table: dict[str, DistrictRow] = {}
    villages: dict[str, set[str]] = defaultdict(set)
    for req in _requests(mall, statuses, service=service):
        village = req.village
        district_row = village.parent
        code = district_row.code if district_row else village.code.rsplit(".", 1)[0]
        row = table.get(code)
        if row is None:
            province = _province(village)
            row = table[code] = DistrictRow(
                province_code=village.code[:2],
                province_name=province.name if province else "",
                district_code=code,
                district_name=district_row.name if district_row else code,
            )
        villages[code].add(village.code)
        row.people += req.people
        row.requests += 1
        row.home_visits += int(req.home_visit)
        row.vulnerable_people += req.people if req.needs else 0
        waited = (today - req.created_at.astimezone(mall.tz).date()).days
        row.oldest_days = max(row.oldest_days, waited)
    for code, row in table.items():
        row.villages = len(villages[code])
    return sorted(table.values(), key=lambda r: (r.province_code, r.district_code))


def districts_of(mall: Mall):
    """The kecamatan of the mall's kabupaten/kota (Region rows of level 3), by name."""
    return Region.objects.filter(parent_id=mall.regency_id, level=Region.Level.DISTRICT).order_by(
        "name"
    )


def villages_of(district_code: str):
    """The villages of one kecamatan (Region rows of level 4), by name."""
    return Region.objects.filter(parent_id=district_code, level=Region.Level.VILLAGE).order_by(
        "name"
    )


def request_by_code(code: str) -> OutreachRequest | None:
    """The request with this tracking code (already normalised), or None."""
    if not code:
        return None
    return (
        OutreachRequest.objects.select_related("mall", "village__parent")
        .prefetch_related("services")
        .filter(code=code)
        .first()
    )


def request_visit(request: OutreachRequest):
    """The published visit that serves `request` (the earliest), or None."""
    return (
        request.visits.filter(plan__status="published")
        .select_related("vehicle")
        .order_by("date", "start")
        .first()
    )


def request_public(request: OutreachRequest) -> dict:
    """What anyone holding the tracking code may see: no phone, name or address."""
    visit = request_visit(request)
    return {
        "code": request.code,
        "status": request.status,
        "mall": request.mall.code,
        "village_code": request.village_id,
        "village_name": request.village.name,
        "services": [s.code for s in request.services.all()],
        "people": request.people,
        "home_visit": request.home_visit,
        "created_at": request.created_at,
        "visit": ({"date": visit.date, "start": visit.start, "end": visit.end} if visit else None),
    }
