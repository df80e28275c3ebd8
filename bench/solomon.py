"""Reader for Solomon's VRPTW instances as stored in ../shared/data/solomon (C101, R101,
RC101): a first line with the vehicle capacity, then one line per node (node 0 is the
depot): id, x, y, demand, ready time, due time, service time.

Why a reader of our own: these files are a stripped form of the classic instances (no
header, no vehicle count), which vrplib does not parse. The fleet is the classic 25
vehicles. The published optima (Kohl, Desrosiers et al., total distance with every
distance truncated to one decimal) are in OPTIMA.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OPTIMA = {"C101": 827.3, "R101": 1637.7, "RC101": 1619.8}
VEHICLES = 25


@dataclass(frozen=True)
class Node:
    id: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class Instance:
    name: str
    capacity: int
    vehicles: int
    depot: Node
    customers: list[Node]


def read(path: str | Path) -> Instance:
    """Parse one instance file; the name is the file's stem (C101)."""
    path = Path(path)
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    capacity = int(lines[0][0])
    nodes = [
        Node(int(r[0]), float(r[1]), float(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in lines[1:]
    ]
    if not nodes or nodes[0].id != 0:
        raise ValueError(f"{path}: the first node must be the depot (id 0)")
    return Instance(path.stem, capacity, VEHICLES, nodes[0], nodes[1:])
