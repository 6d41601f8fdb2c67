"""The receipt's own arithmetic as referee between readings that the words leave open.

A till's figures agree with each other: the items (less discounts, deposits included) make the
total; each tax amount is its rate's share of its base, and the bases make the total; cash
tendered less change is the total. Where the wording is unfamiliar, these sums decide what a
row is. This module only judges candidates that the other modules read; it knows no keyword.

- ``referee_total``: which amount is the total when the row read as the total, the items' sum
  and the payment rows do not all agree (a total row before the cash rounding, whose rounded
  sum was paid, gives the rounded sum).
- ``referee_tax``: the tax where the tax rows' columns were garbled: the amount on a tax row
  that the subtotal and the total differ by.
- ``summary_tail``: rows at the end of the item block that are a tax summary in words the
  parser does not know ("Wartość sprzedaży A  42,12"): the items above them make the total on
  their own, and they are per-rate bases (they add up to the total, or a printed tax amount is
  their rate's share) or tax amounts. Only then are they not items: a receipt whose items do
  not add up is never made to by dropping some.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from decimal import Decimal
from itertools import pairwise

from foodscan.recognition.receipt.amounts import CENT, amounts
from foodscan.recognition.receipt.items import Draft
from foodscan.recognition.receipt.payment import paid_amounts, paid_totals
from foodscan.recognition.receipt.totals import Figure

_AGREED = 0.9  # items and payment agree on it, though no total row said so
_ARITHMETIC = 0.7  # a total read from tendered less change; a repeated amount is less sure
_ROUNDING = Decimal("0.10")  # the most a cash rounding changes


def _rate(printed: str | None) -> Decimal | None:
    match = re.fullmatch(r"(\d{1,2}(?:\.\d{1,2})?)%", printed or "")
    return Decimal(match[1]) if match else None


def _share(base: Decimal, rate: Decimal) -> Decimal:
    return (base * rate / (100 + rate)).quantize(CENT)


def _net_sum(items: Sequence[Draft]) -> Decimal:
    return sum((item.net for item in items if item.net is not None), Decimal(0))


def _summary_row(amount: Decimal, tax: Sequence[tuple[str | None, Decimal]]) -> bool:
    """Whether ``amount`` is a tax amount, the tax total, or a base whose tax is printed."""
    amounts = [value for _, value in tax]
    if amount in amounts or (amounts and amount == sum(amounts, Decimal(0))):
        return True
    for printed, value in tax:
        rate = _rate(printed)
        if rate is not None and rate > 0 and abs(_share(amount, rate) - value) <= CENT:
            return True
    return False


def _looks_like_summary(
    tail: Sequence[Draft], total: Decimal, tax: Sequence[tuple[str | None, Decimal]]
) -> bool:
    """Whether ``tail`` is the footer by its arithmetic: per-rate bases that make the total, or
    tax amounts up to the payment (the total paid, or cash tendered and its change)."""
    if any(d.quantity_read or d.discount or d.total is None for d in tail):
        return False
    amounts = [d.total for d in tail if d.total is not None]
    if sum(amounts, Decimal(0)) == total:
        return True  # per-rate bases add up to the total

    def explained(amount: Decimal) -> bool:
        return amount == total or _summary_row(amount, tax)

    for position, amount in enumerate(amounts):
        following = amounts[position + 1] if position + 1 < len(amounts) else None
        if amount == total or (following is not None and amount - following == total):
            return True  # the payment (paid, or tendered and change): the footer from here on
        if not explained(amount):
            return False
    return True


def summary_tail(
    drafts: Sequence[Draft],
    targets: Collection[Decimal],
    tax: Sequence[tuple[str | None, Decimal]],
    rounding: Decimal = Decimal(0),
) -> int:
    """How many drafts at the end are a tax summary, not items (0 when none are).

    ``targets`` are the amounts the items may add up to: the total read, the amounts paid.
    """
    if len(drafts) < 2:  # an item and a summary row at least
        return 0
    tax_sum = sum((v for _, v in tax), Decimal(0))
    # Prices include the tax (pl, ru, uk) or the tax is added to them (us).
    goals = {goal: target for target in targets for goal in (target, target - tax_sum)}
    if _net_sum(drafts) + rounding in goals:
        return 0
    for cut in range(len(drafts) - 1, 0, -1):
        head, tail = drafts[:cut], drafts[cut:]
        target = goals.get(_net_sum(head) + rounding)
        if target is not None and _looks_like_summary(tail, target, tax):
            return len(tail)
    return 0


def payment_evidence(footer: Sequence[str]) -> set[Decimal]:
    """Amounts the payment rows say were paid: card and cash rows, tendered less change."""
    return paid_amounts(footer) | _cash_differences(footer)


def _cash_differences(texts: Sequence[str]) -> set[Decimal]:
    """Tendered less change for every two amounts printed one row after the other."""
    finals = [found[-1] for text in texts if (found := [a for a in amounts(text) if a > 0])]
    return {first - second for first, second in pairwise(finals) if first > second}


def referee_total(
    drafts: Sequence[Draft],
    footer: Sequence[str],
    read: Figure | None,
    tax: Sequence[tuple[str | None, Decimal]],
    *,
    evidence: Collection[Decimal],
    rounding: Decimal = Decimal(0),
    offset: int = 0,
) -> Figure | None:
    """The total (``footer`` starts at row ``offset``), with the payment rows as referee
    between the row read as the total and the items' sum: where the items add up to what was
    paid (``evidence``: card amounts, tendered less change; see ``payment_evidence``) and the
    total row says otherwise or was not found, the items and the payment are right.

    A total read without a keyword (a repeated amount) that is one item's own amount, on a
    receipt whose items add up to more and whose payment does not confirm it, is no total.
    """
    net = _net_sum(drafts) + rounding
    sums = [net, net + sum((v for _, v in tax), Decimal(0))] if drafts else []
    # A sum a payment row says was paid (a card's amount, cash less its change) outweighs one
    # that two amounts printed one under the other happen to differ by.
    strong = paid_amounts(footer) | paid_totals(footer)
    if (
        read is not None
        and rounding
        and read.value not in strong
        and read.value + rounding in strong
    ):
        # The total row is the sum before the cash rounding, and the payment says the rounded
        # sum was paid (whether or not the items were all read): that is the amount to pay.
        rounded = read.value + rounding
        row = next((i for i, text in enumerate(footer) if rounded in amounts(text)), 0)
        return Figure(rounded, offset + row, read.confidence)
    paid = next((value for value in sums if value > 0 and value in strong), None)
    if paid is not None and (read is None or read.value not in strong):
        row = next((i for i, text in enumerate(footer) if paid in amounts(text)), 0)
        return Figure(paid, offset + row, _AGREED)
    agreed = next((value for value in sums if value > 0 and value in evidence), None)
    if read is not None and read.value in sums and (agreed is None or read.value in evidence):
        # Unless the payment confirms another of the sums: the subtotal before an added tax,
        # printed twice, is no total where cash less change is the subtotal plus the tax.
        return read
    if agreed is not None and (read is None or read.value not in evidence):
        row = next((i for i, text in enumerate(footer) if agreed in amounts(text)), 0)
        return Figure(agreed, offset + row, _AGREED)
    if read is None or read.confidence >= _ARITHMETIC or read.value in evidence:
        return read
    item_amount = any(draft.total == read.value for draft in drafts)
    return None if item_amount and net > read.value else read


def referee_tax(
    tax: Sequence[tuple[str | None, Decimal]],
    candidates: Collection[Decimal],
    *,
    subtotal: Decimal | None,
    total: Decimal | None,
    rounding: Decimal = Decimal(0),
) -> list[tuple[str | None, Decimal]]:
    """The tax, with the subtotal and the total as referee: where the tax read does not make
    the subtotal into the total (less the rounding) and an amount printed on a tax row
    (``candidates``) does, that amount is the tax ("SUB-TOTAL 59.99, GST  DISC  3.36  0.00,
    TOTAL 63.35"); its rate is kept where one rate was read."""
    if subtotal is None or total is None:
        return list(tax)
    gap = total - rounding - subtotal
    if gap <= 0 or gap == sum((v for _, v in tax), Decimal(0)) or gap not in candidates:
        return list(tax)
    rates = {rate for rate, _ in tax if rate is not None}
    return [(rates.pop() if len(rates) == 1 else None, gap)]


def payment_contradicts(total: Decimal | None, footer: Sequence[str]) -> bool:
    """Whether the payment rows say a total a few cents off ``total`` was paid (a card, or
    cash less its change): a cash rounding the parser did not read, or a total before it."""
    if total is None or total in paid_amounts(footer):
        return False
    said = paid_totals(footer)
    return total not in said and any(0 < abs(paid - total) <= _ROUNDING for paid in said)
