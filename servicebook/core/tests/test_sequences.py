"""Named counters and the Luhn check digit of human-facing numbers."""

from __future__ import annotations

import pytest

from servicebook.core.models import Sequence
from servicebook.core.sequences import luhn_check_digit, luhn_valid, sequence_reserve


@pytest.mark.django_db
def test_reserve_hands_out_consecutive_blocks_that_never_overlap():
    first_block = sequence_reserve("invoice", 5)
    second = sequence_reserve("invoice")
    third_block = sequence_reserve("invoice", 3)

    assert first_block == 1  # values 1..5
    assert second == 6
    assert third_block == 7  # values 7..9
    assert Sequence.objects.get(name="invoice").value == 9


@pytest.mark.django_db
def test_each_named_sequence_counts_on_its_own():
    sequence_reserve("alpha", 10)
    assert sequence_reserve("beta") == 1
    assert sequence_reserve("alpha") == 11


@pytest.mark.django_db
def test_a_block_of_fewer_than_one_value_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        sequence_reserve("invoice", 0)
    assert not Sequence.objects.filter(name="invoice").exists()


def test_luhn_check_digit_matches_the_published_example():
    # The textbook example: 7992739871 takes check digit 3.
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_check_digit("100000001") == "6"
    assert luhn_check_digit("0") == "0"


def test_luhn_valid_accepts_only_the_right_check_digit():
    assert luhn_valid("79927398713")
    for wrong in "012456789":
        assert not luhn_valid("7992739871" + wrong)


def test_luhn_catches_any_single_mistyped_digit():
    number = "1000000016"
    assert luhn_valid(number)
    for position in range(len(number)):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            assert not luhn_valid(typo), typo


def test_luhn_catches_swapped_neighbours():
    assert luhn_valid("79927398713")
    assert not luhn_valid("97927398713")


@pytest.mark.parametrize("text", ["", "7", "79927a98713", " 79927398713", "7992-7398713"])
def test_luhn_valid_refuses_what_is_not_a_number(text):
    assert not luhn_valid(text)
