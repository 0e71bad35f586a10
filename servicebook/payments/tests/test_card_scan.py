"""The end-of-suite card-data scan can fail: the rule finds card numbers and security codes
and leaves phones, account and routing numbers and bank-file lines alone; the database scan
names the table, column and row of a planted number; the session watch catches a number
written to the database or logged (servicebook/core/testing/cardscan.py)."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from servicebook.core.sequences import luhn_check_digit
from servicebook.core.testing.cardscan import WATCH, find_card_data, scan_database

from .conftest import VISA, VISA_CVC

CARDS = [
    VISA,
    "4242424242424242",
    "5555-5555-5555-4444",
    "3782 822463 10005",  # American Express, 4-6-5
    "6011111111111117",
    "4222222222222",  # 13 digits
    "6011 0009 9013 9424",
    "4242 4242 4242 4242 ",
    "Ref 12 4242 4242 4242 4242",
]
NOT_CARDS = [
    "4242 4242 4242 4241",  # fails Luhn
    "+13035550147",  # E.164
    "+441234567890123",  # a long E.164 number (15 digits) whatever its check digit
    "(303) 555-0147",
    "+13035550147 3035550147 5550147",  # the search document's phone column
    "303 555 0147 720 555 0100",
    "303-555-0147 720-555-0100",
    "011000015",  # routing number
    "Transfer to 0001234567",  # account number shaped
    "16,115,1250000,0,4242424242,,/",  # a BAI2 detail: fields separated by commas
    "2026-11-23 03:11:05.123456",
    "tok_4242424242424242abc",  # glued to a word
    "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Amount 1234.56, check 1001",
]


@pytest.mark.parametrize("text", CARDS)
def test_card_numbers_are_found(text):
    assert find_card_data(text) != []


@pytest.mark.parametrize("text", NOT_CARDS)
def test_what_is_not_a_card_number_is_left_alone(text):
    assert find_card_data(text) == []


def test_account_numbers_with_a_luhn_digit_are_not_cards():
    # Nine digits from the sequence plus a Luhn check digit: 10 digits, never 13-19.
    body = "123456789"
    number = body + luhn_check_digit(body)
    assert find_card_data(f"Account {number}") == []


@pytest.mark.parametrize(
    "text",
    [f'{{"cvc": "{VISA_CVC}"}}', "cvv=123", "card_cvc: '1234'", "Security code: 737"],
)
def test_labelled_security_codes_are_found(text):
    assert [f for f in find_card_data(text) if f.startswith("a labelled security code")]


def test_findings_never_repeat_the_number():
    (finding,) = find_card_data(f"paid with {VISA}")
    assert "4242 4242" not in finding and "42424242" not in finding
    assert finding == "card-number-shaped digits (16 digits, ending 4242)"


@pytest.mark.django_db
def test_the_database_scan_names_table_column_and_row():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE cardscan_probe (id integer PRIMARY KEY, note varchar(200), "
            "card_cvc varchar(4), amount integer)"
        )
        cursor.execute(
            "INSERT INTO cardscan_probe (id, note, card_cvc, amount) VALUES "
            "(1, 'phone +13035550147', '', 4), (7, %s, NULL, 5), (9, 'nothing', %s, 6)",
            [f"Card {VISA} exp 12/30", VISA_CVC],
        )
    findings = [str(f) for f in scan_database() if "cardscan_probe" in f.where]
    assert findings == [
        "table cardscan_probe, column note, row id=7: card-number-shaped digits "
        "(16 digits, ending 4242)",
        "table cardscan_probe, column card_cvc, row id=9: a value in a security-code column",
    ]
    # The planted numbers went through Django's cursor: the session watch saw the write.
    seen = [f for f in WATCH.findings if "cardscan_probe" in f.where]
    assert [f.what for f in seen] == ["card-number-shaped digits (16 digits, ending 4242)"]
    _forget("cardscan_probe")


def test_the_session_watch_catches_a_logged_card_number():
    logging.getLogger("servicebook.payments.cardscan_probe").warning("charging %s", VISA)
    seen = [f for f in WATCH.findings if "cardscan_probe" in f.where]
    assert [f.what for f in seen] == ["card-number-shaped digits (16 digits, ending 4242)"]
    _forget("cardscan_probe")


def _forget(marker: str) -> None:
    """These tests plant card data on purpose: take their findings back so the real
    end-of-suite check judges only the rest of the suite."""
    WATCH.findings[:] = [f for f in WATCH.findings if marker not in f.where]
