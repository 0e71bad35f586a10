"""Coverage decisions: covered, partly covered, excluded, visits used up, an expired
contract, no contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from servicebook.contracts import services
from servicebook.contracts.coverage import JobLine, coverage_decision
from servicebook.core.testing.factories import make_account


def test_repair_labour_is_covered_in_full(contract, job):
    decision = coverage_decision(work_order=job())
    assert decision.contract == contract
    assert decision.coverage == "covered"
    assert decision.covered_total == Decimal("190.00") and decision.customer_total == 0
    assert decision.response_hours == 4 and decision.response_due is not None
    assert not decision.flag_for_quote


def test_parts_at_half_make_the_job_partly_covered(contract, job):
    order = job(lines=[("labour", "Labour", "100.00"), ("part", "Pump", "45.25")])
    decision = coverage_decision(work_order=order)
    assert decision.coverage == "partly"
    # 45.25 x 50% = 22.625 -> 22.63 half-up; the customer pays 22.62.
    assert [(d.covered, d.customer) for d in decision.lines] == [
        (Decimal("100.00"), Decimal("0.00")),
        (Decimal("22.63"), Decimal("22.62")),
    ]
    assert "repair parts: 50% covered" in decision.reasons


def test_an_excluded_install_is_not_covered_and_flagged_for_a_quote(contract, job):
    decision = coverage_decision(work_order=job(work_type="install"))
    assert decision.coverage == "not_covered"
    assert decision.customer_total == Decimal("190.00")
    assert "not covered: install labour is excluded" in decision.reasons
    assert decision.flag_for_quote


def test_an_estimate_without_lines_is_decided_by_the_work_type(contract, account):
    install = coverage_decision(account=account, work_type="install")
    assert install.coverage == "not_covered" and install.reasons == [
        "not covered: install is excluded"
    ]
    pm = coverage_decision(account=account, work_type="preventive_maintenance")
    assert pm.coverage == "covered"
    other = coverage_decision(
        account=account,
        work_type="inspection",
        lines=[JobLine(kind="labour", description="Look", amount=Decimal("80.00"))],
    )
    assert other.coverage == "not_covered"
    assert other.reasons[0] == "not covered: inspection labour not included"


def test_a_more_specific_line_wins_and_an_exclusion_wins_a_tie(contract, manager, job):
    services.coverage_add(
        contract=contract, work_type="repair", applies_to="part", excluded=True, actor=manager
    )
    order = job(lines=[("part", "Pump", "40.00")])
    decision = coverage_decision(work_order=order)
    assert decision.coverage == "not_covered"
    assert decision.reasons[0] == "not covered: repair parts is excluded"


def test_visits_used_up_after_the_included_number(contract, job):
    done = [job() for _ in range(4)]
    fifth = job()
    decision = coverage_decision(work_order=fifth)
    assert decision.visits_used == 4 and decision.visits_included == 4
    assert decision.coverage == "not_covered"
    assert "visits used up: 4 of 4" in decision.reasons
    # Earlier visits stay included: only the visits completed before a job count for it.
    assert coverage_decision(work_order=done[0]).visits_used == 0
    assert coverage_decision(work_order=done[3]).visits_used == 3
    assert coverage_decision(work_order=done[3]).coverage == "covered"


def test_visits_of_the_year_do_not_count_against_a_fifth_before_the_limit(contract, job):
    for _ in range(3):
        job()
    decision = coverage_decision(work_order=job())
    assert decision.visits_used == 3 and decision.coverage == "covered"


def test_an_expired_contract_covers_nothing_and_says_so(contract, job, today):
    services.contracts_renew(today=contract.end_date + dt.timedelta(days=1))
    contract.refresh_from_db()
    assert contract.status == "expired"
    decision = coverage_decision(work_order=job())
    assert decision.contract is None and decision.coverage == "no_contract"
    assert decision.reasons[0].startswith(f"not covered: contract {contract.number} expired on")


def test_a_job_after_the_end_date_is_not_covered_even_before_the_daily_run(contract, account):
    decision = coverage_decision(
        account=account, work_type="repair", on=contract.end_date + dt.timedelta(days=1)
    )
    assert decision.coverage == "no_contract"


def test_no_contract(admin, job):
    other = make_account(actor=admin)
    decision = coverage_decision(account=other, work_type="repair")
    assert decision.coverage == "no_contract"
    assert decision.reasons == ["no service contract covers this job"]
    assert not decision.flag_for_quote


def test_a_draft_contract_covers_nothing(account, manager, today, job):
    services.contract_create(
        account=account,
        name="Draft",
        start_date=today,
        end_date=today + dt.timedelta(days=10),
        actor=manager,
    )
    assert coverage_decision(work_order=job()).coverage == "no_contract"


def test_a_contract_for_other_locations_does_not_cover_this_one(account, manager, today, job):
    from servicebook.customers.services import LocationInput, location_add

    elsewhere = location_add(
        account=account,
        data=LocationInput(line1="9 Elm St", city="Denver", region="CO", postal_code="80202"),
        actor=manager,
    )
    contract = services.contract_create(
        account=account,
        name="Warehouse",
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=10),
        locations=[elsewhere],
        actor=manager,
    )
    services.coverage_add(contract=contract, actor=manager)
    services.contract_activate(contract=contract, actor=manager)
    assert coverage_decision(work_order=job()).coverage == "no_contract"


def test_po_remaining_is_reported_against_the_customer_share(contract, account, manager, job):
    services.po_add(
        account=account,
        contract=contract,
        number="4500-1",
        amount_authorised="10.00",
        actor=manager,
    )
    decision = coverage_decision(work_order=job(lines=[("part", "Pump", "40.00")]))
    assert decision.po.number == "4500-1" and decision.po_remaining == Decimal("10.00")
    assert decision.po_short
    assert "PO 4500-1: 10.00 remaining, short of 20.00" in decision.reasons
