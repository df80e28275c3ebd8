"""Solve a jemput bola Problem with PyVRP: which stops each vehicle serves on each day.

Why PyVRP: a multi-day, prize-collecting vehicle routing problem with time windows is a
solved problem in operations research; PyVRP (MIT, state of the art on the VRPTW
benchmarks) solves it far better than anything home-made. How the model maps onto it:

- every VehicleDay is a vehicle; vehicle-days that are identical to the solver (same
  depot, shift, capacity, speed and compatibility) share one PyVRP VehicleType with
  num_available = their count (the days of one van with no pins are interchangeable);
  the routes of a type go to its days earliest first, the richest route first;
- every Stop is an optional client whose prize is its weight x PRIZE_PER_WEIGHT (a
  weighted person is worth 100 km of road), so the solver serves the most weighted
  demand first and saves distance second; a pin is a required client;
- load dimension 0 is people (capacity per day); each distinct restriction of stops to
  some vehicle-days (the services a vehicle carries, a pin's day) adds one dimension in
  which those stops weigh 1 and only the allowed vehicle-days have room;
- time windows: a stop must start and end inside its window, so PyVRP's latest start is
  window end - service time; the shift is the vehicle type's time window and maximum
  duration; speeds differ by routing profile.

A stop too big for any one visit (more people than a day's capacity, or a service time
longer than the window or the shift) is split into parts "<key>#<n>" the solver places
independently, usually on several days. Stops nobody can serve are left out before
solving with their reason: no_vehicle (nobody carries it), too_far (cannot get there and
back within a shift and the window), capacity (no vehicle-day in the horizon); stops in
the model that the solver leaves out are reported as capacity.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pyvrp
from pyvrp import Client, Depot, Location, ProblemData, VehicleType
from pyvrp.stop import MaxRuntime

from mpp.outreach.planner.distances import distance_matrix_m, duration_matrix_s
from mpp.outreach.planner.problem import Problem, Stop, VehicleDay

PYVRP_VERSION = importlib.metadata.version("pyvrp")
COST_UNIT_M = 100  # PyVRP's distance unit: 100 m keeps prizes under its penalty bounds
PRIZE_PER_WEIGHT = 1000  # cost units (100 km of road) one unit of weight is worth
SETUP_MINUTES = 10
MINUTES_PER_PERSON = 6
PIN_PRIZE_FACTOR = 1000  # pins that cannot all be met are retried as very rich optional stops


@dataclass
class Solution:
    """The plan PyVRP found. routes[i] belongs to problem.vehicle_days[i]: a list of
    (stop key, start minute, end minute); unserved maps a stop key to its reason; parts
    maps a split stop's key to its parts' (key, people)."""

    routes: list[list[tuple[str, int, int]]]
    unserved: dict[str, str]
    cost: int  # metres driven
    weight_served: float
    weight_total: float
    feasible: bool
    parts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)

    @property
    def served_keys(self) -> set[str]:
        return {key for route in self.routes for key, _, _ in route}


def _allowed(stop: Stop, vd: VehicleDay) -> bool:
    return (stop.vehicles is None or vd.vehicle_id in stop.vehicles) and (
        stop.days is None or vd.date in stop.days
    )


def _max_people(stop: Stop, vd: VehicleDay, there: float, back: float, setup: int, per: float):
    """How many people one visit of `vd` can take at `stop` (None: cannot reach it)."""
    begin = max(stop.window[0], vd.shift[0] + math.ceil(there / 60))
    end = min(stop.window[1], vd.shift[1] - math.ceil(back / 60))
    if end - begin < setup:
        return None
    by_time = int((end - begin - setup) // per) if per > 0 else vd.capacity
    return min(vd.capacity, by_time)


def _split(stop: Stop, max_people: int, setup: int, per: float) -> list[Stop]:
    n = math.ceil(stop.people / max_people)
    base, extra = divmod(stop.people, n)
    parts = []
    for i in range(n):
        people = base + (1 if i < extra else 0)
        parts.append(
            dataclasses.replace(
                stop,
                key=f"{stop.key}#{i + 1}",
                people=people,
                weight=stop.weight * people / stop.people,
                service_minutes=setup + math.ceil(per * people),
            )
        )
    return parts


def _prepare(problem: Problem, setup: int, per: float):
    """Stops the solver sees (split where needed) and the reasons of those it cannot."""
    vds = problem.vehicle_days
    depots = sorted({vd.depot for vd in vds})
    points = [*depots, *((s.lat, s.lon) for s in problem.stops)]
    dist = distance_matrix_m(points, metric=problem.metric, road_factor=problem.road_factor)
    depot_idx = {d: i for i, d in enumerate(depots)}
    unserved: dict[str, str] = {}
    parts: dict[str, list[tuple[str, int]]] = {}
    kept: list[Stop] = []
    for j, stop in enumerate(problem.stops):
        col = len(depots) + j
        allowed = [vd for vd in vds if _allowed(stop, vd)]
        if not allowed:
            carriers = stop.vehicles is None or any(vd.vehicle_id in stop.vehicles for vd in vds)
            unserved[stop.key] = "capacity" if carriers and vds else "no_vehicle"
            continue
        best = None
        for vd in allowed:
            d = depot_idx[vd.depot]
            there = dist[d, col] * 3.6 / vd.speed_kmh
            back = dist[col, d] * 3.6 / vd.speed_kmh
            cap = _max_people(stop, vd, there, back, setup, per)
            if cap is not None and (best is None or cap > best):
                best = cap
        fits_whole = best is not None and any(
            stop.people <= vd.capacity
            and _fits(stop, vd, dist, depot_idx[vd.depot], col, stop.service_minutes)
            for vd in allowed
        )
        if fits_whole:
            kept.append(stop)
        elif best is None or best < 1:
            unserved[stop.key] = "too_far"
        else:
            pieces = _split(stop, best, setup, per)
            parts[stop.key] = [(p.key, p.people) for p in pieces]
            kept.extend(pieces)
    return kept, unserved, parts


def _fits(stop: Stop, vd: VehicleDay, dist, d: int, col: int, service: int) -> bool:
    there = dist[d, col] * 3.6 / vd.speed_kmh
    back = dist[col, d] * 3.6 / vd.speed_kmh
    start = max(stop.window[0] * 60, vd.shift[0] * 60 + there)
    end = start + service * 60
    return end <= stop.window[1] * 60 and end + back <= vd.shift[1] * 60


def _build(problem: Problem, stops: list[Stop], pins_required: bool = True):
    """ProblemData for PyVRP, and the vehicle-day indices behind each vehicle type."""
    vds = problem.vehicle_days
    depots = sorted({vd.depot for vd in vds})
    speeds = sorted({vd.speed_kmh for vd in vds})
    allowed = [frozenset(i for i, vd in enumerate(vds) if _allowed(s, vd)) for s in stops]
    everyone = frozenset(range(len(vds)))
    patterns = sorted({a for a in allowed if a != everyone}, key=sorted)
    dim_of = {p: 1 + k for k, p in enumerate(patterns)}
    ndims = 1 + len(patterns)

    locations = [Location(x=p[1], y=p[0]) for p in depots]
    locations += [Location(x=s.lon, y=s.lat, name=s.key) for s in stops]
    points = [*depots, *((s.lat, s.lon) for s in stops)]
    dist = distance_matrix_m(points, metric=problem.metric, road_factor=problem.road_factor)
    unit = problem.time_unit_s
    per_minute = 60 // unit
    durations = [
        np.rint(duration_matrix_s(dist, speed) / unit).astype(np.int64) for speed in speeds
    ]
    cost = np.rint(dist / COST_UNIT_M).astype(np.int64)

    clients = []
    for s, a in zip(stops, allowed, strict=True):
        delivery = [0] * ndims
        delivery[0] = s.people
        if a != everyone:
            delivery[dim_of[a]] = 1
        latest = (s.window[1] - s.service_minutes) * per_minute
        required = s.required and pins_required
        prize = 0 if required else max(1, round(s.weight * PRIZE_PER_WEIGHT))
        if s.required and not pins_required:
            prize *= PIN_PRIZE_FACTOR
        clients.append(
            Client(
                location=len(depots) + len(clients),
                delivery=delivery,
                service_duration=s.service_minutes * per_minute,
                tw_early=s.window[0] * per_minute,
                tw_late=max(s.window[0] * per_minute, latest),
                prize=prize,
                required=required,
                name=s.key,
            )
        )

    groups: dict[tuple, list[int]] = {}
    for i, vd in enumerate(vds):
        capacity = [vd.capacity] + [len(stops) if i in p else 0 for p in patterns]
        key = (vd.depot, tuple(capacity), vd.shift, vd.speed_kmh)
        groups.setdefault(key, []).append(i)
    types, members = [], []
    for (depot, capacity, shift, speed), idxs in groups.items():
        d = depots.index(depot)
        types.append(
            VehicleType(
                num_available=len(idxs),
                capacity=list(capacity),
                start_depot=d,
                end_depot=d,
                tw_early=shift[0] * per_minute,
                tw_late=shift[1] * per_minute,
                shift_duration=(shift[1] - shift[0]) * per_minute,
                profile=speeds.index(speed),
                name=str(idxs[0]),
            )
        )
        members.append(sorted(idxs, key=lambda i: (vds[i].date, str(vds[i].vehicle_id))))
    data = ProblemData(
        locations,
        clients,
        [Depot(location=i) for i in range(len(depots))],
        types,
        [cost] * len(speeds),
        durations,
    )
    return data, members, ndims, per_minute


def _run(data: ProblemData, seconds: float, seed: int):
    return pyvrp.solve(data, MaxRuntime(max(0.01, seconds)), seed=seed, collect_stats=False)


def plan_solve(
    problem: Problem,
    *,
    seconds: float,
    seed: int = 1,
    setup_minutes: int = SETUP_MINUTES,
    minutes_per_person: float = MINUTES_PER_PERSON,
) -> Solution:
    """Plan the stops onto the vehicle-days within `seconds` of search (PyVRP's iterated
    local search, seeded: the same problem, seed and time give the same plan on the same
    machine unless the time limit cuts differently)."""
    started = time.monotonic()
    vds = problem.vehicle_days
    weight_total = sum(s.weight for s in problem.stops)
    empty = [[] for _ in vds]
    stops, unserved, parts = _prepare(problem, setup_minutes, minutes_per_person)
    stats = {"solver": f"pyvrp {PYVRP_VERSION}", "seconds": seconds, "seed": seed}
    if not stops:
        stats.update(iterations=0, runtime=round(time.monotonic() - started, 3))
        return Solution(empty, unserved, 0, 0.0, weight_total, True, parts, stats)

    data, members, ndims, per_minute = _build(problem, stops)
    result = _run(data, seconds, seed)
    pins_met = True
    if not result.is_feasible() and any(s.required for s in stops):
        # The pins cannot all be met (a full day, a window out of reach): plan them as
        # very rich optional stops so the rest of the plan stands; stats say so.
        pins_met = False
        data, members, ndims, per_minute = _build(problem, stops, pins_required=False)
        result = _run(data, seconds, seed)
    best = result.best

    by_type: dict[int, list] = {}
    for route in best.routes():
        by_type.setdefault(route.vehicle_type(), []).append(route)
    routes = [[] for _ in vds]
    for vt, type_routes in by_type.items():
        type_routes.sort(key=lambda r: (-r.prizes(), r.distance()))
        for route, vd_index in zip(type_routes, members[vt], strict=False):
            visits = []
            for act in route.schedule():
                if act.is_client():
                    stop = stops[act.idx]
                    start = act.start_time // per_minute
                    end = -(-act.end_time // per_minute)
                    visits.append((stop.key, int(start), int(end)))
            routes[vd_index] = visits

    served = {key for route in routes for key, _, _ in route}
    weight_served = sum(s.weight for s in stops if s.key in served)
    for s in stops:
        if s.key not in served:
            unserved[s.key] = "capacity"
    for key, pieces in parts.items():
        if all(p in unserved for p, _ in pieces):
            for p, _ in pieces:
                unserved.pop(p, None)
            unserved[key] = "capacity"
    stats.update(
        iterations=result.num_iterations,
        runtime=round(result.runtime, 3),
        feasible=best.is_feasible(),
        pins_met=pins_met,
        distance_km=round(best.distance() * COST_UNIT_M / 1000, 1),
        clients=len(stops),
        vehicle_types=len(members),
        load_dimensions=ndims,
    )
    return Solution(
        routes,
        unserved,
        int(best.distance()) * COST_UNIT_M,
        weight_served,
        weight_total,
        bool(best.is_feasible()),
        parts,
        stats,
    )
