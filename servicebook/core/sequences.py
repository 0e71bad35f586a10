"""Human-facing numbers from named counters, safe under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import connection, transaction

from .models import Sequence


def sequence_reserve(name: str, count: int = 1) -> int:
    """Reserve `count` consecutive values of the named sequence and return the first.

    One UPDATE ... RETURNING takes the row lock (PostgreSQL) or the write lock (SQLite), so two
    concurrent callers can never be handed the same value.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Sequence._meta.db_table} SET value = value + %s WHERE name = %s "  # noqa: S608
                "RETURNING value",
                [count, name],
            )
            (last,) = cursor.fetchone()
    return int(last) - count + 1


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) check digit for a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the last digit is the Luhn check digit of the others."""
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]
