"""Shared set-up of the benchmark scripts: point Django at the database to measure, with
production-like settings (DEBUG off, cached templates), and describe the machine.

The scripts are not tests: they print figures. docs/benchmarks.md records the figures with
the commands that produced them.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--database-url",
        default=None,
        help="The seeded database (default: the SQLite file under $SERVICEBOOK_VAR_DIR, "
        "else var/servicebook.sqlite3)",
    )
    p.add_argument("--rounds", type=int, default=7, help="Timed rounds (the median is kept)")
    p.add_argument("--seed", type=int, default=1, help="Picks the fixed sample of accounts")
    return p


def setup_django(database_url: str | None) -> None:
    """Configure and start Django. Production-like: DEBUG off (no query log, cached
    template loader), plain HTTP for the in-process test client."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicebook.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "k" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
    os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 (inclusive quantiles) of samples in seconds, as milliseconds."""
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000}


def median_of_rounds(rounds: list[dict[str, float]]) -> dict[str, float]:
    """The median, over the rounds, of each percentile: one noisy round moves nothing."""
    return {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}


def _run(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def describe_machine() -> list[str]:
    """Machine and database lines for the report."""
    from django.db import connection

    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"machine: {_run('nproc')} cores, {mem_kb / 1024 / 1024:.1f} GiB RAM, load average {load}",
        f"python {platform.python_version()}, SQLite library {sqlite3.sqlite_version}",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            lines.append(f"database: {cursor.fetchone()[0].split(' on ')[0]} "
                         f"({connection.settings_dict['NAME']})")  # fmt: skip
        else:
            lines.append(f"database: SQLite {sqlite3.sqlite_version} "
                         f"({connection.settings_dict['NAME']})")  # fmt: skip
    return lines


def fmt(values: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:8.2f} ms" for k, v in values.items())
