"""Routing benchmark of the jemput bola planner (mpp.outreach.planner).

1. Solomon's VRPTW instances C101, R101 and RC101 (../shared/data/solomon; skipped with
   a message when absent), distances truncated to one decimal like the published optima.
   Each instance is solved twice with the same time and seed: through our planner
   (the instance turned into a Problem of required stops and identical vehicle-days,
   then plan_solve) and with PyVRP's own model built directly from the file. One line
   each:  <name> cost <ours> pyvrp <plain> optimum <best> gap <percent>%
   (gap = ours over the optimum). Targets: gap <= 1%, ours <= 1.01 x plain.
2. A realistic instance: the villages of Kabupaten Majalengka (32.10; the bundled
   outreach/data/village_points.csv.gz, else ../shared/data/wilayah/villages.csv) with
   generated demand (seeded), 3 vans from the mall for 10 working days; prints the share
   of weighted demand served, the time and the stops. Target: <= 60 s.

    .venv/bin/python bench/routing.py [--seconds 10] [--realistic-seconds 30]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import numpy as np  # noqa: E402
import pyvrp  # noqa: E402
from pyvrp.stop import MaxRuntime  # noqa: E402

from bench import solomon  # noqa: E402
from mpp.core.workdays import is_working_day  # noqa: E402
from mpp.outreach.planner.problem import (  # noqa: E402
    Problem,
    Stop,
    VehicleDay,
    request_weight,
    service_minutes,
)
from mpp.outreach.planner.solve import plan_solve  # noqa: E402

SOLOMON = ROOT.parent / "shared" / "data" / "solomon"
WILAYAH = ROOT.parent / "shared" / "data" / "wilayah" / "villages.csv"
BUNDLED = ROOT / "src" / "mpp" / "outreach" / "data" / "village_points.csv.gz"
DEPOT = (-6.836, 108.227)  # MPP Kabupaten Majalengka (the demo mall), approximately
SOLOMON_SPEED = 60  # km/h: one distance unit (km) per time unit (minute)


def solomon_ours(inst: solomon.Instance, seconds: float, seed: int) -> float:
    """The instance through our planner: planar km, windows in minutes, all required."""
    day = dt.date(2027, 1, 4)
    d = inst.depot
    stops = [
        Stop(
            key=str(c.id),
            lat=c.y,
            lon=c.x,
            weight=1.0,
            people=c.demand,
            service_minutes=c.service,
            window=(c.ready, c.due + c.service),  # Solomon's due is the latest start
            required=True,
        )
        for c in inst.customers
    ]
    vds = [
        VehicleDay(k, day, (d.y, d.x), inst.capacity, (d.ready, d.due), SOLOMON_SPEED)
        for k in range(inst.vehicles)
    ]
    problem = Problem(stops, vds, metric="euclidean", time_unit_s=6)  # 0.1 km at 60 km/h
    sol = plan_solve(problem, seconds=seconds, seed=seed)
    if not sol.feasible or sol.unserved:
        return math.inf
    return sol.cost / 1000


def solomon_plain(inst: solomon.Instance, seconds: float, seed: int) -> float:
    """The same instance in PyVRP's own terms: one vehicle type, distances x10."""
    nodes = [inst.depot, *inst.customers]
    xy = np.array([(n.x, n.y) for n in nodes])
    diff = xy[:, None, :] - xy[None, :, :]
    dist = np.floor(np.sqrt((diff**2).sum(-1)) * 10 + 1e-9).astype(np.int64)
    locations = [pyvrp.Location(x=n.x, y=n.y) for n in nodes]
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[c.demand],
            service_duration=c.service * 10,
            tw_early=c.ready * 10,
            tw_late=c.due * 10,
        )
        for i, c in enumerate(inst.customers, start=1)
    ]
    depot = pyvrp.Depot(location=0, tw_early=inst.depot.ready * 10, tw_late=inst.depot.due * 10)
    vehicle = pyvrp.VehicleType(
        num_available=inst.vehicles,
        capacity=[inst.capacity],
        tw_early=inst.depot.ready * 10,
        tw_late=inst.depot.due * 10,
    )
    data = pyvrp.ProblemData(locations, clients, [depot], [vehicle], [dist], [dist])
    result = pyvrp.solve(data, MaxRuntime(seconds), seed=seed, collect_stats=False)
    return result.cost() / 10 if result.is_feasible() else math.inf


def bench_solomon(seconds: float, seed: int) -> bool:
    if not SOLOMON.is_dir():
        print(f"Solomon instances not found at {SOLOMON}: skipped")
        return True
    ok = True
    for name, best in solomon.OPTIMA.items():
        path = SOLOMON / f"{name}.txt"
        if not path.exists():
            print(f"{name} missing: skipped")
            continue
        inst = solomon.read(path)
        ours = solomon_ours(inst, seconds, seed)
        plain = solomon_plain(inst, seconds, seed)
        gap = (ours - best) / best * 100
        print(f"{name} cost {ours:.1f} pyvrp {plain:.1f} optimum {best} gap {gap:.2f}%")
        ok &= gap <= 1.0 and ours <= 1.01 * plain
    return ok


def majalengka_villages() -> list[tuple[str, float, float]]:
    if BUNDLED.exists():
        with gzip.open(BUNDLED, "rt") as fh:
            rows = [(r["code"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)]
    elif WILAYAH.exists():
        with WILAYAH.open() as fh:
            rows = [(r["code"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)]
    else:
        return []
    return [r for r in rows if r[0].startswith("32.10.") and r[0].count(".") == 3]


def realistic_problem(seed: int = 14) -> tuple[Problem, dict[str, int]]:
    """Generated demand over Majalengka's villages: about half of them ask, one to four
    requests each (1-15 people, 0-60 days waiting, one in six vulnerable), plus 30 home
    visits; 3 vans (40 people a day, 08:00-15:00, 30 km/h) for the next 10 working days."""
    rng = random.Random(seed)
    villages = majalengka_villages()
    stops, people = [], {}
    for code, lat, lon in villages:
        if rng.random() < 0.5:
            n = rng.randint(1, 4)
            reqs = [
                (rng.randint(1, 15), rng.uniform(0, 60), rng.random() < 1 / 6) for _ in range(n)
            ]
            total = sum(p for p, _, _ in reqs)
            weight = sum(request_weight(people=p, waiting_days=w, vulnerable=v) for p, w, v in reqs)
            minutes = service_minutes(total, setup=10, per_person=6)
            stops.append(Stop(code, lat, lon, weight, total, minutes, (480, 840)))
            people[code] = total
    for i, (code, lat, lon) in enumerate(rng.sample(villages, min(30, len(villages)))):
        p = rng.randint(1, 2)
        weight = request_weight(people=p, waiting_days=rng.uniform(0, 60), vulnerable=True)
        home = (lat + rng.uniform(-0.008, 0.008), lon + rng.uniform(-0.008, 0.008))
        key = f"home-{i}-{code}"
        stops.append(Stop(key, *home, weight, p, service_minutes(p, setup=10, per_person=6)))
        people[key] = p
    days, day = [], dt.date(2027, 3, 1)
    while len(days) < 10:
        if is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    vds = [VehicleDay(v, d, DEPOT, 40, (480, 900), 30) for d in days for v in (1, 2, 3)]
    return Problem(stops, vds), people


def bench_realistic(seconds: float, seed: int) -> bool:
    problem, people = realistic_problem()
    if not problem.stops:
        print("Majalengka villages not found: realistic instance skipped")
        return True
    started = time.monotonic()
    sol = plan_solve(problem, seconds=seconds, seed=seed)
    took = time.monotonic() - started
    parts = {p: n for pieces in sol.parts.values() for p, n in pieces}
    served_people = sum(parts.get(k, people.get(k, 0)) for k in sol.served_keys)
    share = sol.weight_served / sol.weight_total * 100
    visits = sum(len(r) for r in sol.routes)
    villages = len({s.key for s in problem.stops if not s.key.startswith("home-")})
    print(
        f"Majalengka {villages} villages asking, {len(problem.stops)} stops, 3 vans x 10 days: "
        f"weighted demand served {share:.1f}% (people {served_people}/{sum(people.values())}), "
        f"visits {visits}, distance {sol.cost / 1000:.0f} km, time {took:.1f} s"
    )
    return took <= 60


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per Solomon instance")
    parser.add_argument("--realistic-seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["solomon", "realistic"])
    args = parser.parse_args(argv)
    ok = True
    if args.only != "realistic":
        ok &= bench_solomon(args.seconds, args.seed)
    if args.only != "solomon":
        ok &= bench_realistic(args.realistic_seconds, args.seed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
