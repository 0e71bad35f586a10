"""The demo seed: deterministic, idempotent reference data, every case state, the showcase
account findable by phone, cases whose SLA flags are what the sweep would leave, and all or
nothing when it fails."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import ProtectedError, RestrictedError

from servicebook.cases.choices import CaseStatus, CaseType, Priority
from servicebook.cases.models import Case, CaseEvent, ConsentRecord, Queue, SlaPolicy
from servicebook.cases.services import _checklist_missing, case_sla_sweep
from servicebook.core.models import AuditEvent, BusinessCalendar, Holiday, Sequence
from servicebook.customers.models import (
    Account,
    AccountSearch,
    ContactEmail,
    ContactPhone,
    Customer,
    Note,
    ServiceAgreement,
    ServiceLocation,
)
from servicebook.customers.selectors import account_search
from servicebook.demo import reference as R
from servicebook.demo.generator import DemoGenerator
from servicebook.demo.services import demo_reference_ensure, demo_refs, demo_users_ensure
from servicebook.demo.tables import TABLES, IdSource
from servicebook.users.models import User

pytestmark = pytest.mark.django_db

# A Wednesday morning in Denver: the SLA clocks run, whatever day the suite runs on.
NOW = dt.datetime(2026, 11, 18, 17, 30, tzinfo=dt.UTC)


def seed(accounts: int = 30, seed: int = 7, *extra: str) -> str:
    out = StringIO()
    call_command(
        "seed-demo",
        "--accounts", str(accounts),
        "--seed", str(seed),
        "--now", NOW.isoformat(),
        *extra,
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


def book() -> dict[str, list]:
    """What a seed wrote, by natural keys (no primary keys, which need not repeat)."""
    return {
        "accounts": list(
            Account.objects.order_by("number").values_list(
                "number", "status", "line_of_business", "customer__display_name", "opened_on"
            )
        ),
        "locations": list(
            ServiceLocation.objects.order_by("account__number", "line1").values_list(
                "account__number", "line1", "line2", "postal_code", "latitude", "longitude"
            )
        ),
        "phones": sorted(ContactPhone.objects.values_list("account__number", "e164")),
        "emails": sorted(ContactEmail.objects.values_list("account__number", "email")),
        "agreements": sorted(
            ServiceAgreement.objects.values_list("account__number", "kind", "identifier")
        ),
        "notes": sorted(
            Note.objects.values_list("account__number", "channel", "summary", "occurred_at")
        ),
        "cases": list(
            Case.objects.order_by("number").values_list(
                "number",
                "account__number",
                "case_type",
                "priority",
                "status",
                "subject",
                "at_risk",
                "breached",
                "escalation_level",
                "resolution_due",
            )
        ),
        "events": sorted(CaseEvent.objects.values_list("case__number", "kind", "at")),
        "search": sorted(AccountSearch.objects.values_list("number", "names", "phones")),
    }


def _delete(queryset) -> None:
    """Delete, first removing whatever the apps' demo steps hung on these rows with a
    protected foreign key (invoices, ledger lines, interactions, ...)."""
    for _ in range(50):
        try:
            queryset.delete()
            return
        except (ProtectedError, RestrictedError) as blocked:
            found = (
                blocked.protected_objects
                if isinstance(blocked, ProtectedError)
                else (blocked.restricted_objects)
            )
            by_model: dict = {}
            for obj in found:
                by_model.setdefault(type(obj), []).append(obj.pk)
            for model, pks in by_model.items():
                _delete(model._base_manager.filter(pk__in=pks))
    raise AssertionError(f"could not delete {queryset.model.__name__} rows")


def wipe_book() -> None:
    """Remove the seeded accounts and restart the numbering, as in a fresh database."""
    _delete(ConsentRecord.objects.all())
    _delete(Case.objects.all())
    _delete(ServiceAgreement.objects.all())
    _delete(Account.objects.all())
    _delete(Customer.objects.all())
    Sequence.objects.all().delete()


def test_same_seed_gives_the_same_book_and_another_seed_another():
    seed(30, 7)
    first = book()
    wipe_book()
    seed(30, 7)
    assert book() == first
    wipe_book()
    seed(30, 8)
    other = book()
    assert other["accounts"] != first["accounts"]
    assert [a[0] for a in other["accounts"]] == [a[0] for a in first["accounts"]]


def test_generator_rows_repeat_for_the_same_seed_whatever_the_chunking():
    demo_reference_ensure()
    demo_users_ensure()
    refs = demo_refs()

    def rows(chunk_sizes):
        generator = DemoGenerator(seed=11, refs=refs, now=NOW)
        counters = {name: iter(range(1, 10**9)).__next__ for name in TABLES}
        ids = IdSource(counters)
        numbers = (f"C{i:07d}" for i in range(1, 10**6))
        result = {name: [] for name in TABLES}
        start = 0
        for size in chunk_sizes:
            accounts = [str(9_000_000_000 + start + i) for i in range(size)]
            chunk = generator.build_chunk(
                numbers=accounts, ids=ids, case_numbers=numbers.__next__, showcase=start == 0
            )
            for name, table_rows in chunk.items():
                result[name] += table_rows
            start += size
        return result

    assert rows([40]) == rows([7, 13, 20])


def test_every_case_status_is_present_and_the_showcase_is_found_by_phone():
    output = seed(30)
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)
    assert set(Account.objects.values_list("line_of_business", flat=True)) >= {"utility"}
    rep = User.objects.get(username="demo.rep")
    hits = account_search(user=rep, query="(303) 555-0147")
    assert hits, "the showcase phone finds nothing"
    assert (hits[0].name, hits[0].matched) == ("Featherstone, Evelyn", "phone")
    showcase = Account.objects.get(number=hits[0].number)
    assert showcase.line_of_business == "utility"
    assert set(showcase.cases.values_list("status", flat=True)) == set(CaseStatus.values)
    assert showcase.alerts.filter(kind="medical_certificate", active=True).exists()
    assert "(303) 555-0147 finds Featherstone, Evelyn" in output


def test_seeded_phones_are_e164_in_denver_area_codes_and_places_in_the_metro():
    seed(30)
    phones = list(ContactPhone.objects.values_list("e164", flat=True))
    assert phones and all(p[:5] in ("+1303", "+1720") and len(p) == 12 for p in phones)
    for loc in ServiceLocation.objects.all():
        assert loc.postal_code.startswith("802")
        assert 39.6 <= float(loc.latitude) <= 39.95
        assert -105.17 <= float(loc.longitude) <= -104.72
        assert loc.time_zone == "America/Denver"


def test_seeded_sla_flags_are_what_the_sweep_would_leave():
    seed(60)
    events = CaseEvent.objects.count()
    counts = case_sla_sweep(now=NOW)
    assert counts == {"at_risk": 0, "breached": 0, "escalated": 0, "closed": 0}
    assert CaseEvent.objects.count() == events


def test_resolved_cases_answered_their_diagnostics_first():
    seed(80)
    done = Case.objects.filter(
        status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED],
        case_type__in=[CaseType.TROUBLE_TICKET, CaseType.BILLING_DISPUTE],
    ).select_related("account")
    assert done.exists()
    for case in done:
        assert _checklist_missing(case) == [], case.number


def test_if_empty_does_nothing_when_accounts_exist():
    seed(30, 7, "--if-empty")
    accounts = Account.objects.count()
    output = seed(30, 7, "--if-empty")
    assert "nothing to do" in output
    assert Account.objects.count() == accounts == 30


def test_a_seed_writes_one_audit_event_for_the_bulk_load():
    seed(30)
    event = AuditEvent.objects.get(action="seed")
    assert event.actor is None
    assert event.changes["accounts"] == 30
    assert "30 accounts" in event.message


def test_reference_data_is_idempotent_and_complete():
    first = demo_reference_ensure()
    assert first["sla_policies"] == len(CaseType.values) * len(Priority.values)
    counts = {
        model: model.objects.count() for model in (BusinessCalendar, Holiday, SlaPolicy, Queue)
    }
    again = demo_reference_ensure()
    assert sum(again.values()) == 0
    assert {model: model.objects.count() for model in counts} == counts
    demo_users_ensure()
    demo_users_ensure()
    assert User.objects.filter(username__startswith="demo.").count() == len(R.DEMO_USERS)
    # A second full seed adds accounts but no reference rows.
    seed(5)
    seed(5)
    assert {model: model.objects.count() for model in counts} == counts
    assert Account.objects.count() == 10
    assert ContactPhone.objects.filter(e164=R.SHOWCASE_PHONE).count() == 1


def test_demo_users_log_in_with_the_demo_password(client):
    demo_users_ensure()
    for username, role, *_ in R.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.check_password(R.DEMO_PASSWORD)
    assert User.objects.get(username="demo.admin").is_superuser


def test_federal_holidays_use_the_observed_dates():
    days_2026 = dict(R.federal_holidays(2026))
    assert days_2026[dt.date(2026, 11, 26)] == "Thanksgiving Day"
    assert days_2026[dt.date(2026, 7, 3)] == "Independence Day"  # July 4 is a Saturday
    days_2027 = dict(R.federal_holidays(2027))
    assert dt.date(2027, 7, 5) in days_2027  # July 4 is a Sunday
    assert days_2027[dt.date(2027, 12, 31)] == "New Year's Day (observed)"
    assert len(days_2026) == 11 and len(days_2027) == 12


@pytest.mark.django_db(transaction=True)
def test_a_seed_that_fails_half_way_leaves_no_accounts(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    real = DemoGenerator.build_chunk
    calls = {"n": 0}

    def failing(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(self, **kwargs)

    monkeypatch.setattr(DemoGenerator, "build_chunk", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        seed(30, 7, "--chunk-size", "10")
    assert Account.objects.count() == 0
    assert not AuditEvent.objects.filter(action="seed").exists()
