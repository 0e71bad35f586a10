"""Unauthorized-usage referrals (issue 5): a case of their own kind, routed to the revenue
protection investigators with their own SLA and resolution codes."""

from __future__ import annotations

import pytest

from servicebook.cases.models import ResolutionCode
from servicebook.cases.services import case_add_note, case_open, case_resolve
from servicebook.core.errors import ValidationFailed
from servicebook.demo.services import demo_reference_ensure


@pytest.fixture
def reference(db):
    demo_reference_ensure()


def test_a_referral_lands_with_the_investigators_under_its_own_sla(reference, account, rep1):
    case = case_open(
        account=account,
        case_type="unauthorized_usage",
        subject="Meter seal broken, bypass cable at the meter base",
        description="Found by the technician on a non-pay visit.",
        actor=rep1,
    )

    assert case.queue.slug == "revenue-protection"
    assert case.sla_policy.case_type == "unauthorized_usage"
    assert case.resolution_due > case.first_response_due
    assert case.get_case_type_display() == "Unauthorized-usage referral"


def test_a_referral_resolves_only_with_an_investigation_outcome(reference, account, rep1):
    case = case_open(
        account=account, case_type="unauthorized_usage", subject="Tamper alarm", actor=rep1
    )
    case_add_note(case=case, body="Site visit booked.", actor=rep1)

    with pytest.raises(ValidationFailed):
        case_resolve(
            case=case, resolution_code=ResolutionCode.objects.get(code="fixed"), actor=rep1
        )
    case_resolve(
        case=case,
        resolution_code=ResolutionCode.objects.get(code="usage-confirmed"),
        summary="Bypass removed, six months back-billed.",
        actor=rep1,
    )
    case.refresh_from_db()
    assert case.status == "resolved"
