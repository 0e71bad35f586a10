"""Territories by postal code and by polygon (plain-Python point in polygon)."""

from __future__ import annotations

import pytest

from servicebook.core.errors import ValidationFailed
from servicebook.scheduling import geo

# A square around downtown Denver with a square hole in it.
OUTER = [[-105.05, 39.70], [-104.95, 39.70], [-104.95, 39.80], [-105.05, 39.80]]
HOLE = [[-105.01, 39.74], [-104.99, 39.74], [-104.99, 39.76], [-105.01, 39.76]]


def test_point_inside_outside_and_in_a_hole():
    polygon = [OUTER, HOLE]
    assert geo.point_in_polygon(-105.03, 39.72, polygon)
    assert not geo.point_in_polygon(-104.90, 39.72, polygon)
    assert not geo.point_in_polygon(-105.00, 39.75, polygon)  # in the hole


def test_a_point_on_the_boundary_is_inside():
    assert geo.point_in_polygon(-105.05, 39.75, [OUTER])
    assert geo.point_in_polygon(-104.95, 39.70, [OUTER])  # a corner


def test_concave_polygon():
    # An L shape: the notch at the top right is outside.
    ell = [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]
    assert geo.point_in_polygon(0.5, 1.5, [ell])
    assert geo.point_in_polygon(1.5, 0.5, [ell])
    assert not geo.point_in_polygon(1.5, 1.5, [ell])


def test_postal_codes_match_zip_plus_four_and_spacing():
    assert geo.contains(
        postal_codes=["80202"], polygons=[], postal_code="80202-1234", longitude=None, latitude=None
    )
    assert geo.contains(
        postal_codes=["K1A 0B1"], polygons=[], postal_code="k1a0b1", longitude=None, latitude=None
    )
    assert not geo.contains(
        postal_codes=["80202"], polygons=[], postal_code="80203", longitude=None, latitude=None
    )


def test_either_postal_code_or_polygon_places_a_point():
    assert geo.contains(
        postal_codes=["80202"],
        polygons=[[OUTER]],
        postal_code="99999",
        longitude=-105.03,
        latitude=39.72,
    )


def test_clean_polygons_accepts_geojson_and_closes_rings():
    cleaned = geo.clean_polygons({"type": "Polygon", "coordinates": [OUTER]})
    assert cleaned[0][0][0] == cleaned[0][0][-1]
    assert len(cleaned) == 1
    assert geo.clean_polygons([[OUTER], [HOLE]])[1][0][0] == [-105.01, 39.74]


@pytest.mark.parametrize(
    "bad",
    [
        "not a list",
        [[[[0, 0], [1, 1]]]],  # two points
        [[[[0, 0], [1, 1], [200, 0]]]],  # longitude out of range
        [[[[0, 0], [1, "x"], [2, 0]]]],
        {"type": "Point", "coordinates": [0, 0]},
    ],
)
def test_clean_polygons_refuses_bad_shapes(bad):
    with pytest.raises(ValidationFailed):
        geo.clean_polygons(bad)


def test_clean_postal_codes_from_text():
    assert geo.clean_postal_codes("80202, 80203\n80202 80204-1111") == ["80202", "80203", "80204"]
    with pytest.raises(ValidationFailed):
        geo.clean_postal_codes(["80202", "#$%"])
