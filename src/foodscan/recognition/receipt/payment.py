"""How the receipt was paid (card or cash) and the card's last four digits.

Card numbers print masked (``************2512``, ``XXXX XXXX XXXX 5130``); only their last
four digits are ever kept (masking the text itself is ``recognition.masking``).
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from foodscan.recognition.receipt.amounts import amounts

_CARD = re.compile(
    r"\b(?:VISA|MASTER\s?CARD|MAESTRO|AMEX|AMERICAN\s+EXPRESS|DEBIT|CREDIT|CARD|CONTACTLESS|"
    r"KARTA|KART[ĄA]|P[ŁL]ATNICZA|BLIK|БЕЗНАЛИЧН\w*|КАРТ\w*|ЭЛЕКТРОНН\w*)\b",
    re.IGNORECASE,
)
# Whole words: БЕЗНАЛИЧНЫМИ (cashless) holds no НАЛИЧН at a word start.
_CASH = re.compile(r"\b(?:CASH|GOT[ÓO]WK[AĄ]|НАЛИЧН\w*)\b", re.IGNORECASE)
_MASKED = re.compile(r"(?:[*X#•xх]{4,}[\s-]*)+(?P<last4>\d{4})(?!\d)")


@dataclass(frozen=True)
class PaymentRead:
    """The payment as read: method (``card``/``cash``/``None``), last four digits, confidence."""

    method: str | None
    card_last4: str | None
    confidence: float


def _cash_given(texts: Sequence[str], total: Decimal | None) -> bool:
    """Whether a tendered amount and its change print: tendered − change = total."""
    if total is None:
        return False
    finals = [found[-1] for text in texts if (found := amounts(text))]
    return any(
        tendered > total and change > 0 and tendered - change == total
        for tendered, change in itertools.pairwise(finals)
    )


def paid_amounts(texts: Sequence[str]) -> set[Decimal]:
    """The amounts printed on card or cash rows (what was paid, or tendered)."""
    return {a for t in texts if _CARD.search(t) or _CASH.search(t) for a in amounts(t) if a > 0}


def read_payment(texts: Sequence[str], total: Decimal | None) -> PaymentRead:
    """The payment method and card digits from the rows under the total."""
    last4 = next((m["last4"] for t in texts if (m := _MASKED.search(t))), None)
    cash_rows = [t for t in texts if _CASH.search(t) and not _CARD.search(t)]
    card_rows = [t for t in texts if _CARD.search(t)]
    paid = [t for t in cash_rows + card_rows if total is not None and total in amounts(t)]
    if paid:
        method = "cash" if paid[0] in cash_rows else "card"
        return PaymentRead(method, last4 if method == "card" else None, 0.95)
    if (cash_rows and any(amounts(t) for t in cash_rows)) or _cash_given(texts, total):
        return PaymentRead("cash", None, 0.85)
    if card_rows or last4:
        return PaymentRead("card", last4, 0.85 if card_rows else 0.7)
    return PaymentRead(None, None, 0.0)


def paid_totals(texts: Sequence[str]) -> set[Decimal]:
    """What the payment rows say the total was: a card row's amount, and a cash row's amount
    less the change printed on the row right after it ("CASH TENDERED 250.00", "CHANGE
    47.15": 202.85)."""
    said: set[Decimal] = set()
    finals = [[abs(a) for a in amounts(t)] for t in texts]
    for index, text in enumerate(texts):
        if not finals[index]:
            continue
        amount = finals[index][-1]
        following = finals[index + 1] if index + 1 < len(texts) else []
        if _CARD.search(text):
            said.add(amount)
        elif _CASH.search(text) and following and 0 < following[-1] < amount:
            said.add(amount - following[-1])
    return said
