"""The interface the collections run (receivables) reads and writes: the protection
selectors and the credit events, single and bulk."""

from __future__ import annotations

import datetime as dt

from servicebook.core.testing.factories import make_account, make_user
from servicebook.credit.models import (
    ArrangementStatus,
    Bankruptcy,
    CreditEvent,
    CreditPolicy,
    CreditStanding,
    PaymentArrangement,
)
from servicebook.credit.selectors import (
    arrangement_protected_account_ids,
    bankruptcy_stayed_account_ids,
)
from servicebook.credit.services import credit_event_record, credit_events_record_bulk
from servicebook.customers.models import Account

from .conftest import D

DAY = dt.date(2026, 3, 10)


def _arrangement(account, *, status="active", started_on=DAY, ended_on=None):
    return PaymentArrangement.objects.create(
        account=account,
        arrears=D("100.00"),
        installment_count=2,
        status=status,
        started_on=started_on,
        ended_on=ended_on,
    )


def test_arrangement_protection_covers_active_and_ended_later(account, other_account):
    _arrangement(account)
    _arrangement(other_account, status=ArrangementStatus.BROKEN, ended_on=DAY + dt.timedelta(5))
    ids = lambda on: set(  # noqa: E731
        Account.objects.filter(pk__in=arrangement_protected_account_ids(as_of=on)).values_list(
            "pk", flat=True
        )
    )
    assert ids(DAY - dt.timedelta(1)) == set()
    assert ids(DAY) == {account.pk, other_account.pk}
    assert ids(DAY + dt.timedelta(5)) == {account.pk}


def test_bankruptcy_stay_while_filed(account, other_account):
    Bankruptcy.objects.create(
        account=account, petition_date=DAY, chapter="7", court="D. Colo.", case_number="26-1"
    )
    Bankruptcy.objects.create(
        account=other_account,
        petition_date=DAY,
        chapter="13",
        court="D. Colo.",
        case_number="26-2",
        status="dismissed",
        closed_on=DAY + dt.timedelta(3),
    )
    stayed = lambda on: set(  # noqa: E731
        Account.objects.filter(pk__in=bankruptcy_stayed_account_ids(as_of=on)).values_list(
            "pk", flat=True
        )
    )
    assert stayed(DAY - dt.timedelta(1)) == set()
    assert stayed(DAY + dt.timedelta(1)) == {account.pk, other_account.pk}
    assert stayed(DAY + dt.timedelta(3)) == {account.pk}


def test_events_move_the_score_and_flag_cash_only(account, credit_policy):
    credit_event_record(account=account, kind="late_payment", on=DAY)
    standing = CreditStanding.objects.get(account=account)
    assert (standing.score, standing.cash_only) == (10, False)
    credit_event_record(account=account, kind="disconnection", on=DAY)
    standing.refresh_from_db()
    assert (standing.score, standing.cash_only, standing.cash_only_since) == (50, True, DAY)
    credit_event_record(account=account, kind="arrangement_kept", on=DAY)
    standing.refresh_from_db()
    assert (standing.score, standing.cash_only) == (30, False)
    # The score never goes below zero.
    for _ in range(10):
        credit_event_record(account=account, kind="paid_on_time", on=DAY)
    standing.refresh_from_db()
    assert standing.score == 0


def test_same_source_records_once(account, credit_policy):
    first = credit_event_record(account=account, kind="late_payment", on=DAY, source="run:1")
    again = credit_event_record(account=account, kind="late_payment", on=DAY, source="run:1")
    assert first.pk == again.pk
    assert CreditStanding.objects.get(account=account).score == 10


def test_unknown_kind_is_refused(account):
    import pytest

    from servicebook.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        credit_event_record(account=account, kind="nonsense", on=DAY)
    assert "kind" in err.value.errors
    assert not CreditEvent.objects.exists()


def test_bulk_uses_each_groups_policy_and_is_idempotent_per_source(credit_policy):
    admin = make_user("admin")
    residential = [make_account(actor=admin) for _ in range(3)]
    commercial = make_account(actor=admin)
    Account.objects.filter(pk=commercial.pk).update(customer_class="commercial")
    CreditPolicy.objects.create(
        name="Commercial",
        customer_class="commercial",
        points={"late_payment": 60},
        cash_only_threshold=50,
    )
    ids = [a.pk for a in residential] + [commercial.pk]
    assert credit_events_record_bulk(account_ids=ids, kind="late_payment", on=DAY, source="n1") == 4
    assert credit_events_record_bulk(account_ids=ids, kind="late_payment", on=DAY, source="n1") == 0
    scores = dict(CreditStanding.objects.values_list("account_id", "score"))
    assert [scores[a.pk] for a in residential] == [10, 10, 10]
    assert scores[commercial.pk] == 60
    assert CreditStanding.objects.get(account=commercial).cash_only
    assert CreditEvent.objects.count() == 4
    # A queryset works as well as a list (the collections run passes a subquery).
    qs = Account.objects.filter(pk__in=ids).values("pk")
    assert credit_events_record_bulk(account_ids=qs, kind="late_payment", on=DAY) == 4
    assert CreditStanding.objects.get(account=residential[0]).score == 20
