"""Where a place is: postal codes and polygons of territories, in plain Python.

Polygons are GeoJSON-like MultiPolygon coordinates, [[[ [lng, lat], ... ], hole, ...], ...]:
a list of polygons, each a list of rings (outer ring first, then holes), each ring a list of
[longitude, latitude] pairs. The ring may be closed (first point repeated) or not. Points on
an edge count as inside for the outer ring (a customer on a boundary street is served).
At the scale of a service territory the earth is flat enough for a planar test in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from servicebook.core.errors import ValidationFailed

Ring = Sequence[Sequence[float]]


def normalise_postal_code(value: str | None) -> str:
    """Normalise a postal code: 80202-1234 -> 80202 (ZIP+4 matches its ZIP), k1a 0b1 -> K1A0B1."""
    text = (value or "").strip().upper()
    if "-" in text:
        text = text.split("-", 1)[0]
    return "".join(text.split())


def _on_segment(x: float, y: float, a: Sequence[float], b: Sequence[float]) -> bool:
    (x1, y1), (x2, y2) = (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))
    cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= x <= max(x1, x2) + 1e-12 and (
        min(y1, y2) - 1e-12 <= y <= max(y1, y2) + 1e-12
    )


def point_in_ring(x: float, y: float, ring: Ring) -> bool | None:
    """True inside, False outside, None exactly on the boundary (even-odd ray casting)."""
    points = list(ring)
    if len(points) > 1 and list(points[0]) == list(points[-1]):
        points = points[:-1]
    n = len(points)
    inside = False
    for i in range(n):
        a, b = points[i], points[(i + 1) % n]
        if _on_segment(x, y, a, b):
            return None
        xi, yi = float(a[0]), float(a[1])
        xj, yj = float(b[0]), float(b[1])
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
    return inside


def point_in_polygon(x: float, y: float, rings: Sequence[Ring]) -> bool:
    """Inside the outer ring (or on it) and not strictly inside a hole."""
    if not rings:
        return False
    outer = point_in_ring(x, y, rings[0])
    if outer is False:
        return False
    return all(point_in_ring(x, y, hole) is not True for hole in rings[1:])


def point_in_multipolygon(lng: float, lat: float, polygons: Iterable[Sequence[Ring]]) -> bool:
    return any(point_in_polygon(lng, lat, polygon) for polygon in polygons)


def contains(
    *,
    postal_codes: Iterable[str],
    polygons: Iterable[Sequence[Ring]],
    postal_code: str | None,
    longitude: float | None,
    latitude: float | None,
) -> bool:
    """Whether a place (postal code and/or coordinates) is inside a territory."""
    code = normalise_postal_code(postal_code)
    if code and code in {normalise_postal_code(c) for c in postal_codes}:
        return True
    if longitude is None or latitude is None:
        return False
    return point_in_multipolygon(float(longitude), float(latitude), polygons)


def clean_postal_codes(value: Any) -> list[str]:
    """A list of postal codes from a list or from text separated by commas, spaces or new
    lines; normalised, without repeats, in the order given."""
    if isinstance(value, str):
        items: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValidationFailed({"postal_codes": ["Give a list of postal codes."]})
    codes: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str):
            raise ValidationFailed({"postal_codes": ["Postal codes are text."]})
        code = normalise_postal_code(item)
        if not code or len(code) > 12 or not code.isalnum():
            raise ValidationFailed({"postal_codes": [f"“{item[:20]}” is not a postal code."]})
        codes.setdefault(code, None)
    return list(codes)


def clean_polygons(value: Any) -> list:
    """Validate MultiPolygon coordinates (also accepts one Polygon's coordinates, or a
    GeoJSON geometry object of type Polygon or MultiPolygon) and return them as a list of
    polygons of closed rings of [lng, lat] floats."""
    error = "Polygons must be GeoJSON coordinates: polygons of rings of [longitude, latitude]."
    if isinstance(value, dict):
        kind, coords = value.get("type"), value.get("coordinates")
        if kind == "Polygon":
            value = [coords]
        elif kind == "MultiPolygon":
            value = coords
        else:
            raise ValidationFailed({"polygons": [error]})
    if not isinstance(value, list):
        raise ValidationFailed({"polygons": [error]})
    # One Polygon's coordinates ([[ [x, y], ... ]]) rather than a MultiPolygon's.
    if value and _is_ring(value[0]):
        value = [value]
    result = []
    for polygon in value:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationFailed({"polygons": [error]})
        rings = []
        for ring in polygon:
            if not _is_ring(ring):
                raise ValidationFailed({"polygons": [error]})
            points = [[float(p[0]), float(p[1])] for p in ring]
            for lng, lat in points:
                if not (math.isfinite(lng) and math.isfinite(lat)):
                    raise ValidationFailed({"polygons": [error]})
                if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                    raise ValidationFailed(
                        {"polygons": ["Coordinates are [longitude, latitude] in degrees."]}
                    )
            if points[0] != points[-1]:
                points.append(list(points[0]))
            if len(points) < 4:
                raise ValidationFailed({"polygons": ["A ring needs at least three corners."]})
            rings.append(points)
        result.append(rings)
    return result


def _is_ring(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 3
        and all(
            isinstance(p, list | tuple)
            and len(p) == 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p)
            for p in value
        )
    )
