"""Models of the quotes app."""

from __future__ import annotations
