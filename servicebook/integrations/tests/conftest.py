"""Fixtures of the integrations tests: a supervisor (who may manage partners), a warranty
partner with a webhook endpoint, a portal partner, and a work order to move."""

from __future__ import annotations

import pytest

from servicebook.core.testing.factories import make_user, make_work_order
from servicebook.integrations import services


@pytest.fixture
def boss(db):
    return make_user("supervisor")


@pytest.fixture
def warranty(boss):
    return services.partner_create(
        name="Acme Warranty", kind="warranty", connector="webhook", actor=boss
    )


@pytest.fixture
def portal_partner(boss):
    return services.partner_create(
        name="Carrier Co", kind="carrier", connector="portal", actor=boss
    )


@pytest.fixture
def work_order(boss):
    return make_work_order(actor=make_user("admin"))


def endpoint_for(partner, url, actor, **extra):
    endpoint, secret = services.endpoint_create(
        partner=partner,
        url=url,
        event_types=extra.pop("event_types", ["workorder.status_changed"]),
        actor=actor,
        **extra,
    )
    return endpoint, secret
