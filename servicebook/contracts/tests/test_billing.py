"""Billing work against a contract (covered share as credit lines, the customer's share
charged to their PO, once), PO remaining exact and never negative, renewal and expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from servicebook.contracts import services
from servicebook.contracts.models import ContractBilling, CustomerPO, POConsumption
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_user
from servicebook.ledger.verify import ledger_verify


@pytest.fixture
def po(contract, account, manager):
    return services.po_add(
        account=account,
        contract=contract,
        number="4500123",
        amount_authorised="100.00",
        actor=manager,
    )


def test_a_partly_covered_job_is_invoiced_with_the_covered_share_given_back(
    contract, po, job, manager
):
    order = job(lines=[("labour", "Labour 2 h", "190.00"), ("part", "Pump", "45.25")])
    billing = services.contract_work_order_invoice(work_order=order, actor=manager)
    invoice = billing.invoice
    assert invoice.status == "issued" and invoice.total == Decimal("22.62")
    assert [(ln.description, ln.amount) for ln in invoice.lines.order_by("position")] == [
        ("Labour 2 h", Decimal("190.00")),
        (f"Covered by contract {contract.number} (100%): Labour 2 h", Decimal("-190.00")),
        ("Pump", Decimal("45.25")),
        (f"Covered by contract {contract.number} (50%): Pump", Decimal("-22.63")),
    ]
    assert "PO 4500123" in invoice.memo and contract.number in invoice.memo
    po.refresh_from_db()
    assert po.consumed == Decimal("22.62") and po.remaining == Decimal("77.38")
    assert billing.covered_amount == Decimal("212.63") and billing.po == po
    assert ledger_verify() == []


def test_billing_twice_returns_the_first_and_charges_the_po_once(contract, po, job, manager):
    order = job(lines=[("part", "Pump", "40.00")])
    first = services.contract_work_order_invoice(work_order=order, actor=manager)
    second = services.contract_work_order_invoice(work_order=order, actor=manager)
    assert second.pk == first.pk and second.invoice_id == first.invoice_id
    assert ContractBilling.objects.count() == 1 and POConsumption.objects.count() == 1
    po.refresh_from_db()
    assert po.consumed == Decimal("20.00")


def test_a_fully_covered_job_makes_no_invoice(contract, po, job, manager):
    billing = services.contract_work_order_invoice(work_order=job(), actor=manager)
    assert billing.invoice is None and billing.covered_amount == Decimal("190.00")
    po.refresh_from_db()
    assert po.consumed == 0


def test_a_po_too_small_refuses_and_changes_nothing(contract, account, job, manager):
    small = services.po_add(
        account=account, contract=contract, number="PO-S", amount_authorised="5.00", actor=manager
    )
    order = job(work_type="install")
    with pytest.raises(ValidationFailed) as exc:
        services.contract_work_order_invoice(work_order=order, actor=manager)
    assert "PO PO-S has 5.00 remaining" in exc.value.errors["po"][0]
    assert not ContractBilling.objects.exists()
    small.refresh_from_db()
    assert small.consumed == 0


def test_the_override_takes_what_the_po_has_left(contract, account, job, manager):
    small = services.po_add(
        account=account, contract=contract, number="PO-S", amount_authorised="5.00", actor=manager
    )
    order = job(work_type="install")
    billing = services.contract_work_order_invoice(
        work_order=order, actor=manager, allow_po_overrun=True
    )
    small.refresh_from_db()
    assert small.consumed == Decimal("5.00") and small.remaining == 0
    assert billing.invoice.total == Decimal("190.00")
    assert "185.00 beyond the PO" in billing.invoice.memo


def test_po_consume_never_goes_below_zero(po):
    from servicebook.core.testing.factories import make_invoice

    invoice = make_invoice(account=po.account, lines=[], issue=False)
    services.po_consume(po=po, amount=Decimal("60.00"), invoice=invoice)
    with pytest.raises(ValidationFailed):
        services.po_consume(po=po, amount=Decimal("40.01"), invoice=invoice)
    services.po_consume(po=po, amount=Decimal("40.00"), invoice=invoice)
    po.refresh_from_db()
    assert po.remaining == 0 and po.consumed == Decimal("100.00")


def test_an_open_job_is_not_billed(contract, job, manager):
    order = job(status="on_site")
    with pytest.raises(InvalidTransition):
        services.contract_work_order_invoice(work_order=order, actor=manager)


def test_a_rep_may_not_bill_or_write_contracts(contract, job, account, today):
    rep = make_user("rep1")
    with pytest.raises(Exception) as exc:
        services.contract_work_order_invoice(work_order=job(), actor=rep)
    assert type(exc.value).__name__ == "PermissionDenied"
    with pytest.raises(Exception):
        services.contract_create(
            account=account, name="X", start_date=today, end_date=today, actor=rep
        )
    assert not ContractBilling.objects.exists()


def test_auto_renew_extends_the_term_and_others_expire(contract, account, manager, today):
    other = services.contract_create(
        account=account,
        name="Renewing",
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=1),
        auto_renew=True,
        renewal_term_months=12,
        actor=manager,
    )
    services.contract_activate(contract=other, actor=manager)
    lapsed = services.contract_create(
        account=account,
        name="Lapsing",
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=1),
        actor=manager,
    )
    services.contract_activate(contract=lapsed, actor=manager)
    assert services.contracts_renew(today=today) == {"renewed": 1, "expired": 1}
    other.refresh_from_db()
    lapsed.refresh_from_db()
    assert other.status == "active" and other.renewals == 1
    assert other.end_date == services._add_months(today - dt.timedelta(days=1), 12)
    assert lapsed.status == "expired"
    # A second run the same day does nothing.
    assert services.contracts_renew(today=today) == {"renewed": 0, "expired": 0}
    contract.refresh_from_db()
    assert contract.status == "active"


def test_the_renewal_reminder_lists_contracts_within_their_notice(contract, manager, today):
    from servicebook.contracts.selectors import contracts_ending_soon

    assert contracts_ending_soon(user=manager, today=today) == []
    near = contract.end_date - dt.timedelta(days=10)
    assert contracts_ending_soon(user=manager, today=near) == [contract]


def test_a_duplicate_po_number_is_refused(po, account, manager):
    with pytest.raises(ValidationFailed) as exc:
        services.po_add(account=account, number="4500123", amount_authorised="1", actor=manager)
    assert "number" in exc.value.errors
    assert CustomerPO.objects.count() == 1


def test_bad_contract_dates_are_refused(account, manager, today):
    with pytest.raises(ValidationFailed) as exc:
        services.contract_create(
            account=account,
            name="Backwards",
            start_date=today,
            end_date=today - dt.timedelta(days=1),
            actor=manager,
        )
    assert "end_date" in exc.value.errors


def test_the_command_renews_as_of_a_day_and_refuses_a_bad_date(account, manager, today):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    lapsed = services.contract_create(
        account=account,
        name="Lapsing",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=5),
        actor=manager,
    )
    services.contract_activate(contract=lapsed, actor=manager)
    out = StringIO()
    call_command("contracts-renew", as_of=(today + dt.timedelta(days=6)).isoformat(), stdout=out)
    assert "0 renewed, 1 expired" in out.getvalue()
    lapsed.refresh_from_db()
    assert lapsed.status == "expired"
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("contracts-renew", as_of="06/01/2026", stdout=StringIO())
