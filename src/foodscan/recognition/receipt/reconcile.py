"""Do the items add up to the total? Σ(item − discount) (+ tax where prices are net) vs total.

Deposits are items, so they are in the sum already; a printed cash rounding is added to it.
Prices are net of tax (US) when the printed subtotal plus the tax makes the total; elsewhere
tax is inside the prices. When the sum is off by exactly what one item's own quantity × unit
price would correct, that item's amount was misread and is corrected (the OCR garbles one
digit far more often than a till errs); one item whose amount was unreadable (or only computed
from its quantity and price) gets what the total leaves for it, and the receipt is marked
``needs_review``.
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF002, RUF003

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from foodscan.recognition.receipt.amounts import times
from foodscan.recognition.receipt.items import Draft


@dataclass(frozen=True)
class Outcome:
    """``consistent``, ``mismatch`` or ``needs_review``, and total − expected (or ``None``)."""

    status: str
    difference: Decimal | None
    tax_added: bool


def _net_sum(items: Sequence[Draft]) -> Decimal:
    return sum((item.net for item in items if item.net is not None), Decimal(0))


def _tax_added(subtotal: Decimal | None, tax: Decimal, total: Decimal, net: Decimal) -> bool:
    """``total`` here is less the cash rounding: "SUB-TOTAL (EX) 4.60, TOTAL TAX 0.28,
    ROUNDING 0.02, TOTAL 4.90"."""
    if tax <= 0 or net == total:  # the items' prices hold the tax: they make the total
        return False
    if subtotal is not None and subtotal != total:
        return subtotal + tax == total
    return net + tax == total


def _repair(items: Sequence[Draft], difference: Decimal) -> bool:
    """Correct the one item whose quantity × unit price closes ``difference`` exactly."""
    fixes = [
        (item, computed)
        for item in items
        if item.quantity is not None
        and item.unit_price is not None
        and item.total is not None
        and (computed := times(item.quantity, item.unit_price)) - item.total == difference
    ]
    if len(fixes) != 1:
        return False
    item, computed = fixes[0]
    item.total = computed
    item.confidence = min(item.confidence, 0.6)
    return True


def _infer(item: Draft, amount: Decimal) -> None:
    """Give the one item whose amount was unreadable what the total leaves for it."""
    item.total = amount
    quantity = item.quantity or Decimal(1)
    price = (amount / quantity).quantize(Decimal("0.01"))
    item.unit_price = price if times(quantity, price) == amount else None
    item.confidence = min(item.confidence, 0.3)


def reconcile(
    items: Sequence[Draft],
    *,
    subtotal: Decimal | None,
    tax: Sequence[Decimal],
    total: Decimal | None,
    rounding: Decimal = Decimal(0),
    discount: Decimal = Decimal(0),
) -> Outcome:
    """Check the items against the total; correct one misread item amount if that closes the
    gap, or infer the one unreadable amount (then the receipt still needs review).

    ``discount`` is a discount on the whole receipt, printed between the items and the total
    ("Coupon Discount 8.90"): it counts where the items less it make the total (a row that
    sums up the items' own discounts says the same words and must not count twice)."""
    if total is None or not items:
        return Outcome("needs_review", None, tax_added=False)
    tax_sum = sum(tax, Decimal(0))
    added = _tax_added(subtotal, tax_sum, total - rounding, _net_sum(items)) or bool(
        discount and _tax_added(subtotal, tax_sum, total - rounding + discount, _net_sum(items))
    )
    difference = total - rounding - _net_sum(items) - (tax_sum if added else 0)
    unknown = [item for item in items if item.total is None]
    computed = [item for item in items if not item.total_read]
    if not unknown and difference and len(computed) == 1 and computed[0].total is not None:
        # The one amount not printed (computed from a price the OCR may have misread) is the
        # one in doubt: what the total leaves for it replaces it.
        unknown, difference = computed, difference + computed[0].total
        computed[0].total = None
    if unknown:
        if len(unknown) == 1 and difference > 0:
            _infer(unknown[0], difference)
            difference = Decimal(0)
        return Outcome("needs_review", difference, added)
    if difference and difference == -discount:
        return Outcome("consistent", Decimal(0), added)
    if difference and _repair(items, difference):
        difference = total - rounding - _net_sum(items) - (tax_sum if added else 0)
    return Outcome("consistent" if difference == 0 else "mismatch", difference, added)
