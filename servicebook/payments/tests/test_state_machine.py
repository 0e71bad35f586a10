"""A property-based state machine over the money moves (issue 3, reliability tests).

Hypothesis drives random sequences of: issuing invoices (billing's services), posting
payments (cash, check, card through the test gateway's token, ACH debit), returning them
(with or without the fee), refunding, transferring credit (loose, or a whole payment posted
to the wrong account), adjusting (credit and debit, within the supervisor's limit),
reallocating a payment by hand and applying open credit — over two accounts. After every
step it checks:

* every ledger invariant (`ledger_verify()`: entries balance, cached balances equal their
  lines, allocations within amounts, reversals, payments' and billing's own checks);
* what the machine itself expects of each account's balance, counted from the moves it
  made (invoices issued + debits + returned payments and their fees + refunds + credit
  moved out, minus payments, credits and credit moved in), never read back from the
  system;
* the open items agree with the books: receivable = open charges, unapplied credit = open
  credits, and every invoice's status says what its open item says (issued, partially
  paid, paid).

A refused move (ServiceError) must change nothing. Each example runs in its own savepoint
inside pytest-django's test transaction and is rolled back at its end (the machine's
teardown), so examples do not see each other's rows. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from servicebook.billing.choices import InvoiceStatus
from servicebook.billing.models import Invoice
from servicebook.core.errors import ServiceError
from servicebook.core.testing.factories import (
    make_account,
    make_catalog_item,
    make_invoice,
    make_tax_code,
    make_user,
)
from servicebook.ledger.models import AccountBalance, JournalLine, LedgerRole, OpenItem
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.choices import FEE_REASONS, ReturnReason
from servicebook.payments.models import AdjustmentReason, Payment
from servicebook.payments.services import (
    adjustment_post,
    bank_account_add,
    card_tokenize,
    credits_apply,
    payment_post,
    payment_reallocate,
    payment_reverse,
    refund_request,
    transfer_post,
)

from .conftest import VISA, VISA_CVC, key

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")
CENT = D("0.01")


# Amounts in cents, kept small enough that adjustments stay within the supervisor's limit
# (5,000.00 in conftest.LIMITS) and refunds within 10,000.00.
def cents_to_money(c: int) -> Decimal:
    return D(c) / 100


amounts = st.integers(min_value=1, max_value=400_00).map(cents_to_money)
fractions = st.integers(min_value=1, max_value=100).map(lambda p: D(p) / 100)
which = st.integers(min_value=0, max_value=1)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _sum(queryset, field: str = "amount") -> Decimal:
    return money(D(queryset.aggregate(t=Sum(field))["t"] or 0))


class MoneyMachine(RuleBasedStateMachine):
    """Two accounts, one supervisor (every payments capability, high limits), and the
    machine's own count of what each account should owe."""

    payments = Bundle("payments")

    def __init__(self) -> None:
        super().__init__()
        # Each example in its own savepoint, rolled back in teardown().
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.actor = make_user("supervisor")
        self.accounts = [
            make_account(actor=self.actor, first_name="Ana", phone="(303) 555-0147"),
            make_account(actor=self.actor, first_name="Ben", phone="(720) 555-0100"),
        ]
        self.expected = {a.pk: ZERO for a in self.accounts}
        self.item = make_catalog_item(
            f"svc-{self.accounts[0].pk}", price="1.00", tax_code=make_tax_code("exempt", "0")
        )
        year = dt.date.today().year + 3
        self.cards = {
            a.pk: card_tokenize(
                account=a, number=VISA, exp_month=12, exp_year=year, cvc=VISA_CVC,
                actor=self.actor,
            )
            for a in self.accounts
        }  # fmt: skip
        self.banks = {
            a.pk: bank_account_add(
                account=a, routing_number="011000015", account_number="000123456789",
                actor=self.actor,
            )
            for a in self.accounts
        }  # fmt: skip
        self.reason = AdjustmentReason.objects.get(code="billing_error")

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers -------------------------------------------------------------------------

    def _snapshot(self) -> tuple:
        return (
            tuple(AccountBalance.objects.order_by("pk").values_list("pk", "balance")),
            JournalLine.objects.count(),
            OpenItem.objects.count(),
            _sum(OpenItem.objects.all(), "open_amount"),
        )

    def _attempt(self, name: str, action) -> bool:
        """Run a move; a refusal must leave everything as it was."""
        before = self._snapshot()
        try:
            action()
        except ServiceError as exc:
            event(f"{name}: refused ({type(exc).__name__})")
            assert self._snapshot() == before, f"a refused {name} changed something"
            return False
        event(f"{name}: done")
        return True

    def _open_credit(self, account) -> Decimal:
        return _sum(OpenItem.objects.filter(account=account, kind="credit"), "open_amount")

    # --- rules ---------------------------------------------------------------------------

    @rule(a=which, amount=amounts, days_ago=st.integers(min_value=0, max_value=120))
    def issue_invoice(self, a, amount, days_ago):
        account = self.accounts[a]
        make_invoice(
            account=account,
            lines=[(self.item, 1, amount)],
            issued_on=dt.date.today() - dt.timedelta(days=days_ago),
            actor=self.actor,
        )
        self.expected[account.pk] += amount

    @rule(
        target=payments,
        a=which,
        amount=amounts,
        method=st.sampled_from(["cash", "check", "card", "ach"]),
    )
    def post_payment(self, a, amount, method):
        account = self.accounts[a]
        payment = payment_post(
            account=account,
            amount=amount,
            method=method,
            channel="counter" if method == "cash" else "phone",
            card=self.cards[account.pk] if method == "card" else None,
            bank_account=self.banks[account.pk] if method == "ach" else None,
            check_number="1001" if method == "check" else "",
            idempotency_key=key("sm"),
            actor=self.actor,
        )
        self.expected[account.pk] -= amount
        return payment.pk

    @rule(
        pk=payments,
        reason=st.sampled_from(ReturnReason.values),
        fee=st.one_of(st.none(), st.integers(min_value=0, max_value=40_00).map(cents_to_money)),
    )
    def reverse_payment(self, pk, reason, fee):
        payment = Payment.objects.get(pk=pk)
        charge = fee
        if charge is None:
            charge = (
                money(D(django_settings.PAYMENTS_RETURNED_PAYMENT_FEE))
                if reason in FEE_REASONS
                else ZERO
            )
        done = self._attempt(
            "reverse",
            lambda: payment_reverse(payment=payment, reason=reason, fee=fee, actor=self.actor),
        )
        if done:
            self.expected[payment.account_id] += payment.amount + charge

    @rule(pk=payments, fraction=fractions)
    def refund(self, pk, fraction):
        payment = Payment.objects.get(pk=pk)
        room = min(payment.amount - payment.refunded_amount, self._open_credit(payment.account))
        value = money(room * fraction)
        if value <= 0:
            event("refund: nothing to refund")
            return
        done = self._attempt(
            "refund",
            lambda: refund_request(
                payment=payment,
                amount=value,
                reason="Customer asked",
                idempotency_key=key("sm"),
                actor=self.actor,
            ),
        )
        if done:
            self.expected[payment.account_id] += value

    @rule(a=which, fraction=fractions)
    def transfer_credit(self, a, fraction):
        source, target = self.accounts[a], self.accounts[1 - a]
        value = money(self._open_credit(source) * fraction)
        if value <= 0:
            event("transfer: no credit")
            return
        done = self._attempt(
            "transfer",
            lambda: transfer_post(
                from_account=source,
                to_account=target,
                amount=value,
                reason="Paid on the wrong account",
                idempotency_key=key("sm"),
                actor=self.actor,
            ),
        )
        if done:
            self.expected[source.pk] += value
            self.expected[target.pk] -= value

    @rule(pk=payments, fraction=fractions)
    def transfer_payment(self, pk, fraction):
        payment = Payment.objects.get(pk=pk)
        source = payment.account
        target = next(a for a in self.accounts if a.pk != source.pk)
        value = money((payment.amount - payment.refunded_amount) * fraction)
        if value <= 0:
            event("transfer payment: nothing left")
            return
        done = self._attempt(
            "transfer payment",
            lambda: transfer_post(
                from_account=source,
                to_account=target,
                amount=value,
                payment=payment,
                reason="Posted to the wrong account",
                idempotency_key=key("sm"),
                actor=self.actor,
            ),
        )
        if done:
            self.expected[source.pk] += value
            self.expected[target.pk] -= value

    @rule(a=which, amount=amounts, direction=st.sampled_from(["credit", "debit"]))
    def adjust(self, a, amount, direction):
        account = self.accounts[a]
        done = self._attempt(
            "adjust",
            lambda: adjustment_post(
                account=account,
                amount=amount,
                direction=direction,
                reason=self.reason,
                memo="State machine",
                idempotency_key=key("sm"),
                actor=self.actor,
            ),
        )
        if done:
            self.expected[account.pk] += amount if direction == "debit" else -amount

    @rule(pk=payments, picks=st.lists(fractions, min_size=0, max_size=3))
    def reallocate(self, pk, picks):
        payment = Payment.objects.get(pk=pk)
        debits = list(
            OpenItem.objects.filter(
                account_id=payment.account_id, kind="debit", document_type="invoice"
            ).order_by("pk")
        )
        plan = []
        budget = payment.amount
        for i, fraction in enumerate(picks):
            if not debits:
                break
            item = debits[(i * 7 + int(fraction * 100)) % len(debits)]
            if any(p[0] == item.pk for p in plan):
                continue
            value = money(min(item.amount, budget) * fraction)
            if value > 0:
                plan.append((item.pk, value))
                budget -= value
        self._attempt(
            "reallocate",
            lambda: payment_reallocate(payment=payment, allocations=plan, actor=self.actor),
        )

    @rule(a=which)
    def apply_credit(self, a):
        account = self.accounts[a]
        self._attempt("apply credit", lambda: credits_apply(account=account, actor=self.actor))

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def ledger_verifies(self):
        violations = ledger_verify()
        assert violations == [], "\n".join(str(v) for v in violations)

    @invariant()
    def balances_are_what_the_moves_say(self):
        for account in self.accounts:
            row = AccountBalance.objects.filter(account=account).first()
            balance = row.balance if row else ZERO
            assert money(balance) == money(self.expected[account.pk]), (
                f"account {account.number}: balance {balance}, expected {self.expected[account.pk]}"
            )

    @invariant()
    def open_items_agree_with_the_books(self):
        for account in self.accounts:
            lines = JournalLine.objects.filter(account=account)
            receivable = _sum(lines.filter(ledger_account__role=LedgerRole.RECEIVABLE))
            unapplied = _sum(lines.filter(ledger_account__role=LedgerRole.UNAPPLIED_CREDIT))
            items = OpenItem.objects.filter(account=account)
            open_debits = _sum(items.filter(kind="debit"), "open_amount")
            open_credits = _sum(items.filter(kind="credit"), "open_amount")
            assert receivable == open_debits, (
                f"account {account.number}: receivable {receivable}, open charges {open_debits}"
            )
            assert unapplied == -open_credits, (
                f"account {account.number}: unapplied credit {unapplied}, "
                f"open credits {open_credits}"
            )

    @invariant()
    def invoices_show_what_they_owe(self):
        for invoice in Invoice.objects.filter(account__in=self.accounts).select_related(
            "open_item"
        ):
            item = invoice.open_item
            if item.open_amount == 0:
                wanted = InvoiceStatus.PAID
            elif item.open_amount < item.amount:
                wanted = InvoiceStatus.PARTIALLY_PAID
            else:
                wanted = InvoiceStatus.ISSUED
            assert invoice.status == wanted, (
                f"invoice {invoice.number}: {invoice.status}, open {item.open_amount} of "
                f"{item.amount}"
            )


def test_money_moves_keep_every_invariant(limits):
    """post / reverse / refund / transfer / adjust / reallocate / apply credit, with
    invoices to pay, keep the ledger consistent after every step."""
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            # The suite's budget (~a minute of CPU on SQLite); a deeper search:
            # SB_STATE_MACHINE_EXAMPLES=500 SB_STATE_MACHINE_STEPS=50 pytest <this file>
            max_examples=int(os.environ.get("SB_STATE_MACHINE_EXAMPLES", 25)),
            stateful_step_count=int(os.environ.get("SB_STATE_MACHINE_STEPS", 20)),
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
