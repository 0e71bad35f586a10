"""Service territories: the area a set of technicians and branches covers."""

from __future__ import annotations

from django.db import models

from servicebook.core.models import TimeStampedModel

from .people import Branch, Technician


class Territory(TimeStampedModel):
    """An area we serve, drawn by postal codes, by polygons, or both (a location is inside
    when its postal code is listed or its coordinates fall in a polygon).

    `polygons` holds GeoJSON-like MultiPolygon coordinates: a list of polygons, each a list
    of rings (the outer ring first, then holes), each ring a list of [longitude, latitude]
    pairs. Checked in plain Python (scheduling.geo), so both databases behave the same.
    """

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    postal_codes = models.JSONField(default=list, blank=True)
    polygons = models.JSONField(default=list, blank=True)
    technicians = models.ManyToManyField(Technician, blank=True, related_name="territories")
    branches = models.ManyToManyField(Branch, blank=True, related_name="territories")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "territories"

    def __str__(self) -> str:
        return self.name
