"""Bank files: BAI2 and lockbox CSV. Matched credits post, unmatched ones wait for a person,
a malformed file posts nothing and names each bad line, the same file twice posts nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from servicebook.core.errors import InvalidTransition
from servicebook.ledger.selectors import balance_of
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.bankfiles import BankFileInvalid, parse_bank_file
from servicebook.payments.bankfiles.bai2 import write
from servicebook.payments.bankfiles.services import (
    bank_file_import,
    bank_item_match,
    bank_item_return,
)
from servicebook.payments.models import BankFile, BankFileItem, Payment

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2026, 11, 20)


def bad_number(number: str) -> str:
    """The account number with its check digit wrong."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_a_bai2_file_posts_matched_credits_and_queues_the_rest(
    biller, account, other_account, invoice
):
    bill = invoice(other_account, "80.00")
    text = write(
        as_of=DAY,
        details=[
            ("115", 12345, "LBX001", account.number, "CHECK 1001"),
            ("165", 8000, "ACH002", bill.number, "ACH PAYMENT"),
            ("165", 2500, "ACH003", "", "NO REFERENCE"),
            ("115", 1000, "LBX004", bad_number(account.number), "TYPO"),
            ("475", 999, "CHK005", "", "CHECK PAID"),
            ("354", 10, "INT006", "", "INTEREST"),
        ],
    )
    result = bank_file_import(content=text.encode(), name="nov20.bai", actor=biller)
    assert (result.posted, result.exceptions) == (2, 2)
    assert [e.line for e in result.skipped] == [8, 9]
    assert balance_of(account).balance == D("-123.45")
    bill.refresh_from_db()
    assert bill.status == "paid"
    exceptions = BankFileItem.objects.filter(status="exception").order_by("line_number")
    reasons = [i.exception_reason for i in exceptions]
    assert reasons[0] == "no account number or invoice reference"
    assert "fails its check digit" in reasons[1]
    payment = Payment.objects.get(account=account)
    assert (payment.channel, payment.method, payment.received_on) == ("bank_file", "check", DAY)
    assert ledger_verify() == []


def test_the_same_file_twice_posts_nothing_the_second_time(biller, account):
    text = write(as_of=DAY, details=[("115", 5000, "B1", account.number, "")]).encode()
    bank_file_import(content=text, name="a.bai", actor=biller)
    again = bank_file_import(content=text, name="a-again.bai", actor=biller)
    assert again.already_imported
    assert Payment.objects.count() == 1 and BankFile.objects.count() == 1
    assert balance_of(account).balance == D("-50.00")


def test_a_credit_sent_again_in_another_file_posts_once(biller, account):
    first = write(as_of=DAY, details=[("115", 5000, "B1", account.number, "")], file_id="1")
    second = write(
        as_of=DAY,
        details=[("115", 5000, "B1", account.number, ""), ("115", 700, "B2", account.number, "")],
        file_id="2",
    )
    bank_file_import(content=first.encode(), name="1.bai", actor=biller)
    result = bank_file_import(content=second.encode(), name="2.bai", actor=biller)
    assert result.posted == 1
    assert [str(d) for d in result.duplicates] == ["line 4: already imported with 1.bai"]
    assert balance_of(account).balance == D("-57.00")


def test_a_malformed_bai2_file_posts_nothing_and_names_each_bad_line(biller, account):
    good = write(
        as_of=DAY,
        details=[("115", 5000, "B1", account.number, ""), ("115", 700, "B2", account.number, "")],
    )
    lines = good.splitlines()
    lines[3] = f"16,115,50.00,0,B1,{account.number},"  # a decimal point: not cents
    lines[5] = "49,99999,5/"  # wrong control total
    lines.insert(6, "XX,garbage/")
    with pytest.raises(BankFileInvalid) as exc:
        bank_file_import(content="\n".join(lines).encode(), name="bad.bai", actor=biller)
    messages = [str(e) for e in exc.value.errors]
    assert any(
        m.startswith("line 4: amount '50.00' is not a whole number of cents") for m in messages
    )
    assert any(m.startswith("line 6: account control total 99999") for m in messages)
    assert "line 7: unknown record type 'XX'" in messages
    assert not Payment.objects.exists() and not BankFile.objects.exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda ls: ls[:-1], "the file has no trailer (99)"),
        (lambda ls: [ls[0].replace(",2/", ",3/"), *ls[1:]], "not a BAI version 2 file header"),
        (lambda ls: [*ls[:2], ls[2].replace("USD", "EUR"), *ls[3:]], "only USD"),
        (lambda ls: [*ls[:-2], "98,5000,1,9/", ls[-1]], "record count 9 does not equal the 5"),
        (lambda ls: [*ls[:1], ls[1].replace("261120", "261340"), *ls[2:]], "not a real date"),
    ],
)
def test_structural_errors_are_named(edit, message):
    lines = write(as_of=DAY, details=[("115", 5000, "B1", "1", "")]).splitlines()
    with pytest.raises(BankFileInvalid) as exc:
        parse_bank_file("\n".join(edit(lines)).encode(), "bai2")
    assert any(message in str(e) for e in exc.value.errors), exc.value.errors


def test_continuation_records_carry_fields_and_text(biller, account):
    text = "\n".join(
        [
            "01,121000248,SERVICEBOOK,261120,0600,7,,,2/",
            "02,SERVICEBOOK,121000248,1,261120,0600,USD,2/",
            "03,000123456789,USD,010,0,,,015/",
            "88,2500,,/",
            "16,115,2500,V,261121,0800,LBX9/",
            f"88,{account.number},REMITTANCE FOR",
            "88,NOVEMBER, WITH THANKS/",
            "49,5000,6/",
            "98,5000,1,8/",
            "99,5000,1,10/",
        ]
    )
    parsed = parse_bank_file(text.encode())
    (item,) = parsed.items
    assert (item.amount, item.bank_reference, item.account_number) == (
        D("25.00"),
        "LBX9",
        account.number,
    )
    assert item.text == "REMITTANCE FOR NOVEMBER, WITH THANKS"


LOCKBOX_HEADER = "account_number,amount,check_number,date,invoice_reference\n"


def test_a_lockbox_file_matches_by_account_or_invoice(biller, account, other_account, invoice):
    bill = invoice(other_account, "40.00")
    older = invoice(other_account, "10.00", days_ago=90)
    text = (
        LOCKBOX_HEADER
        + f"{account.number},125.40,1001,2026-11-20,\n"
        + f",50.00,1002,2026-11-20,{bill.number}\n"
        + "\n"
        + "9999999999,5.00,1003,2026-11-20,\n"
    )
    result = bank_file_import(content=text.encode(), name="lockbox.csv", actor=biller)
    assert (result.posted, result.exceptions) == (2, 1)
    bill.refresh_from_db()
    older.refresh_from_db()
    # The quoted invoice is paid first, the rest goes oldest first.
    assert (bill.status, older.status) == ("paid", "paid")
    assert Payment.objects.get(account=account).check_number == "1001"
    assert BankFileItem.objects.get(status="exception").line_number == 5


def test_a_malformed_lockbox_file_names_each_bad_row_and_posts_nothing(biller, account):
    text = (
        LOCKBOX_HEADER
        + f"{account.number},12.345,1001,2026-11-20,\n"
        + f"{account.number},10.00,,2026-11-20,\n"
        + f"{account.number},10.00,1003,20/11/2026,\n"
        + f"{account.number},10.00,1004\n"
        + f"{account.number},10.00,1005,2026-11-20,\n"
    )
    with pytest.raises(BankFileInvalid) as exc:
        bank_file_import(content=text.encode(), name="bad.csv", actor=biller)
    assert [e.line for e in exc.value.errors] == [2, 3, 4, 5]
    assert "amount '12.345'" in str(exc.value.errors[0])
    assert "check number" in str(exc.value.errors[1])
    assert "date '20/11/2026'" in str(exc.value.errors[2])
    assert "3 values where the header has 5" in str(exc.value.errors[3])
    assert not Payment.objects.exists()


def test_a_lockbox_file_with_the_wrong_header_is_refused():
    with pytest.raises(BankFileInvalid) as exc:
        parse_bank_file(b"account,amount\n1,2\n", "lockbox")
    assert "missing column(s)" in str(exc.value.errors[0])


def test_a_person_matches_or_returns_what_waits_in_the_queue(biller, account):
    text = LOCKBOX_HEADER + ",30.00,2001,2026-11-20,\n,20.00,2002,2026-11-20,\n"
    bank_file_import(content=text.encode(), name="q.csv", actor=biller)
    first, second = BankFileItem.objects.order_by("line_number")
    bank_item_match(item=first, account=account, actor=biller)
    first.refresh_from_db()
    assert first.status == "posted" and first.payment.account == account
    assert balance_of(account).balance == D("-30.00")
    with pytest.raises(InvalidTransition):
        bank_item_match(item=first, account=account, actor=biller)
    bank_item_return(item=second, actor=biller, note="Not our customer")
    second.refresh_from_db()
    assert second.status == "returned"
    assert ledger_verify() == []


def test_the_command_imports_and_reports_bad_lines(biller, account, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(LOCKBOX_HEADER + f"{account.number},10.00,1,2026-11-20,\n")
    call_command("import-bank-file", str(good), "--user", biller.username)
    assert "1 payments posted" in capsys.readouterr().out
    call_command("import-bank-file", str(good), "--user", biller.username)
    assert "already imported" in capsys.readouterr().out
    bad = tmp_path / "bad.bai"
    bad.write_text("01,1,2,261120,0600,1,,,2/\n16,115,abc,0,,,\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-bank-file", str(bad), "--format", "bai2", "--user", biller.username)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "line 2:" in err and "nothing was posted" in err
    assert Payment.objects.count() == 1
