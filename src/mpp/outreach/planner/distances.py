"""Road distances and travel times between stops, from coordinates alone.

Why not a road network: the project ships no offline road graph (OpenStreetMap extracts
and an OSRM server would be a deployment of their own), and a mall must be able to plan
with nothing but village centroids. So a leg is the great-circle (haversine) distance
times ROAD_FACTOR, the mean ratio of road to straight-line distance; the choice, its
source and its error are in docs/outreach-routing.md. Travel time is that distance at
the vehicle's average speed.

PyVRP wants integers: distances in metres, durations in seconds.
"""

from __future__ import annotations

import math

import numpy as np

# Road (driving) distance / great-circle distance. Boscoe, Henry & Zdeb (2012), "A
# nationwide comparison of driving distance versus straight-line distance", The
# Professional Geographer 64(2): mean 1.417 over US pairs; docs/outreach-routing.md
# explains why 1.4 and how wrong it can be for one leg in hilly rural Java.
ROAD_FACTOR = 1.4
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lon) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def road_km(a: tuple[float, float], b: tuple[float, float], road_factor: float = ROAD_FACTOR):
    """Estimated road distance in km: great-circle distance x road factor."""
    return haversine_km(a, b) * road_factor


def distance_matrix_m(
    points: list[tuple[float, float]],
    *,
    metric: str = "haversine",
    road_factor: float = ROAD_FACTOR,
) -> np.ndarray:
    """Integer metres between every pair of points.

    haversine: (lat, lon) degrees, great circle x road_factor, rounded to the metre.
    euclidean: (y, x) planar km, truncated to 0.1 km (Solomon's convention for its
    published optima), so the bench compares like with like.
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if metric == "euclidean":
        dy = pts[:, None, 0] - pts[None, :, 0]
        dx = pts[:, None, 1] - pts[None, :, 1]
        km = np.sqrt(dx * dx + dy * dy)
        return (np.floor(km * 10 + 1e-9) * 100).astype(np.int64)
    if metric != "haversine":
        raise ValueError(f"unknown metric {metric!r}")
    lat = np.radians(pts[:, 0])
    lon = np.radians(pts[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))) * road_factor
    return np.rint(km * 1000).astype(np.int64)


def duration_matrix_s(distance_m: np.ndarray, speed_kmh: float) -> np.ndarray:
    """Integer seconds to drive each distance at `speed_kmh`."""
    if speed_kmh <= 0:
        raise ValueError("speed must be positive")
    return np.rint(distance_m * 3.6 / speed_kmh).astype(np.int64)


def travel_minutes(a, b, speed_kmh: float, road_factor: float = ROAD_FACTOR) -> int:
    """Whole minutes (rounded up) to drive from a to b: for people-facing estimates."""
    return math.ceil(road_km(a, b, road_factor) / speed_kmh * 60)
