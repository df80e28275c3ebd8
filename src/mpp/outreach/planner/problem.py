"""What the jemput bola planner is asked to solve, as plain data (no database, no PyVRP).

Why a layer of its own: plans.py turns a mall's requests, fleet and rules into these
dataclasses, the bench turns Solomon's instances into them, and tests write them by
hand; solve.py maps them onto PyVRP. One problem covers a multi-day horizon: each
vehicle's working day is a VehicleDay (its own depot, shift, capacity and speed), and a
Stop may be restricted to some vehicles and days (the services a vehicle carries, a
manager's pin).

Times are minutes after midnight of the stop's day (every day has the same clock), so a
village hall open 08:00-14:00 is window (480, 840) whatever the day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from mpp.outreach.planner.distances import ROAD_FACTOR


@dataclass(frozen=True)
class Stop:
    """A place the fleet may visit once: a village's meeting point (all or part of its
    demand) or one home. `weight` is what serving it is worth (vulnerable and
    long-waiting people weigh more); the planner maximises weight served.

    window: the visit must start and end within it (minutes after midnight).
    vehicles / days: who may serve it and when (None = anyone / any day; an empty set =
    no one, reported as no_vehicle). required: a manager's pin, served whatever it costs.
    """

    key: str
    lat: float
    lon: float
    weight: float
    people: int
    service_minutes: int
    window: tuple[int, int] = (0, 24 * 60)
    vehicles: frozenset | None = None
    days: frozenset[dt.date] | None = None
    required: bool = False


@dataclass(frozen=True)
class VehicleDay:
    """One vehicle on one working day: leaves its depot (lat, lon) at shift start at the
    earliest and is back by shift end; serves at most `capacity` people that day."""

    vehicle_id: object
    date: dt.date
    depot: tuple[float, float]
    capacity: int
    shift: tuple[int, int]
    speed_kmh: float = 30.0


@dataclass(frozen=True)
class Problem:
    """Stops, vehicle-days and the distance rule (haversine x road_factor, or "euclidean"
    planar coordinates in km truncated to 100 m: Solomon's convention, for the bench).
    Travel times are rounded to time_unit_s (the bench uses 6 s: 0.1 km at 60 km/h)."""

    stops: list[Stop]
    vehicle_days: list[VehicleDay]
    road_factor: float = ROAD_FACTOR
    metric: str = "haversine"  # or "euclidean" (lat = y km, lon = x km)
    time_unit_s: int = 60  # the solver's clock tick (a divisor of 60): minutes by default

    def __post_init__(self):
        if self.time_unit_s <= 0 or 60 % self.time_unit_s:
            raise ValueError("time_unit_s must divide 60")


VULNERABLE_FACTOR = 3  # anyone with a need (elderly, disabled, bedridden, new mother)
WAITING_WEEK_DAYS = 7  # each week of waiting adds the weight of one more wait


def request_weight(*, people: int, waiting_days: float, vulnerable: bool) -> float:
    """What serving one request is worth: people x (1 + days waiting / 7), x 3 when
    anyone in it cannot travel. A request a fortnight old counts three times a new one."""
    weight = people * (1 + max(0.0, waiting_days) / WAITING_WEEK_DAYS)
    return weight * (VULNERABLE_FACTOR if vulnerable else 1)


def service_minutes(people: int, *, setup: int, per_person: float) -> int:
    """How long a stop takes: setting up (table, printer, signal) plus each person."""
    return setup + math.ceil(per_person * people)
