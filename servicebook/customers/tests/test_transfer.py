"""Import and export of accounts: the export reads back in with no change, bad rows are
listed with their row number and column while the good rows are kept, a dry run changes
nothing, CSV and XLSX both, and a file with a wrong header is refused whole."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import PASSWORD, make_account, make_user
from servicebook.core.transfer import BadFile, read_rows
from servicebook.customers import transfer
from servicebook.customers.models import Account, ContactPhone

COLS = transfer.ACCOUNT_COLUMNS


def _rows(text: str):
    return read_rows("a.csv", text.encode(), COLS, required=transfer.REQUIRED, strict=True)


def _csv(*lines: str) -> str:
    return ",".join(COLS) + "\n" + "".join(line + "\n" for line in lines)


def _audit_count() -> int:
    return AuditEvent.objects.count()


@pytest.fixture
def book(rep):
    return [
        make_account(actor=rep, email="jane@example.com"),
        make_account(actor=rep, organisation_name="Acme Ltd", phone="720-555-0100"),
    ]


def _export_csv(user) -> str:
    from servicebook.core.transfer import to_csv

    return to_csv(COLS, transfer.accounts_table(user))


def test_export_then_import_changes_nothing(book, rep):
    text = _export_csv(rep)
    assert book[0].number in text and "+13035550147" in text and "Acme Ltd" in text
    audits = _audit_count()
    report = transfer.accounts_import(rows=_rows(text), dry_run=False, actor=rep)
    assert (report.rows, report.unchanged, report.created, report.updated) == (2, 2, 0, 0)
    assert not report.rejected
    assert _audit_count() == audits


def test_xlsx_round_trip(book, rep):
    from servicebook.core.transfer import to_xlsx

    data = to_xlsx(COLS, transfer.accounts_table(rep), "accounts")
    rows = read_rows("a.xlsx", data, COLS, required=transfer.REQUIRED, strict=True)
    assert rows[0]["account_number"] == book[0].number
    assert rows[0]["postal_code"] == "80202"  # a number-looking cell stays text
    report = transfer.accounts_import(rows=rows, dry_run=False, actor=rep)
    assert (report.unchanged, len(report.rejected)) == (2, 0)


def test_bad_rows_are_listed_and_good_rows_kept(book, rep):
    number = book[0].number
    text = _csv(
        ",person,Ann,Lee,,residential,utility,CO-DEN,,9 Elm St,,Denver,CO,80203,US,Ann Lee,"
        "(720) 555-0111; 303.555.0122,ann@example.com",
        ",person,Bo,Kim,,residential,utility,,,,,,,,,Bo Kim,555-01,",
        f"{number},person,Jane,Smith,,commercial,utility,,closed,1420 Larimer St,,Denver,CO,"
        "80202,US,,,jane.two@example.com",
        "999999999,person,X,Y,,,,,,,,,,,,,,",
        ",robot,X,Y,,,utility,,,,,,,,,,,",
        ",person,No,Business,,,,,,,,,,,,,,",
        ",person,Cy,Doe,,residential,utility,,,,,,,,,Cy Doe,,not-an-email",
    )
    before = Account.objects.count()
    report = transfer.accounts_import(rows=_rows(text), dry_run=False, actor=rep)
    assert (report.created, report.updated) == (1, 1)
    assert [(r, f) for r, f, _ in report.rejected] == [
        (3, "phones"),
        (5, "account_number"),
        (6, "kind"),
        (7, "line_of_business"),
        (8, "emails"),
    ]
    assert "wrong number of digits" in report.rejected[0][2]
    assert Account.objects.count() == before + 1
    new = Account.objects.get(customer__last_name="Lee")
    assert new.jurisdiction == "CO-DEN"
    assert new.locations.get().postal_code == "80203"
    assert sorted(new.phones.values_list("e164", flat=True)) == ["+13035550122", "+17205550111"]
    jane = Account.objects.get(pk=book[0].pk)
    assert (jane.customer.last_name, jane.customer_class, jane.status) == (
        "Smith",
        "commercial",
        "active",  # the status column is read-only
    )
    assert set(jane.emails.values_list("email", flat=True)) == {
        "jane@example.com",
        "jane.two@example.com",
    }
    # A rejected row leaves nothing behind: no half-made customer for Bo Kim or Cy Doe.
    assert not Account.objects.filter(customer__last_name__in=["Kim", "Doe"]).exists()


def test_dry_run_changes_nothing(book, rep):
    text = _csv(",organisation,,,Globex,commercial,utility,,,,,,,,,Hank,720-555-0199,")
    text += _export_csv(rep).split("\n", 1)[1].replace("1420 Larimer St", "1 New St", 1)
    audits, phones = _audit_count(), ContactPhone.objects.count()
    report = transfer.accounts_import(rows=_rows(text), dry_run=True, actor=rep)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert "Dry run" in report.as_text()
    assert not Account.objects.filter(customer__organisation_name="Globex").exists()
    assert ContactPhone.objects.count() == phones and _audit_count() == audits
    assert book[0].locations.get().line1 == "1420 Larimer St"


def test_wrong_header_is_refused(rep):
    with pytest.raises(BadFile, match="Missing column"):
        _rows("number,name\n1,x\n")
    with pytest.raises(BadFile, match=r"Unknown column.*phone_number"):
        _rows("account_number,kind,phone_number\n,person,1\n")


def test_pages_export_and_import(client, book, rep):
    assert client.login(username=rep.username, password=PASSWORD)
    page = client.get(reverse("customers:accounts_transfer"))
    assert page.status_code == 200 and b"Import accounts" in page.content
    csv_response = client.get(reverse("customers:accounts_export"))
    text = b"".join(csv_response.streaming_content).decode()
    assert text.startswith("account_number,kind,") and book[1].number in text
    xlsx = client.get(reverse("customers:accounts_export") + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.xlsx", b"".join(xlsx.streaming_content))
    done = client.post(reverse("customers:accounts_import"), {"file": upload})
    assert done.status_code == 200 and b"2 unchanged" in done.content
    bad = SimpleUploadedFile("a.csv", b"who,what\n1,2\n")
    refused = client.post(reverse("customers:accounts_import"), {"file": bad})
    assert refused.status_code == 400 and b"Missing column(s): account_number, kind" in (
        refused.content
    )


def test_export_is_read_in_chunks(book, rep, django_assert_max_num_queries):
    # The accounts come from a server-side iterator, their premises and contacts a chunk at
    # a time: the query count does not grow with the book.
    make_user("admin")
    for _ in range(3):
        make_account(actor=rep)
    with django_assert_max_num_queries(8):
        assert len(list(transfer.accounts_table(rep))) == 5
