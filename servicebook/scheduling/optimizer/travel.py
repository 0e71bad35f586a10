"""Travel times between places, behind an interface a road-network service can implement.

`TravelTime.matrix(points)` answers the whole square matrix of driving seconds at once (a
routing service answers a matrix call far faster than n² single calls). The default is
great-circle distance stretched by a road factor and divided by an average speed; the
scheduling app passes both from its settings. `MatrixTravel` serves a given matrix (the
Solomon benchmark, tests, or a cached answer of a routing service).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["EARTH_RADIUS_M", "HaversineTravel", "MatrixTravel", "Point", "TravelTime"]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


@dataclass(frozen=True, slots=True)
class Point:
    """A place: latitude and longitude in degrees (WGS 84). Matrix-based providers only
    use a point as a key, so a planar benchmark may put x and y here."""

    lat: float
    lon: float


@runtime_checkable
class TravelTime(Protocol):
    """Driving durations between places."""

    def matrix(self, points: Sequence[Point]) -> np.ndarray:
        """An n x n integer array: element [i][j] is the driving time in seconds from
        points[i] to points[j] (0 on the diagonal)."""
        ...


@dataclass(frozen=True, slots=True)
class HaversineTravel:
    """Great-circle distance x road_factor / speed, rounded to whole seconds.

    road_factor: how much longer the road is than the straight line (1.3 is typical of a
    city grid); speed_kmh: the average driving speed door to door.
    """

    road_factor: float = 1.3
    speed_kmh: float = 40.0

    def __post_init__(self) -> None:
        if self.road_factor < 1 or self.speed_kmh <= 0:
            raise ValueError("road_factor must be >= 1 and speed_kmh > 0")

    def matrix(self, points: Sequence[Point]) -> np.ndarray:
        if not points:
            return np.zeros((0, 0), dtype=np.int64)
        lat = np.radians(np.array([p.lat for p in points], dtype=np.float64))
        lon = np.radians(np.array([p.lon for p in points], dtype=np.float64))
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        a = (
            np.sin(dlat / 2) ** 2
            + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        )
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        seconds = metres * self.road_factor / (self.speed_kmh / 3.6)
        out = np.rint(seconds).astype(np.int64)
        np.fill_diagonal(out, 0)
        return out

    def seconds(self, a: Point, b: Point) -> int:
        """One pair (for tests and explanations)."""
        return int(self.matrix([a, b])[0, 1])


class MatrixTravel:
    """A fixed matrix of driving seconds between known points.

    points[i] is the place of row/column i. Asking for a point that is not among them is
    a programming error (KeyError). Equal points share the first row given for them.
    """

    def __init__(self, points: Sequence[Point], matrix: Sequence[Sequence[int]] | np.ndarray):
        arr = np.asarray(matrix, dtype=np.int64)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] != len(points):
            raise ValueError("matrix must be square with one row per point")
        if (arr < 0).any():
            raise ValueError("travel times must not be negative")
        self._matrix = arr
        index: dict[Point, int] = {}
        for i, point in enumerate(points):
            index.setdefault(point, i)
        self._index: Mapping[Point, int] = index

    def matrix(self, points: Sequence[Point]) -> np.ndarray:
        idx = np.fromiter((self._index[p] for p in points), dtype=np.int64, count=len(points))
        return self._matrix[np.ix_(idx, idx)]


def great_circle_metres(a: Point, b: Point) -> float:
    """Haversine distance in metres between two points (used by explanations)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))
