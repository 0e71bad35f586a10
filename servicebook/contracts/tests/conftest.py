"""Fixtures of the contracts tests: a service administrator who keeps contracts and bills,
an account on cycle 1, and an active contract on it covering repair labour in full, repair
parts at half, and excluding installs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from servicebook.billing.models import BillCycle
from servicebook.billing.services import billing_profile_set
from servicebook.contracts import services
from servicebook.core.testing.factories import make_account, make_user, make_work_order
from servicebook.workorders import services as wo


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def manager(db):
    return make_user("service_admin")


@pytest.fixture
def account(admin):
    account = make_account(actor=admin, email="pm.customer@example.com")
    billing_profile_set(account=account, cycle=BillCycle.objects.get(number=1), actor=admin)
    return account


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def contract(account, manager, today):
    contract = services.contract_create(
        account=account,
        name="Boiler maintenance",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=334),
        response_hours=4,
        visits_per_year=4,
        actor=manager,
    )
    services.coverage_add(contract=contract, work_type="repair", applies_to="labour", actor=manager)
    services.coverage_add(
        contract=contract, work_type="repair", applies_to="part", covered_percent=50, actor=manager
    )
    services.coverage_add(contract=contract, work_type="install", excluded=True, actor=manager)
    services.coverage_add(
        contract=contract, work_type="preventive_maintenance", covered_percent=100, actor=manager
    )
    return services.contract_activate(contract=contract, actor=manager)


@pytest.fixture
def job(admin, account):
    """Make a completed work order of a type with lines [(kind, description, amount)]."""

    def make(work_type="repair", lines=(("labour", "Labour 2 h", "190.00"),), status="completed"):
        order = make_work_order(account=account, actor=admin, work_type=work_type, status=status)
        for kind, description, amount in lines:
            wo.workorder_line_add(
                work_order=order,
                kind=kind,
                description=description,
                quantity="1",
                unit="ea",
                unit_price=amount,
                actor=admin,
            )
        order.refresh_from_db()
        return order

    return make
