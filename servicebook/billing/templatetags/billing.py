"""Template filters of the billing pages and documents: {% load billing %}."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """An amount as people read it: $1,234.50, -$12.00 for a credit; a dash for none."""
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


@register.filter
def percent(value) -> str:
    """A rate (0.0825) as 8.25%."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(str(value)) * 100:.2f}%".replace(".00%", "%")
