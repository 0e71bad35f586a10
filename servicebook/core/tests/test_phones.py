"""Phone numbers typed in any format are stored in E.164; search knows a phone when it
sees one."""

from __future__ import annotations

import pytest

from servicebook.core.phones import format_phone, normalize_phone, phone_query_candidates


@pytest.mark.parametrize(
    "typed",
    ["(303) 555-0147", "303.555.0147", "+1 303 555 0147", "1-303-555-0147", "3035550147"],
)
def test_a_us_number_in_any_common_format_normalises_to_e164(typed):
    assert normalize_phone(typed) == "+13035550147"


def test_a_uk_number_normalises_with_its_region():
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("call me maybe", "“call me maybe” is not a phone number."),
        ("12345", "“12345” has the wrong number of digits for a phone number."),
        ("+1 303 555 014", "wrong number of digits"),
        ("303 555 01470", "wrong number of digits"),
        ("", "Enter a phone number."),
        ("   ", "Enter a phone number."),
    ],
)
def test_garbage_is_refused_with_a_message_naming_it(typed, message):
    with pytest.raises(ValueError) as exc:
        normalize_phone(typed)
    assert message in str(exc.value)


def test_a_seven_digit_local_number_without_area_code_is_refused():
    # "+15550147" would be stored and nobody could ever dial it.
    with pytest.raises(ValueError, match="area code"):
        normalize_phone("555-0147")


def test_format_phone_is_national_at_home_and_international_abroad():
    assert format_phone("+13035550147") == "(303) 555-0147"
    assert format_phone("+442079460958") == "+44 20 7946 0958"
    assert format_phone("not a number") == "not a number"


@pytest.mark.parametrize(
    "query", ["(303) 555-0147", "303.555.0147", "1 303 555 0147", "+13035550147", "303-555-0147"]
)
def test_a_full_phone_in_any_format_is_one_search_candidate(query):
    assert phone_query_candidates(query) == ["+13035550147"]


@pytest.mark.parametrize(
    "query",
    [
        "555-0147",  # local number: the text search matches it
        "303555",
        "0147",
        "Smith",
        "jane smith 3035550147",
        "1420 Larimer St",
        "",
        "1234567890123456",  # longer than any phone number
    ],
)
def test_partial_numbers_and_text_are_no_phone_candidates(query):
    assert phone_query_candidates(query) == []
