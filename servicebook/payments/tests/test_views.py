"""The payments pages: take a payment from the account page (card, ACH, check, cash; manual
allocation; a double submission posts once), a payment's page (return with fee, reallocate,
refund within or above the limit), approvals, the account's money forms, bank files and the
exception queue. Refusals name the field and change nothing; card data never comes back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.ledger.models import OpenItem
from servicebook.ledger.selectors import balance_of
from servicebook.ledger.verify import ledger_verify
from servicebook.payments import services
from servicebook.payments.forms import mint_key
from servicebook.payments.models import (
    Adjustment,
    AdjustmentReason,
    BankFile,
    BankFileItem,
    CardToken,
    Deposit,
    Dispute,
    Payment,
    Refund,
    Transfer,
)

from .conftest import VISA, VISA_CVC, key

pytestmark = pytest.mark.django_db
D = Decimal
LOCKBOX_HEADER = "account_number,amount,check_number,date,invoice_reference\n"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def take(client, account, **fields):
    data = {"idempotency_key": mint_key(), "channel": "phone", **fields}
    return client.post(reverse("payments:take", args=[account.pk]), data)


def field_errors(response, name: str) -> str:
    """The text of a form field's error list (the page shows it under the field)."""
    html = response.content.decode()
    match = re.search(rf'id="id_\w+_{name}_errors"[^>]*>(.*?)</ul>', html, re.S)
    return match[1] if match else ""


def cash(account, amount, actor, **extra):
    return services.payment_post(
        account=account,
        amount=amount,
        method="cash",
        channel="counter",
        idempotency_key=key("cash"),
        actor=actor,
        **extra,
    )


# --- Take a payment ---------------------------------------------------------------------------


def test_the_account_page_offers_take_a_payment_and_shows_the_activity(
    client, rep, supervisor, account, invoice
):
    url = reverse("customers:account_detail", args=[account.pk])
    login(client, rep)
    assert reverse("payments:take", args=[account.pk]) in client.get(url).content.decode()
    bill = invoice(account, "100.00")
    # 10.00 to the bill by hand, 32.00 held as credit.
    payment = cash(account, "42.00", rep, allocations=[(bill.open_item, D("10.00"))])
    services.refund_request(
        payment=payment,
        amount="5.00",
        reason="Counted twice",
        idempotency_key=key(),
        actor=rep,
    )
    services.deposit_bill(account=account, amount="150.00", actor=supervisor)
    services.dispute_open(item=bill.open_item, amount="4.00", reason="Late fee", actor=rep)
    html = client.get(url).content.decode()
    panel = html[html.index('id="payments"') :]
    assert payment.number in panel and "$42.00" in panel
    assert re.search(r'data-testid="unapplied-credit">\$27\.00<', panel)
    assert "Counted twice" in panel and "$150.00" in panel and "Late fee" in panel


def test_the_panel_costs_the_account_page_one_query(client, rep, account):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from servicebook.payments.panels import account_activity

    for _ in range(3):
        cash(account, "5.00", rep)
    with CaptureQueriesContext(connection) as ctx:
        rows = account_activity(account)
    assert len(ctx.captured_queries) == 1
    assert [r.kind for r in rows] == ["credit", "payment", "payment", "payment"]


def test_the_form_is_prefilled_with_the_balance_due(client, rep, account, invoice):
    invoice(account, "182.40")
    login(client, rep)
    page = client.get(reverse("payments:take", args=[account.pk]))
    html = page.content.decode()
    assert 'value="182.40"' in html
    assert re.search(r'name="idempotency_key" value="page:[0-9a-f]{32}"', html)


def test_a_card_payment_by_phone_keeps_only_the_token_and_last_four(client, rep, account, invoice):
    bill = invoice(account, "100.00")
    login(client, rep)
    response = take(
        client,
        account,
        amount="60.00",
        method="card",
        card_number=VISA,
        card_expiry="12/30",
        card_cvc=VISA_CVC,
    )
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:payment_detail", args=[payment.pk])
    assert (payment.method, payment.channel, payment.amount) == ("card", "phone", D("60.00"))
    card = CardToken.objects.get()
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)
    assert payment.gateway_reference
    bill.refresh_from_db()
    assert bill.status == "partially_paid"
    assert balance_of(account).balance == D("40.00")
    detail = client.get(response["Location"]).content.decode()
    assert "4242" in detail and "4242 4242" not in detail and "4242424242424242" not in detail


def test_a_double_submission_posts_once(client, rep, account):
    login(client, rep)
    data = {
        "idempotency_key": mint_key(),
        "amount": "25.00",
        "method": "card",
        "channel": "phone",
        "card_number": VISA,
        "card_expiry": "12/30",
        "card_cvc": VISA_CVC,
    }
    url = reverse("payments:take", args=[account.pk])
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert Payment.objects.count() == 1 and CardToken.objects.count() == 1
    assert "already posted" in second.content.decode()
    assert balance_of(account).balance == D("-25.00")


def test_a_bad_card_number_is_refused_on_its_field_and_never_echoed(client, rep, account):
    login(client, rep)
    typed = "4242 4242 4242 4241"  # fails the Luhn check
    response = take(
        client,
        account,
        amount="10.00",
        method="card",
        card_number=typed,
        card_expiry="12/30",
        card_cvc=VISA_CVC,
    )
    assert response.status_code == 400
    assert field_errors(response, "card_number")
    html = response.content.decode()
    assert typed not in html and typed.replace(" ", "") not in html
    assert f'value="{VISA_CVC}"' not in html
    assert not Payment.objects.exists() and not CardToken.objects.exists()


def test_a_declined_card_posts_nothing(client, rep, account):
    login(client, rep)
    response = take(
        client,
        account,
        amount="10.00",
        method="card",
        card_number="4000 0000 0000 0002",
        card_expiry="12/30",
        card_cvc="123",
    )
    assert response.status_code == 402
    assert "declined" in response.content.decode()
    assert not Payment.objects.exists() and not CardToken.objects.exists()
    assert balance_of(account).balance == D("0.00")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"method": "check"}, "check_number"),
        ({"method": "card", "card_expiry": "12/30", "card_cvc": "123"}, "card_number"),
        ({"method": "card", "card_number": VISA, "card_expiry": "13/30"}, "card_expiry"),
        (
            {"method": "ach", "routing_number": "123456789", "bank_account_number": "12345678"},
            "routing_number",
        ),
        ({"method": "cash", "amount": "0"}, "amount"),
        ({"method": "cash", "amount": "abc"}, "amount"),
    ],
)
def test_bad_input_names_the_field_and_posts_nothing(client, rep, account, fields, field):
    login(client, rep)
    response = take(client, account, **{"amount": "10.00", **fields})
    assert response.status_code == 400
    assert field_errors(response, field), response.content.decode()[:3000]
    assert not Payment.objects.exists()


def test_cash_by_phone_is_refused(client, rep, account):
    login(client, rep)
    response = take(client, account, amount="10.00", method="cash", channel="phone")
    assert response.status_code == 400
    assert "counter" in field_errors(response, "channel")
    assert not Payment.objects.exists()


def test_a_damaged_key_is_refused(client, rep, account):
    login(client, rep)
    response = client.post(
        reverse("payments:take", args=[account.pk]),
        {"idempotency_key": "api:1", "amount": "5.00", "method": "cash", "channel": "counter"},
    )
    assert response.status_code == 400 and not Payment.objects.exists()


def test_ach_keeps_the_routing_number_and_masks_the_account(client, rep, account):
    login(client, rep)
    response = take(
        client,
        account,
        amount="30.00",
        method="ach",
        routing_number="011000015",
        bank_account_number="000123456789",
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.bank_account.routing_number == "011000015"
    assert payment.bank_account.last4 == "6789"
    detail = client.get(response["Location"]).content.decode()
    assert "000123456789" not in detail


def test_check_and_cash_at_the_counter(client, rep, account):
    login(client, rep)
    assert (
        take(client, account, amount="20.00", method="check", check_number="1042").status_code
        == 302
    )
    assert take(client, account, amount="5.00", method="cash", channel="counter").status_code == 302
    assert Payment.objects.get(method="check").check_number == "1042"
    assert balance_of(account).balance == D("-25.00")


def test_a_payment_allocated_by_hand_pays_the_charge_chosen(client, rep, account, invoice):
    old = invoice(account, "50.00", days_ago=60)
    new = invoice(account, "80.00", days_ago=5)
    login(client, rep)
    response = take(
        client,
        account,
        amount="80.00",
        method="check",
        check_number="77",
        **{f"alloc_{new.open_item_id}": "80.00"},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("issued", "paid")


def test_an_allocation_above_the_payment_is_refused(client, rep, account, invoice):
    bill = invoice(account, "50.00")
    login(client, rep)
    response = take(
        client,
        account,
        amount="10.00",
        method="check",
        check_number="77",
        **{f"alloc_{bill.open_item_id}": "40.00"},
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_a_dispatcher_sees_payments_but_cannot_take_one(client, account):
    login(client, make_user("dispatcher"))
    assert client.get(reverse("payments:account", args=[account.pk])).status_code == 200
    response = take(client, account, amount="10.00", method="cash", channel="counter")
    assert response.status_code == 403
    assert not Payment.objects.exists()


# --- A payment's page -------------------------------------------------------------------------


def test_the_payment_page_shows_allocations_and_ledger_entries(client, rep, account, invoice):
    bill = invoice(account, "30.00")
    payment = cash(account, "30.00", rep)
    login(client, rep)
    html = client.get(reverse("payments:payment_detail", args=[payment.pk])).content.decode()
    assert bill.number in html
    assert "Cash clearing" in html or "clearing" in html.lower()
    assert "Accounts receivable" in html or "eceivable" in html


def test_a_returned_check_reopens_the_charge_and_draws_the_fee(
    client, biller, account, invoice, settings
):
    settings.PAYMENTS_RETURNED_PAYMENT_FEE = "25.00"
    bill = invoice(account, "40.00")
    payment = services.payment_post(
        account=account,
        amount="40.00",
        method="check",
        channel="counter",
        check_number="55",
        idempotency_key=key(),
        actor=biller,
    )
    login(client, biller)
    response = client.post(
        reverse("payments:payment_reverse", args=[payment.pk]), {"reason": "nsf"}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == "returned" and bill.status == "issued"
    assert balance_of(account).balance == D("65.00")
    again = client.post(reverse("payments:payment_reverse", args=[payment.pk]), {"reason": "nsf"})
    assert again.status_code == 409
    assert balance_of(account).balance == D("65.00")
    assert ledger_verify() == []


def test_a_representative_cannot_record_a_return(client, rep, account):
    payment = cash(account, "10.00", rep)
    login(client, rep)
    response = client.post(
        reverse("payments:payment_reverse", args=[payment.pk]), {"reason": "nsf"}
    )
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == "posted"


def test_reallocate_moves_the_payment_to_another_charge(client, biller, account, invoice):
    first = invoice(account, "20.00", days_ago=60)
    second = invoice(account, "20.00", days_ago=5)
    payment = cash(account, "20.00", biller)
    first.refresh_from_db()
    assert first.status == "paid"
    login(client, biller)
    response = client.post(
        reverse("payments:payment_reallocate", args=[payment.pk]),
        {f"alloc_{second.open_item_id}": "20.00"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("issued", "paid")


def test_a_refund_within_the_limit_posts(client, rep, account):
    payment = cash(account, "30.00", rep)  # no charges: all credit
    login(client, rep)
    response = client.post(
        reverse("payments:payment_refund", args=[payment.pk]),
        {"idempotency_key": mint_key(), "amount": "30.00", "reason": "Overpaid"},
    )
    assert response.status_code == 302
    assert Refund.objects.get().status == "posted"
    assert balance_of(account).balance == D("0.00")


def test_a_refund_above_the_limit_is_refused_or_waits_for_approval(
    client, rep, supervisor, account
):
    payment = cash(account, "120.00", rep)
    url = reverse("payments:payment_refund", args=[payment.pk])
    login(client, rep)
    refused = client.post(
        url, {"idempotency_key": mint_key(), "amount": "120.00", "reason": "Overpaid"}
    )
    assert refused.status_code == 400
    assert "limit" in field_errors(refused, "amount")
    assert not Refund.objects.exists()
    waits = client.post(
        url,
        {
            "idempotency_key": mint_key(),
            "amount": "120.00",
            "reason": "Overpaid",
            "request_approval": "on",
        },
    )
    assert waits.status_code == 302
    refund = Refund.objects.get()
    assert refund.status == "pending"
    assert balance_of(account).balance == D("-120.00")
    # A representative cannot open the approvals list; the supervisor approves there.
    assert client.get(reverse("payments:approvals")).status_code == 403
    client.logout()
    login(client, supervisor)
    page = client.get(reverse("payments:approvals")).content.decode()
    assert refund.number in page
    response = client.post(reverse("payments:refund_approve", args=[refund.pk]), {"note": "ok"})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == "posted"
    assert balance_of(account).balance == D("0.00")


def test_nobody_approves_their_own_request(client, supervisor, account):
    payment = cash(account, "20.00", supervisor)
    refund = services.refund_request(
        payment=payment,
        amount="20.00",
        reason="Overpaid",
        request_approval=True,
        idempotency_key=key(),
        actor=supervisor,
    )
    # Within the supervisor's limit it posted at once; make one that waits instead.
    assert refund.status == "posted"
    rep = make_user("rep1")
    payment = cash(account, "90.00", rep)
    waiting = services.refund_request(
        payment=payment,
        amount="90.00",
        reason="Overpaid",
        request_approval=True,
        idempotency_key=key(),
        actor=rep,
    )
    other = make_user("supervisor")
    login(client, other)
    rejected = client.post(reverse("payments:refund_reject", args=[waiting.pk]), {"note": ""})
    assert rejected.status_code == 400
    assert "Why" in rejected.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == "pending"
    done = client.post(reverse("payments:refund_reject", args=[waiting.pk]), {"note": "Call"})
    assert done.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "rejected"


# --- The account's money forms ------------------------------------------------------------------


def test_an_adjustment_above_the_limit_waits_and_is_approved(
    client, biller, supervisor, account, invoice
):
    invoice(account, "900.00")
    goodwill = AdjustmentReason.objects.get(code="goodwill")
    url = reverse("payments:adjustment_add", args=[account.pk])
    login(client, biller)
    data = {
        "idempotency_key": mint_key(),
        "reason": goodwill.pk,
        "direction": "credit",
        "amount": "600.00",
        "memo": "Outage week",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400 and not Adjustment.objects.exists()
    assert client.post(url, {**data, "request_approval": "on"}).status_code == 302
    adjustment = Adjustment.objects.get()
    assert adjustment.status == "pending"
    client.logout()
    login(client, supervisor)
    approve = client.post(reverse("payments:adjustment_approve", args=[adjustment.pk]), {})
    assert approve.status_code == 302
    assert balance_of(account).balance == D("300.00")


def test_an_adjustment_without_a_memo_names_the_field(client, biller, account):
    login(client, biller)
    response = client.post(
        reverse("payments:adjustment_add", args=[account.pk]),
        {
            "idempotency_key": mint_key(),
            "reason": AdjustmentReason.objects.get(code="goodwill").pk,
            "direction": "credit",
            "amount": "5.00",
        },
    )
    assert response.status_code == 400
    assert field_errors(response, "memo")
    assert not Adjustment.objects.exists()


def test_a_transfer_moves_credit_to_another_account(client, biller, account, other_account):
    cash(account, "40.00", biller)
    login(client, biller)
    url = reverse("payments:transfer_add", args=[account.pk])
    data = {"idempotency_key": mint_key(), "amount": "40.00", "reason": "Wrong account"}
    unknown = client.post(url, {**data, "to_account": "0000000000"})
    assert unknown.status_code == 400 and field_errors(unknown, "to_account")
    assert not Transfer.objects.exists()
    response = client.post(url, {**data, "to_account": other_account.number})
    assert response.status_code == 302
    assert balance_of(account).balance == D("0.00")
    assert balance_of(other_account).balance == D("-40.00")


def test_a_deposit_is_billed_collected_and_applied(client, biller, account, invoice):
    invoice(account, "70.00")
    login(client, biller)
    assert (
        client.post(
            reverse("payments:deposit_bill", args=[account.pk]), {"amount": "100.00"}
        ).status_code
        == 302
    )
    deposit = Deposit.objects.get()
    response = client.post(
        reverse("payments:deposit_collect", args=[deposit.pk]),
        {
            "idempotency_key": mint_key(),
            "amount": "100.00",
            "method": "check",
            "channel": "counter",
            "check_number": "9",
        },
    )
    assert response.status_code == 302
    assert balance_of(account).deposits_held == D("100.00")
    assert client.post(reverse("payments:deposit_apply", args=[deposit.pk])).status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == "applied"
    assert balance_of(account).deposits_held == D("0.00")
    assert balance_of(account).balance <= D("-30.00")
    # A second apply is refused with the page again (409) and changes nothing.
    again = client.post(reverse("payments:deposit_apply", args=[deposit.pk]))
    assert again.status_code == 409
    assert ledger_verify() == []


def test_a_dispute_is_marked_and_resolved(client, rep, biller, account, invoice):
    bill = invoice(account, "80.00")
    login(client, rep)
    response = client.post(
        reverse("payments:dispute_add", args=[account.pk]),
        {"item": bill.open_item_id, "amount": "30.00", "reason": "Meter misread"},
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert OpenItem.objects.get(pk=bill.open_item_id).disputed_amount == D("30.00")
    # Resolving needs payments.adjust.
    resolve = reverse("payments:dispute_resolve", args=[dispute.pk])
    assert client.post(resolve, {"outcome": "denied", "note": "x"}).status_code == 403
    client.logout()
    login(client, biller)
    missing = client.post(resolve, {"outcome": "upheld"})
    assert missing.status_code == 400
    assert client.post(resolve, {"outcome": "upheld", "note": "Misread"}).status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "upheld"
    assert balance_of(account).balance == D("50.00")


# --- Bank files ---------------------------------------------------------------------------------


def upload(client, text: str, name="lockbox.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("payments:bank_files"),
        {"file": SimpleUploadedFile(name, text.encode(), "text/csv")},
    )


def test_a_lockbox_upload_shows_what_posted_and_what_waits(client, biller, account):
    login(client, biller)
    text = LOCKBOX_HEADER + f"{account.number},25.00,1,2026-11-20,\n,9.00,2,2026-11-20,\n"
    response = upload(client, text)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-testid="posted">1<', html)
    assert re.search(r'data-testid="exceptions">1<', html)
    item = BankFileItem.objects.get(status="exception")
    queue = client.get(reverse("payments:exceptions")).content.decode()
    assert "9.00" in queue
    wrong = client.post(
        reverse("payments:exception_match", args=[item.pk]), {"account_number": "1"}
    )
    assert wrong.status_code == 400 and "No account has that number" in wrong.content.decode()
    matched = client.post(
        reverse("payments:exception_match", args=[item.pk]), {"account_number": account.number}
    )
    assert matched.status_code == 302
    assert balance_of(account).balance == D("-34.00")


def test_a_malformed_file_posts_nothing_and_names_each_bad_line(client, biller, account):
    login(client, biller)
    text = (
        LOCKBOX_HEADER
        + f"{account.number},12.345,1001,2026-11-20,\n"
        + f"{account.number},10.00,1002,2026-11-20,\n"
        + f"{account.number},10.00,1003,20/11/2026,\n"
    )
    response = upload(client, text)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2:" in html and "Line 4:" in html and "Line 3:" not in html
    assert not Payment.objects.exists() and not BankFile.objects.exists()


def test_a_credit_nobody_claims_goes_back(client, biller):
    login(client, biller)
    upload(client, LOCKBOX_HEADER + ",9.00,2,2026-11-20,\n")
    item = BankFileItem.objects.get()
    url = reverse("payments:exception_return", args=[item.pk])
    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "Not our customer"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "returned" and not Payment.objects.exists()


def test_navigation_shows_approvals_and_bank_files_by_capability(client, rep, biller):
    login(client, rep)
    html = client.get(reverse("console:home")).content.decode()
    assert reverse("payments:bank_files") not in html
    assert reverse("payments:approvals") not in html
    client.logout()
    login(client, biller)
    html = client.get(reverse("console:home")).content.decode()
    assert reverse("payments:bank_files") in html and reverse("payments:approvals") in html


# --- Query counts of the list pages ------------------------------------------------------------


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_account_payments_page_does_not_grow_with_the_account(client, biller, account):
    login(client, biller)
    url = reverse("payments:account", args=[account.pk])
    cash(account, "5.00", biller)
    few = _count(client, url)
    for _ in range(6):
        payment = cash(account, "5.00", biller)
    services.refund_request(
        payment=payment, amount="5.00", reason="x", idempotency_key=key(), actor=biller
    )
    assert _count(client, url) == few


def test_the_exception_queue_does_not_grow_with_the_queue(client, biller):
    login(client, biller)
    upload(client, LOCKBOX_HEADER + ",9.00,2,2026-11-20,\n")
    few = _count(client, reverse("payments:exceptions"))
    upload(client, LOCKBOX_HEADER + "".join(f",{i}.00,{i},2026-11-20,\n" for i in range(3, 9)))
    assert BankFileItem.objects.count() == 7
    assert _count(client, reverse("payments:exceptions")) == few


def test_a_refund_form_posted_twice_refunds_once(client, rep, account):
    payment = cash(account, "30.00", rep)
    login(client, rep)
    data = {"idempotency_key": mint_key(), "amount": "20.00", "reason": "Overpaid"}
    url = reverse("payments:payment_refund", args=[payment.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Refund.objects.count() == 1
    assert balance_of(account).balance == D("-10.00")
