"""Customer POs under real concurrency: threads charging one PO at the same moment never
take it past what it authorises, and exactly what was granted is consumed. Real threads,
real PostgreSQL transactions (SQLite serialises writers, so the race cannot happen there:
skipped at collection, so the SQLite suite pays no transactional flush for it)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Sum

from servicebook.contracts import services
from servicebook.contracts.models import ContractBilling, CustomerPO, POConsumption
from servicebook.core.errors import ServiceError
from servicebook.core.testing.factories import make_invoice
from servicebook.ledger.verify import ledger_verify

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrent writers are a PostgreSQL test (SQLite serialises writers)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(calls) -> list[object]:
    """Run each call in its own thread and connection, released together by a barrier;
    each result is the call's return value or the ServiceError it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except ServiceError as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == len(calls), "a thread did not finish"
    return results


def test_eight_charges_race_for_one_po_and_only_what_fits_is_consumed(account, contract, manager):
    po = services.po_add(
        account=account,
        contract=contract,
        number="PO-RACE",
        amount_authorised="100.00",
        actor=manager,
    )
    invoice = make_invoice(account=account, lines=[], issue=False)

    def charge():
        with transaction.atomic():
            return services.po_consume(po=po, amount=Decimal("15.00"), invoice=invoice)

    results = _race([charge] * 8)

    granted = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert (len(granted), len(refused)) == (6, 2)  # 6 x 15.00 = 90.00; a seventh would be 105
    po.refresh_from_db()
    assert po.consumed == Decimal("90.00") and po.remaining == Decimal("10.00")
    assert POConsumption.objects.filter(po=po).aggregate(s=Sum("amount"))["s"] == Decimal("90.00")
    assert all("PO PO-RACE has 10.00 remaining" in r.message for r in refused)


def test_two_jobs_billed_at_once_against_the_last_of_a_po_one_is_refused(
    account, contract, manager, job
):
    po = services.po_add(
        account=account,
        contract=contract,
        number="PO-LAST",
        amount_authorised="100.00",
        actor=manager,
    )
    # Installs are excluded from the contract: the customer pays 60.00 for each job.
    orders = [job(work_type="install", lines=[("labour", "Fit unit", "60.00")]) for _ in "ab"]

    results = _race(
        [
            lambda o=o: services.contract_work_order_invoice(work_order=o, actor=manager)
            for o in orders
        ]
    )

    billed = [r for r in results if isinstance(r, ContractBilling)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(billed) == 1 and len(refused) == 1
    assert "PO PO-LAST has 40.00 remaining" in str(refused[0].errors["po"][0])
    po = CustomerPO.objects.get(pk=po.pk)
    assert po.consumed == Decimal("60.00")
    assert list(POConsumption.objects.values_list("amount", flat=True)) == [Decimal("60.00")]
    assert ContractBilling.objects.count() == 1  # the refused job rolled back its claim
    assert ledger_verify() == []
