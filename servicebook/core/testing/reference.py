"""The rows the data migrations install (the chart of ledger accounts, the bill cycles, the
adjustment reasons), put back for transactional tests.

A transactional test (threads, real processes, the live server of the browser tests) ends
with a flush that empties every table, data migrations' rows included, so the next
transactional test would meet a database no installation ever has. Django's
`serialized_rollback` restores them but collides with the content types the flush's
post_migrate re-creates; putting the rows back with the migrations' own idempotent
installers is simpler and exact.
"""

from __future__ import annotations

import importlib

from django.apps import apps

# (migration module, function): each is a get_or_create loop, safe to run again.
INSTALLERS = [
    ("servicebook.billing.migrations.0002_default_cycles", "cycles"),
    ("servicebook.payments.migrations.0002_adjustment_reasons", "install"),
]


def install_reference_data() -> None:
    """Put back every row the data migrations install; a no-op where they are present."""
    from servicebook.ledger.chart import install_default_chart
    from servicebook.ledger.models import LedgerAccount

    install_default_chart(LedgerAccount)
    for module, function in INSTALLERS:
        getattr(importlib.import_module(module), function)(apps, None)
