"""Reads of customers and accounts, always starting from what the user may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from servicebook.core.permissions import has_capability
from servicebook.core.phones import digits_only, format_phone, phone_query_candidates
from servicebook.core.sequences import luhn_valid
from servicebook.users.roles import Cap

from .choices import AccountStatus, LineOfBusiness
from .models import (
    Account,
    AccountAlert,
    AccountSearch,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Note,
    ProgramEnrollment,
)


def accounts_visible_to(user) -> QuerySet[Account]:
    """The accounts this user may see. Staff roles see the book; anyone else sees nothing
    (portal users arrive with their own rule later)."""
    if has_capability(user, Cap.ACCOUNTS_VIEW):
        return Account.objects.all()
    return Account.objects.none()


def customers_visible_to(user) -> QuerySet[Customer]:
    if has_capability(user, Cap.ACCOUNTS_VIEW):
        return Customer.objects.all()
    return Customer.objects.none()


def account_get(*, user, pk: int) -> Account:
    """One account for the account page, with everything it shows loaded in a fixed number
    of queries, or 404 when the user may not see it."""
    queryset = (
        accounts_visible_to(user)
        .select_related("customer")
        .prefetch_related(
            "locations",
            "agreements__location",
            "equipment__location",
            Prefetch(
                "contacts",
                queryset=Contact.objects.prefetch_related("phones", "emails"),
            ),
            Prefetch(
                "enrollments",
                queryset=ProgramEnrollment.objects.filter(ended_on__isnull=True).select_related(
                    "program"
                ),
                to_attr="open_enrollments",
            ),
            Prefetch(
                "alerts",
                queryset=AccountAlert.objects.filter(active=True),
                to_attr="active_alerts",
            ),
        )
    )
    return get_object_or_404(queryset, pk=pk)


def account_notes(*, account: Account, limit: int = 50) -> list[Note]:
    return list(account.notes.select_related("author").order_by("-occurred_at", "-id")[:limit])


# --- Search -------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)
_PHONEISH = re.compile(r"^[\d\s().+\-/]+$")
CANDIDATES = 200


@dataclass
class SearchHit:
    """One account in the search results, with what matched."""

    account_id: int
    number: str
    name: str
    status: str
    status_label: str
    line_of_business: str
    address: str
    phone: str
    matched: str
    score: int


def search_tokens(query: str) -> list[str]:
    """The words of a query. A query of digits and punctuation only is one number, so
    "(303) 555-0147" searches for 3035550147."""
    text = (query or "").strip().lower()
    if not text:
        return []
    if _PHONEISH.match(text):
        digits = digits_only(text)
        return [digits] if digits else []
    return _TOKEN.findall(text)[:8]


# The columns a representative most often means (the account number, names, phones):
# PostgreSQL weight A in the search vector, the first three columns of the FTS5 table.
_FTS_PRIMARY_COLUMNS = "{number names phones}"
# Tier 3 on PostgreSQL looks for the last word's prefix among at most this many accounts
# holding all the other words (see _fts_ids).
_REST_SCAN = 10_000


def _tier_queries(words: list[str]) -> list[tuple[bool, list[str], str]]:
    """The full-text tiers, most precise first: (primary columns only, complete words,
    last word as a prefix or "").

    Results as you type treat the last word as a prefix and the words before it as typed
    in full ("maria gar" finds Maria Garcia; "mar gar" does not). That keeps every tier
    an index lookup of whole words plus at most one prefix: prefixes of every word made
    PostgreSQL collect half the table for "W" and "Ave" in "1898 W 12th Ave". The prefix
    tier of a query of several words runs only when its complete words found nothing.
    """
    *rest, last = words
    if not rest:
        return [(True, [], last), (False, [], last)]
    return [(True, words, ""), (False, words, ""), (False, rest, last)]


def _prefix_tier(whole: list[str], prefix: str) -> bool:
    return bool(whole and prefix)


def _pg_words(cursor, text: str, tokens: list[str]) -> list[str]:
    """The query's words as PostgreSQL's parser splits them, in order, so that they match
    the index: an email address or a host name stays one word there."""
    if _PHONEISH.match(text):
        return tokens
    cursor.execute(
        "SELECT lexeme FROM unnest(to_tsvector('simple', %s)) ORDER BY positions[1]",
        [text[:200]],
    )
    return [row[0] for row in cursor.fetchall()][:8]


def _tsquery(words: list[str], prefix: str = "") -> str:
    """A tsquery literal (no second normalisation): 'w1' & 'w2' & 'p':*."""

    def quoted(word: str) -> str:
        return "'{}'".format(word.replace("\\", "\\\\").replace("'", "''"))

    terms = [quoted(w) for w in words]
    if prefix:
        terms.append(f"{quoted(prefix)}:*")
    return " & ".join(terms)


def _fts_ids(tokens: list[str], limit: int, text: str = "") -> list[int]:
    """Up to `limit` accounts whose search document holds the query's words, the last one
    possibly as a prefix.

    Tiers (_tier_queries), each a LIMIT without ORDER BY so that the engine stops at
    `limit` rows instead of ranking every match (a two-letter prefix matches tens of
    thousands of accounts; ranking them all made results-as-you-type take 70-300 ms):
    the number, names and phones first, then anywhere (emails and addresses too), until
    `limit` candidates are found. _score orders them afterwards with the same priorities.
    """
    if not tokens:
        return []
    ids: list[int] = []
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        words = _pg_words(cursor, text or " ".join(tokens), tokens) if postgres else tokens
        if not words:
            return []
        for primary, whole, prefix in _tier_queries(words):
            if _prefix_tier(whole, prefix) and ids:
                break  # the words as typed in full already found accounts
            if postgres:
                # primary_vector: number, names and phones (migration 0004).
                vector = "primary_vector" if primary else "search_vector"
                if whole and prefix:
                    # The complete words narrow the rows through the index; the prefix is
                    # checked on those rows only (an index lookup of a short prefix such
                    # as "a" would collect most of the table first).
                    cursor.execute(
                        "SELECT account_id FROM ("
                        " SELECT account_id, search_vector FROM customers_accountsearch"
                        " WHERE search_vector @@ %s::tsquery LIMIT %s"
                        ") AS c WHERE search_vector @@ %s::tsquery LIMIT %s",
                        [_tsquery(whole), _REST_SCAN, _tsquery([], prefix), limit],
                    )
                else:
                    cursor.execute(
                        f"SELECT account_id FROM customers_accountsearch "  # noqa: S608
                        f"WHERE {vector} @@ %s::tsquery LIMIT %s",
                        [_tsquery(whole, prefix), limit],
                    )
            else:
                terms = ['"{}"'.format(w.replace('"', '""')) for w in whole]
                if prefix:
                    terms.append('"{}"*'.format(prefix.replace('"', '""')))
                match = " ".join(terms)
                if primary:
                    match = f"{_FTS_PRIMARY_COLUMNS} : ({match})"
                cursor.execute(
                    "SELECT rowid FROM customers_accountsearch_fts "
                    "WHERE customers_accountsearch_fts MATCH %s LIMIT %s",
                    [match, limit],
                )
            ids = list(dict.fromkeys([*ids, *(row[0] for row in cursor.fetchall())]))
            if len(ids) >= limit:
                break
    return ids[:limit]


class _SearchRow(NamedTuple):
    """A candidate's search document and what the result line shows."""

    account_id: int
    number: str
    names: str
    phones: str
    emails: str
    addresses: str
    status: str
    line_of_business: str
    display_name: str


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _score(row: _SearchRow, tokens: list[str], exact: dict[int, str]) -> tuple[int, str]:
    """Rank a candidate: exact number, phone or email first, then names, then addresses."""
    if row.account_id in exact:
        kind = exact[row.account_id]
        return {"number": 1000, "phone": 900, "email": 800}[kind], kind
    columns = {
        "number": ([row.number], 70),
        "phone": (row.phones.split(), 60),
        "name": (_words(row.names), 50),
        "email": (_words(row.emails), 40),
        "address": (_words(row.addresses), 10),
    }
    score, best, best_points = 0, "name", -1
    for token in tokens:
        token_points, token_kind = 0, ""
        for kind, (words, weight) in columns.items():
            if token in words:
                points = weight + 10
            elif any(w.startswith(token) for w in words):
                points = weight
            else:
                continue
            if points > token_points:
                token_points, token_kind = points, kind
        score += token_points
        if token_points > best_points:
            best, best_points = token_kind or best, token_points
    return score, best


def account_search(*, user, query: str, limit: int = 20) -> list[SearchHit]:
    """Find accounts by number, name, phone typed in any format, email, street address or
    partial words, best match first."""
    if not has_capability(user, Cap.ACCOUNTS_VIEW):
        return []
    text = (query or "").strip()[:200]
    tokens = search_tokens(text)
    if not tokens:
        return []
    exact: dict[int, str] = {}
    digits = digits_only(text)
    if _PHONEISH.match(text) and len(digits) == 10 and luhn_valid(digits):
        for pk in Account.objects.filter(number=digits).values_list("pk", flat=True):
            exact[pk] = "number"
    candidates = phone_query_candidates(text)
    if candidates:
        for pk in ContactPhone.objects.filter(e164__in=candidates).values_list(
            "account_id", flat=True
        )[:CANDIDATES]:
            exact.setdefault(pk, "phone")
    if "@" in text:
        for pk in ContactEmail.objects.filter(email=text.lower()).values_list(
            "account_id", flat=True
        )[:CANDIDATES]:
            exact.setdefault(pk, "email")
    ids = list(dict.fromkeys([*exact, *_fts_ids(tokens, CANDIDATES, text)]))
    if not ids:
        return []
    # The user's scope, narrowed to the candidates first: `account IN (visible accounts)`
    # alone would make the database list every visible account (a million) per keystroke.
    visible = accounts_visible_to(user).filter(pk__in=ids)
    rows = AccountSearch.objects.filter(account__in=visible).values_list(
        "account_id",
        "number",
        "names",
        "phones",
        "emails",
        "addresses",
        "account__status",
        "account__line_of_business",
        "account__customer__display_name",
    )
    scored = []
    for values in rows:
        # Plain tuples: building three model instances per candidate cost more than the
        # full-text query itself.
        row = _SearchRow(*values)
        score, matched = _score(row, tokens, exact)
        if score > 0:
            scored.append((-score, row.display_name, row.number, row, matched))
    scored.sort(key=lambda s: s[:3])
    hits = []
    # Only the hits shown are dressed up (formatting a phone number costs a parse).
    for minus_score, name, number, row, matched in scored[:limit]:
        phones = row.phones.split()
        hits.append(
            SearchHit(
                account_id=row.account_id,
                number=number,
                name=name,
                status=row.status,
                status_label=_label(AccountStatus, row.status),
                line_of_business=_label(LineOfBusiness, row.line_of_business),
                address=row.addresses.split(" ; ")[0] if row.addresses else "",
                phone=format_phone(f"+{phones[0]}") if phones else "",
                matched=matched,
                score=-minus_score,
            )
        )
    return hits
