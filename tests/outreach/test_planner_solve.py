"""The jemput bola planner on hand-made problems (outreach.planner): no database, PyVRP
underneath. Each test gives the solver well under a second."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from mpp.outreach.planner.distances import (
    ROAD_FACTOR,
    distance_matrix_m,
    haversine_km,
    road_km,
)
from mpp.outreach.planner.problem import (
    Problem,
    Stop,
    VehicleDay,
    request_weight,
    service_minutes,
)
from mpp.outreach.planner.solve import plan_solve

DEPOT = (-6.836, 108.227)  # near MPP Majalengka
MONDAY = dt.date(2027, 3, 1)
SECONDS = 0.3


def _day(n: int = 0, vehicle=1, capacity=40, shift=(480, 900)) -> VehicleDay:
    return VehicleDay(vehicle, MONDAY + dt.timedelta(days=n), DEPOT, capacity, shift, 30)


def _stop(key, north_km=2.0, east_km=0.0, people=5, weight=None, **kwargs) -> Stop:
    lat = DEPOT[0] + north_km / 111.0
    lon = DEPOT[1] + east_km / 110.0
    minutes = kwargs.pop("service_minutes", service_minutes(people, setup=10, per_person=6))
    return Stop(
        key=key,
        lat=lat,
        lon=lon,
        weight=people if weight is None else weight,
        people=people,
        service_minutes=minutes,
        **kwargs,
    )


def _visits(solution):
    return {key: (i, start, end) for i, r in enumerate(solution.routes) for key, start, end in r}


def test_distances_are_great_circle_times_the_road_factor():
    jakarta, bandung = (-6.2088, 106.8456), (-6.9175, 107.6191)
    assert 115 < haversine_km(jakarta, bandung) < 120
    assert road_km(jakarta, bandung) == pytest.approx(haversine_km(jakarta, bandung) * ROAD_FACTOR)
    m = distance_matrix_m([jakarta, bandung])
    assert m[0, 0] == 0 and m[0, 1] == m[1, 0]
    assert m[0, 1] == round(haversine_km(jakarta, bandung) * ROAD_FACTOR * 1000)
    # Solomon's convention: planar km, truncated to 0.1 km (here 5.09... -> 5.0 km).
    planar = distance_matrix_m([(0, 0), (3.6, 3.6)], metric="euclidean")
    assert np.array_equal(planar, [[0, 5000], [5000, 0]])


def test_weights_grow_with_waiting_and_with_vulnerable_people():
    new = request_weight(people=4, waiting_days=0, vulnerable=False)
    assert new == 4
    assert request_weight(people=4, waiting_days=14, vulnerable=False) == 12
    assert request_weight(people=4, waiting_days=0, vulnerable=True) == 12


def test_when_capacity_is_short_the_vulnerable_and_long_waiting_are_served_first():
    weights = {
        "new": request_weight(people=10, waiting_days=0, vulnerable=False),
        "waited": request_weight(people=10, waiting_days=21, vulnerable=False),
        "vulnerable": request_weight(people=10, waiting_days=0, vulnerable=True),
    }
    stops = [
        _stop("new", north_km=1, people=10, weight=weights["new"]),  # the nearest
        _stop("waited", north_km=6, people=10, weight=weights["waited"]),
        _stop("vulnerable", east_km=6, people=10, weight=weights["vulnerable"]),
    ]
    solution = plan_solve(Problem(stops, [_day(capacity=20)]), seconds=SECONDS)
    assert set(_visits(solution)) == {"waited", "vulnerable"}
    assert solution.unserved == {"new": "capacity"}
    assert solution.weight_served == weights["waited"] + weights["vulnerable"]
    assert solution.weight_total == sum(weights.values())


def test_time_windows_are_kept_even_against_the_shortest_order():
    stops = [
        _stop("late", north_km=1, window=(660, 720)),  # on the way, but opens at 11:00
        _stop("early", north_km=8, window=(480, 600)),
    ]
    solution = plan_solve(Problem(stops, [_day()]), seconds=SECONDS)
    visits = _visits(solution)
    assert [k for k, _, _ in solution.routes[0]] == ["early", "late"]
    for stop in stops:
        _, start, end = visits[stop.key]
        assert stop.window[0] <= start and end <= stop.window[1]
        assert end - start == stop.service_minutes


def test_capacity_and_shift_hold_on_every_day():
    stops = [_stop(f"s{i}", north_km=1 + i % 5, east_km=i % 3, people=6) for i in range(12)]
    days = [_day(0, capacity=20, shift=(480, 720)), _day(1, capacity=20, shift=(480, 720))]
    solution = plan_solve(Problem(stops, days), seconds=SECONDS)
    by_key = {s.key: s for s in stops}
    for day, route in zip(days, solution.routes, strict=True):
        assert sum(by_key[k].people for k, _, _ in route) <= day.capacity
        assert all(day.shift[0] <= start and end <= day.shift[1] for _, start, end in route)
    served = sum(len(r) for r in solution.routes)
    assert served == 6  # 3 a day: 3 x 6 people fit in 20, a fourth does not
    assert len(solution.unserved) == 6 and set(solution.unserved.values()) == {"capacity"}


def test_a_pin_is_served_on_its_day_even_when_it_is_worth_little():
    stops = [_stop(f"rich{i}", north_km=1 + i, people=10, weight=100) for i in range(4)]
    stops.append(
        _stop(
            "pinned",
            north_km=20,
            people=10,
            weight=1,
            required=True,
            days=frozenset({MONDAY + dt.timedelta(days=1)}),
        )
    )
    days = [_day(0, capacity=20), _day(1, capacity=20)]
    solution = plan_solve(Problem(stops, days), seconds=SECONDS)
    assert "pinned" in [k for k, _, _ in solution.routes[1]]
    assert solution.stats["pins_met"] is True
    assert "pinned" not in solution.unserved


def test_stops_a_vehicle_does_not_carry_go_to_the_one_that_does_or_stay_unserved():
    stops = [
        _stop("only-van-2", north_km=1, vehicles=frozenset({2})),
        _stop("anyone", north_km=2),
        _stop("nobody", north_km=3, vehicles=frozenset()),
        _stop("a-van-without-days", north_km=3, vehicles=frozenset({9})),
    ]
    days = [_day(0, vehicle=1), _day(0, vehicle=2)]
    solution = plan_solve(Problem(stops, days), seconds=SECONDS)
    visits = _visits(solution)
    assert visits["only-van-2"][0] == 1
    assert "anyone" in visits
    assert solution.unserved == {"nobody": "no_vehicle", "a-van-without-days": "no_vehicle"}


def test_a_stop_out_of_reach_within_a_shift_is_too_far():
    stops = [_stop("far", north_km=200), _stop("near", north_km=2)]
    solution = plan_solve(Problem(stops, [_day()]), seconds=SECONDS)
    assert solution.unserved == {"far": "too_far"}
    assert set(_visits(solution)) == {"near"}


def test_a_village_bigger_than_a_days_capacity_is_split_over_several_days():
    big = _stop("big", north_km=3, people=100, weight=100)
    days = [_day(n, capacity=40) for n in range(4)]
    solution = plan_solve(Problem([big], days), seconds=SECONDS)
    parts = solution.parts["big"]
    assert len(parts) == 3 and sum(n for _, n in parts) == 100
    assert all(n <= 40 for _, n in parts)
    visits = _visits(solution)
    assert {k for k, _ in parts} == set(visits)
    assert len({visits[k][0] for k, _ in parts}) == 3  # three different days
    assert solution.unserved == {}
    assert solution.weight_served == pytest.approx(100)


def test_no_vehicle_days_leaves_everything_unserved():
    solution = plan_solve(Problem([_stop("a")], []), seconds=SECONDS)
    assert solution.routes == [] and solution.unserved == {"a": "no_vehicle"}


def test_the_solver_clock_must_divide_a_minute():
    with pytest.raises(ValueError):
        Problem([], [], time_unit_s=7)
    assert Problem([], [], time_unit_s=6).time_unit_s == 6
