"""The input of a jemput bola plan: a mall's working days, its vehicle-days and its open
demand turned into the planner's Stops (outreach.planner.problem).

Why apart from plans.py: plans.py runs the solver and stores its answer; this reads the
rows and applies the rules of the demand (aggregation per village, weights, home visits,
pins, exclusions, the requests no plan can take: excluded, no_location, no_vehicle).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from mpp.catalog.hours import closed_days
from mpp.catalog.models import Mall, OpeningHours
from mpp.core.models import Region
from mpp.core.workdays import is_working_day
from mpp.outreach.models import OutreachRequest, PlanRule, UnservedReason, Visit
from mpp.outreach.planner.problem import Stop, VehicleDay, request_weight
from mpp.outreach.planner.problem import service_minutes as stop_minutes

HOME_HOURS = ("09:00", "15:00")  # a home visit's slot unless settings say otherwise


def setting(name: str, default):
    return getattr(settings, name, default)


def _minutes(value) -> int:
    if isinstance(value, str):
        value = dt.time.fromisoformat(value)
    return value.hour * 60 + value.minute


@dataclass
class StopInfo:
    """What plans.py knows about a stop beyond the solver's view."""

    kind: str
    village: Region
    requests: list[OutreachRequest] = field(default_factory=list)
    services: set[int] = field(default_factory=set)


def working_days(mall: Mall, first: dt.date, last: dt.date) -> list[dt.date]:
    """Government working days (core.workdays) on which the mall opens (its weekdays
    with hours, when it has published any) and that are not its own closed days."""
    weekdays = set(OpeningHours.objects.filter(mall=mall).values_list("weekday", flat=True))
    closed = closed_days(mall, first, last)
    days, day = [], first
    while day <= last:
        if (
            is_working_day(day)
            and day not in closed
            and (not weekdays or day.weekday() in weekdays)
        ):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def vehicle_days(vehicles, days: list[dt.date]) -> list[VehicleDay]:
    out = []
    for vehicle in vehicles:
        off = {str(d) for d in (vehicle.days_off or [])}
        for day in days:
            if day.isoformat() in off:
                continue
            out.append(
                VehicleDay(
                    vehicle_id=vehicle.pk,
                    date=day,
                    depot=(float(vehicle.depot_lat), float(vehicle.depot_lon)),
                    capacity=vehicle.capacity_per_day,
                    shift=(_minutes(vehicle.shift_start), _minutes(vehicle.shift_end)),
                    speed_kmh=float(vehicle.speed_kmh or 30),
                )
            )
    return out


def _point(request: OutreachRequest):
    if request.home_visit and request.lat is not None and request.lon is not None:
        return float(request.lat), float(request.lon)
    point = getattr(request.village, "outreach_point", None)
    if point is None:
        return None
    return float(point.lat), float(point.lon)


def _village_window(request: OutreachRequest) -> tuple[int, int]:
    point = getattr(request.village, "outreach_point", None)
    if point is not None and point.opens_at and point.closes_at:
        return _minutes(point.opens_at), _minutes(point.closes_at)
    return 0, 24 * 60  # no hall hours known: the shift bounds the visit


@dataclass
class Demand:
    """The solver's stops, what each stands for, the requests left out before solving
    (with their reason and their total weight) and the service-time rule."""

    stops: list[Stop]
    info: dict[str, StopInfo]
    early: dict[int, str]
    early_weight: float
    setup: int
    per_person: float


def demand(requests, vehicles, rules, days, now) -> Demand:
    """Stops for the solver, what each stands for, and the requests left out early."""
    carried = {v.pk: {o.service_id for o in v.offerings.all()} for v in vehicles}
    excluded = {r.village_id for r in rules if r.kind == PlanRule.Kind.EXCLUDE}
    pins: dict[str, list[PlanRule]] = defaultdict(list)
    for rule in rules:
        if rule.kind == PlanRule.Kind.PIN and (rule.date is None or rule.date in days):
            pins[rule.village_id].append(rule)
    setup = setting("MPP_OUTREACH_SETUP_MINUTES", 10)
    per = setting("MPP_OUTREACH_MINUTES_PER_PERSON", 6)
    home_window = tuple(_minutes(t) for t in setting("MPP_OUTREACH_HOME_HOURS", HOME_HOURS))

    early: dict[int, str] = {}
    early_weight = 0.0
    groups: dict[tuple, dict] = {}
    for req in requests:
        services = {s.pk for s in req.services.all()}
        waited = max(0.0, (now - req.created_at).total_seconds() / 86400)
        weight = request_weight(people=req.people, waiting_days=waited, vulnerable=bool(req.needs))
        point = _point(req)
        able = frozenset(v for v, s in carried.items() if not services or s & services)
        if req.village_id in excluded:
            early[req.pk] = UnservedReason.EXCLUDED
        elif point is None:
            early[req.pk] = UnservedReason.NO_LOCATION
        elif not able:
            early[req.pk] = UnservedReason.NO_VEHICLE
        if req.pk in early:
            early_weight += weight
            continue
        key = ("home", req.pk) if req.home_visit else ("village", req.village_id, able)
        group = groups.setdefault(
            key, {"point": point, "able": able, "requests": [], "weight": 0.0, "people": 0}
        )
        group["requests"].append((req, weight))
        group["weight"] += weight
        group["people"] += req.people

    stops, info = [], {}
    for n, (key, g) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0][:2]))):
        first = g["requests"][0][0]
        home = key[0] == "home"
        stop_key = f"{'h' if home else 'v'}{n}-{first.village_id}"
        village_pins = pins.get(first.village_id, [])
        vehicles_ok, days_ok, required = g["able"], None, False
        if village_pins:
            required = True
            dates = {p.date for p in village_pins if p.date is not None}
            days_ok = frozenset(dates) if dates else None
            chosen = {p.vehicle_id for p in village_pins if p.vehicle_id}
            if chosen:
                vehicles_ok = frozenset(vehicles_ok & chosen)
        stops.append(
            Stop(
                key=stop_key,
                lat=g["point"][0],
                lon=g["point"][1],
                weight=g["weight"],
                people=g["people"],
                service_minutes=stop_minutes(g["people"], setup=setup, per_person=per),
                window=home_window if home else _village_window(first),
                vehicles=vehicles_ok,
                days=days_ok,
                required=required,
            )
        )
        # Most urgent first: they fill the first part of a village split over days.
        ordered = sorted(g["requests"], key=lambda rw: (-rw[1] / rw[0].people, rw[0].created_at))
        info[stop_key] = StopInfo(
            kind=Visit.Kind.HOME if home else Visit.Kind.VILLAGE,
            village=first.village,
            requests=[r for r, _ in ordered],
            services=set().union(*({s.pk for s in r.services.all()} for r, _ in ordered)),
        )
    return Demand(stops, info, early, early_weight, setup, per)
