"""Prices of catalog items for an account on a date: `prices_for`, the one selector quotes
and sales orders call.

The rule (docs/inventory.md): the most specific price list wins — the price list of a
service contract of the account in force on the date, over a list for the account, over a
list for the account's customer class, over the catalog price.
Within a level, the highest priority wins, then the latest valid-from (then the newest
list). Within the winning list, the best quantity break is the line with the largest
minimum quantity not above the quantity ordered; a list with no break low enough for the
quantity does not apply, and the next one is tried. A line gives a unit price, or a percent
off the catalog price (rounded half-up to the cent).

It prices a whole quote in three queries whatever its length: the catalog items, the lists
in force for the account and its class (and its contracts' lists, a subquery of the same
query), and their lines for those items.

Service contracts live in an app above this one (contracts depends on inventory), so the
contracts app registers which lists its contracts name (`register_contract_price_lists`)
and this module never imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value

from servicebook.billing.models import CatalogItem
from servicebook.core.errors import ValidationFailed
from servicebook.core.money import to_money
from servicebook.customers.models import Account

from .choices import PriceSource
from .models import PriceList, PriceListLine

HUNDRED = Decimal("100")
LEVEL = {PriceSource.CONTRACT: 3, PriceSource.ACCOUNT: 2, PriceSource.CUSTOMER_CLASS: 1}
LEVEL_WORDS = {
    PriceSource.ACCOUNT: "account",
    PriceSource.CUSTOMER_CLASS: "customer-class",
}

# (account_id, on) -> a queryset of the account's contracts in force on `on` that name a
# price list, with the fields `price_list_id` and `number`. Set by the contracts app's
# ready(); None (no contracts app) prices without contract lists.
ContractLists = Callable[..., QuerySet]
_contract_lists: ContractLists | None = None


def register_contract_price_lists(provider: ContractLists | None) -> None:
    """Let prices_for read the price lists of an account's service contracts:
    `provider(account_id=, on=)` returns the contracts in force on that date that name a
    list (a lazy queryset: prices_for folds it into its own query as a subquery, so a
    quote still costs three queries). Registering again replaces the provider."""
    global _contract_lists
    _contract_lists = provider


@dataclass(frozen=True)
class PriceQuote:
    """The price of one item at one quantity, and where it came from."""

    catalog_item_id: int
    quantity: Decimal
    unit_price: Decimal
    catalog_price: Decimal
    source: str  # PriceSource
    price_list_id: int | None
    price_list_name: str
    explanation: str

    @property
    def amount(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)


def _quantity(value) -> Decimal:
    try:
        qty = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed({"quantity": [f"Not a quantity: {value!r}."]}) from exc
    if not qty.is_finite() or qty <= 0:
        raise ValidationFailed({"quantity": ["Enter a quantity above zero."]})
    return qty


def prices_for(
    *,
    account: Account,
    items_with_qty: Iterable[tuple[int | CatalogItem, Decimal | int | str]],
    on: dt.date,
) -> dict[int, PriceQuote]:
    """{catalog item id: PriceQuote} for each (item or item id, quantity) of a quote or
    order, priced for `account` on the date `on`. An item listed twice is priced at the sum
    of its quantities. Unknown items raise ValidationFailed naming them."""
    wanted: dict[int, Decimal] = {}
    for item, qty in items_with_qty:
        item_id = item.pk if isinstance(item, CatalogItem) else int(item)
        wanted[item_id] = wanted.get(item_id, Decimal("0")) + _quantity(qty)
    if not wanted:
        return {}
    catalog = dict(CatalogItem.objects.filter(pk__in=wanted).values_list("pk", "price"))  # query 1
    missing = sorted(set(wanted) - set(catalog))
    if missing:
        raise ValidationFailed({"items": [f"No catalog item {', '.join(map(str, missing))}."]})
    # The lists in force for this account and its class: a handful of rows, so the lines
    # query below is an index probe on (price list, item) instead of a join.
    # A contract's list is whatever list the contract names (its account's or a class's):
    # it applies because the contract is in force, and only while the list itself is active
    # and valid, like any other list.
    target = Q(account_id=account.pk) | Q(
        account__isnull=True, customer_class=account.customer_class
    )
    candidates = PriceList.objects.all()
    if _contract_lists is not None:
        contracts = _contract_lists(account_id=account.pk, on=on)
        target |= Q(pk__in=contracts.values("price_list_id"))
        candidates = candidates.annotate(
            contract_number=Subquery(
                contracts.filter(price_list_id=OuterRef("pk"))
                .order_by("number")
                .values("number")[:1]
            )
        )
    else:
        candidates = candidates.annotate(contract_number=Value(None, CharField()))
    lists = {
        pk: (name, account_id, priority, since, contract_number)
        for pk, name, account_id, priority, since, contract_number in candidates.filter(
            target, active=True, valid_from__lte=on
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .values_list("pk", "name", "account_id", "priority", "valid_from", "contract_number")
    }  # query 2
    rows = (
        PriceListLine.objects.filter(
            price_list_id__in=list(lists), catalog_item_id__in=list(wanted)
        ).values_list(
            "catalog_item_id", "min_quantity", "unit_price", "percent_off", "price_list_id"
        )
        if lists
        else []
    )  # query 3 (none when no list is in force)
    best: dict[int, tuple] = {}
    for item_id, min_qty, unit_price, percent, list_id in rows:
        name, acct, prio, since, contract_number = lists[list_id]
        if min_qty > wanted[item_id]:
            continue  # a break above the quantity ordered
        if contract_number:
            source = PriceSource.CONTRACT
        elif acct:
            source = PriceSource.ACCOUNT
        else:
            source = PriceSource.CUSTOMER_CLASS
        key = (LEVEL[source], prio, since, list_id, min_qty)
        if item_id not in best or key > best[item_id][0]:
            best[item_id] = (key, source, unit_price, percent, list_id, name, min_qty)
    quotes: dict[int, PriceQuote] = {}
    for item_id, qty in wanted.items():
        catalog_price = to_money(catalog[item_id])
        if item_id not in best:
            quotes[item_id] = PriceQuote(
                item_id,
                qty,
                catalog_price,
                catalog_price,
                PriceSource.CATALOG,
                None,
                "",
                "Catalog price",
            )
            continue
        _key, source, unit_price, percent, list_id, name, min_qty = best[item_id]
        if unit_price is not None:
            price = to_money(unit_price)
            how = f"{price} each"
        else:
            price = to_money(catalog_price * (HUNDRED - Decimal(percent)) / HUNDRED)
            how = f"{Decimal(percent).normalize():f}% off the catalog price {catalog_price}"
        if source == PriceSource.CONTRACT:
            level = f"contract {lists[list_id][4]}"
        else:
            level = LEVEL_WORDS[source]
        brk = f" from {min_qty.normalize():f}" if min_qty > 1 else ""
        quotes[item_id] = PriceQuote(
            item_id,
            qty,
            price,
            catalog_price,
            source,
            list_id,
            name,
            f"{level} price list “{name}”{brk}: {how}",
        )
    return quotes
