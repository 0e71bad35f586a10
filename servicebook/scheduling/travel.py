"""The one travel-time provider of the scheduling app: the optimizer's interface with the
road factor and speed from the settings, so offers, emergency insertion, the board and the
day optimizer all use the same arithmetic."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from .optimizer.travel import HaversineTravel, Point, TravelTime


def provider() -> TravelTime:
    return HaversineTravel(
        road_factor=settings.SCHEDULING_ROAD_FACTOR, speed_kmh=settings.SCHEDULING_SPEED_KMH
    )


def point(latitude, longitude) -> Point | None:
    """A Point from stored coordinates, or None where they are missing."""
    if latitude is None or longitude is None:
        return None
    return Point(float(latitude), float(longitude))


class Legs:
    """Driving seconds between a fixed set of points, from one matrix call."""

    def __init__(self, points: Sequence[Point], travel: TravelTime | None = None):
        self.points: list[Point] = []
        self.index: dict[Point, int] = {}
        for p in points:
            if p not in self.index:
                self.index[p] = len(self.points)
                self.points.append(p)
        self.matrix = (travel or provider()).matrix(self.points) if self.points else None

    def seconds(self, a: Point | None, b: Point | None) -> int:
        """Driving seconds from a to b; 0 when either place is unknown (no coordinates)."""
        if a is None or b is None or a == b:
            return 0
        return int(self.matrix[self.index[a], self.index[b]])
