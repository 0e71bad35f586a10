"""Models of the credit app."""

from __future__ import annotations
