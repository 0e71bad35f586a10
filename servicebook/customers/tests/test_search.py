"""Account search: one box for number, name, any phone format, email and address, best
match first, on both databases' full-text engines."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from servicebook.core.testing.factories import make_account, make_user
from servicebook.customers.selectors import account_search
from servicebook.customers.services import (
    ContactInput,
    contact_add,
    contact_phone_add,
    contact_phone_remove,
    contact_update,
    customer_update,
)
from servicebook.users.services import user_set_active

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rep):
    """A small book of accounts that share names, streets and digits."""
    return {
        "jane": make_account(
            actor=rep,
            first_name="Jane",
            last_name="Smith",
            phone="(303) 555-0147",
            email="jane.smith@example.com",
            line1="1420 Larimer St",
            postal_code="80202",
        ),
        "john": make_account(
            actor=rep,
            first_name="John",
            last_name="Smith",
            phone="(720) 555-0199",
            email="jsmith@example.net",
            line1="77 Blake St",
            postal_code="80205",
        ),
        "janet": make_account(
            actor=rep,
            first_name="Janet",
            last_name="Smithers",
            phone="(303) 555-0148",
            email="janet@example.org",
            line1="9 Larimer Sq",
            postal_code="80204",
        ),
        "acme": make_account(
            actor=rep,
            organisation_name="Acme Heating Co",
            phone="(970) 555-0100",
            email="office@acmeheating.com",
            line1="500 Wynkoop St",
            postal_code="80302",
        ),
    }


def ids(hits):
    return [h.account_id for h in hits]


def test_the_exact_account_number_comes_first(rep, book):
    target = book["janet"]
    hits = account_search(user=rep, query=target.number)
    assert hits[0].account_id == target.pk
    assert hits[0].matched == "number"


def test_a_partial_account_number_finds_the_account(rep, book):
    target = book["acme"]
    hits = account_search(user=rep, query=target.number[:8])
    assert target.pk in ids(hits)


@pytest.mark.parametrize(
    "typed", ["(303) 555-0147", "303.555.0147", "+1 303 555 0147", "1-303-555-0147", "3035550147"]
)
def test_a_phone_typed_in_any_format_finds_the_account_first(rep, book, typed):
    hits = account_search(user=rep, query=typed)
    assert hits[0].account_id == book["jane"].pk
    assert hits[0].matched == "phone"
    assert hits[0].phone == "(303) 555-0147"
    assert book["janet"].pk not in ids(hits)  # 303-555-0148 is another number


def test_the_seven_digit_local_number_matches(rep, book):
    hits = account_search(user=rep, query="555-0147")
    assert ids(hits) == [book["jane"].pk]


def test_an_email_address_matches_exactly_whatever_its_case(rep, book):
    hits = account_search(user=rep, query="Jane.Smith@Example.com")
    assert hits[0].account_id == book["jane"].pk
    assert hits[0].matched == "email"
    assert book["john"].pk not in ids(hits)


def test_a_name_prefix_finds_the_name(rep, book):
    hits = account_search(user=rep, query="smi")
    found = ids(hits)
    assert {book["jane"].pk, book["john"].pk, book["janet"].pk} <= set(found)
    assert book["acme"].pk not in found
    assert hits[0].matched == "name"


def test_first_and_last_name_rank_the_person_above_namesakes(rep, book):
    hits = account_search(user=rep, query="jane smith")
    assert hits[0].account_id == book["jane"].pk
    assert hits[0].name == "Smith, Jane"
    found = ids(hits)
    if book["john"].pk in found:
        assert found.index(book["john"].pk) > 0
    # Word order and case do not matter.
    assert account_search(user=rep, query="SMITH Jane")[0].account_id == book["jane"].pk


def test_an_organisation_is_found_by_its_name(rep, book):
    hits = account_search(user=rep, query="acme heat")
    assert ids(hits) == [book["acme"].pk]
    assert hits[0].name == "Acme Heating Co"


def test_street_address_words_find_the_premise(rep, book):
    hits = account_search(user=rep, query="1420 larimer")
    assert ids(hits) == [book["jane"].pk]
    assert hits[0].matched == "address"
    assert hits[0].address.startswith("1420 Larimer St")
    larimer = ids(account_search(user=rep, query="larimer"))
    assert set(larimer) == {book["jane"].pk, book["janet"].pk}


def test_a_postal_code_finds_the_premise(rep, book):
    assert ids(account_search(user=rep, query="80205")) == [book["john"].pk]


def test_a_query_that_matches_nothing_finds_nothing(rep, book):
    assert account_search(user=rep, query="zzyzx") == []
    assert account_search(user=rep, query="   ") == []
    assert account_search(user=rep, query="(999) 555-0000") == []


def test_search_follows_a_customer_rename(rep, book):
    john = book["john"]
    customer_update(customer=john.customer, last_name="Smythe", actor=rep)
    hits = account_search(user=rep, query="smythe")
    assert ids(hits) == [john.pk]
    assert hits[0].name == "Smythe, John"
    # The contact still carries the old name until it is renamed as well.
    assert john.pk in ids(account_search(user=rep, query="john smith"))
    contact_update(contact=john.contacts.get(), name="John Smythe", actor=rep)
    assert john.pk not in ids(account_search(user=rep, query="john smith"))
    assert ids(account_search(user=rep, query="john smythe")) == [john.pk]


def test_search_follows_phones_added_and_removed(rep, book):
    contact = book["acme"].contacts.get()
    phone = contact_phone_add(contact=contact, number="970.555.0111", actor=rep)
    assert account_search(user=rep, query="(970) 555-0111")[0].account_id == book["acme"].pk
    assert ids(account_search(user=rep, query="555-0111")) == [book["acme"].pk]

    contact_phone_remove(phone=phone, actor=rep)
    assert account_search(user=rep, query="(970) 555-0111") == []
    assert account_search(user=rep, query="555-0111") == []


def test_search_follows_a_new_contact(rep, book):
    contact_add(
        account=book["acme"],
        data=ContactInput(name="Dana Whitfield", emails=["dana@acmeheating.com"]),
        actor=rep,
    )
    assert ids(account_search(user=rep, query="whitfield")) == [book["acme"].pk]
    assert account_search(user=rep, query="dana@acmeheating.com")[0].account_id == book["acme"].pk


def test_a_user_without_accounts_view_finds_nothing(rep, book):
    assert account_search(user=AnonymousUser(), query="smith") == []
    admin = make_user("admin")
    former = make_user("rep2")
    user_set_active(user=former, active=False, actor=admin)
    assert account_search(user=former, query="smith") == []
    assert account_search(user=former, query=book["jane"].number) == []


ODD_INPUT = [
    "o'brien", "smith & jones", "a:b|c", "!!!", "_", "__init__", "(", '"', "*", "NOT",
    "AND OR", "ü", "smith)", "1420-", "x" * 300, "ñandú", "漢字", "--", "@", "a@b", "\\",
]  # fmt: skip


def test_odd_input_never_breaks_either_full_text_engine(rep, book):
    # Quotes, operators and punctuation must reach FTS5 and to_tsquery as plain words.
    for query in ODD_INPUT:
        assert isinstance(account_search(user=rep, query=query), list), query
    assert account_search(user=rep, query="o'brien smith") == []
