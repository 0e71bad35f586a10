"""Fixtures of the quotes tests: a coordinator (service administrator) who quotes, an
account on cycle 1 with an email, a taxed part and a labour item, a real SMTP server, and a
subcontractor company with its login and a job of its crew."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from servicebook.billing.models import BillCycle
from servicebook.billing.services import billing_profile_set
from servicebook.core.testing.factories import (
    make_account,
    make_catalog_item,
    make_subcontractor,
    make_tax_code,
    make_technician,
    make_user,
    make_work_order,
)
from servicebook.core.testing.smtp import SmtpSink
from servicebook.quotes import services


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def coordinator(db):
    """A service administrator: quotes, approves subcontractor quotes, buys, invoices."""
    return make_user("service_admin")


@pytest.fixture
def account(admin):
    account = make_account(actor=admin, email="jane.quote@example.com")
    billing_profile_set(account=account, cycle=BillCycle.objects.get(number=1), actor=admin)
    return account


@pytest.fixture
def tax(db):
    return make_tax_code("standard", "0.0800")


@pytest.fixture
def part(tax):
    return make_catalog_item(
        "filter", kind="part", price="20.00", unit="each", tax_code=tax, revenue_code="4300"
    )


@pytest.fixture
def labour(tax):
    return make_catalog_item("labour-hour", kind="labour", price="95.00", tax_code=tax)


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield sink


def draft_quote(account, coordinator, part, labour, *, options=("Standard",), **kw):
    """A draft with 2 h of labour and 3 filters on every option."""
    quote = services.quote_create(
        account=account, title="Replace furnace filters", options=options, actor=coordinator, **kw
    )
    for option in quote.options.all():
        services.quote_line_add(option=option, catalog_item=labour, quantity="2", actor=coordinator)
        services.quote_line_add(option=option, catalog_item=part, quantity="3", actor=coordinator)
    return quote


def token_of(smtp, index: int = -1) -> str:
    """The token of the link in an email the real SMTP server received."""
    body = smtp.messages[index].message.get_body(("plain",)).get_content()
    return re.search(r"/quotes/q/([\w-]+)/", body).group(1)


@pytest.fixture
def sub_world(admin):
    """A subcontractor company with a login, one of its technicians booked on a work order
    (its job), and another work order that is not its job."""
    from servicebook.scheduling.models import Appointment
    from servicebook.scheduling.services import subcontractor_set_users

    company = make_subcontractor(name="Acme Mechanical", actor=admin, email="office@acme.test")
    login = make_user("subcontractor")
    subcontractor_set_users(subcontractor=company, users=[login], actor=admin)
    tech = make_technician(kind="subcontractor", subcontractor=company, actor=admin)
    job = make_work_order(actor=admin, summary="Boiler replacement")
    other = make_work_order(actor=admin, summary="Somebody else's job")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    # Booked directly: the booking service's shift and document rules are not what these
    # tests are about, only that the crew has an appointment on the job.
    Appointment.objects.create(
        work_order=job, technician=tech, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    return {"company": company, "login": login, "job": job, "other": other, "tech": tech}
