"""Money amounts and quantities as receipts print them, read into ``Decimal``.

Owns the number formats: decimal commas and dots, thousands separators (``1 234,56``,
``1.234,56``, ``1,234.56``), currency signs on either side, leading or trailing minus signs
(``-0,56``, ``0.74-``, ``=-8.64``). Knows no keywords: which amount is the total is for
``totals``.
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# A money amount: two decimals, optional thousands groups, an optional currency sign, a
# leading or trailing minus. Not a weight (1,451), a percentage (8.60 %) or part of a longer
# number. A thousands group takes one separator character, so "nr 20  190,50" (two spaces
# between OCR boxes) stays two numbers while "1 234,56" is one amount. The OCR sometimes reads
# "0,79" as "0, 79" or "79.90" as "79. 90"; Malaysian receipts glue "RM" to the number.
_AMOUNT = re.compile(
    # A minus sign, then "£" or its OCR readings "f" and "E" glued to the number ("-f1.51").
    r"(?<![\w.,])(?P<neg>-\s?)?(?:(?:[£$€₽]|RM)\s?|(?<=-)[fE](?=\d))?(?P<neg2>-)?"
    r"(?P<num>\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+[.,]\d{2}|\d+[.,]\d{2}"
    # "0, 79": a split decimal only where an amount ends (not "Leśna 5, 00-950 Warszawa").
    r"|\d+[.,]\s\d{2}(?=\s*$|\s*[A-G]\b|\s+\d))"
    # Not a pack size either: "0.45л", "1.50L", "2.50g", nor fuel: "22.73 litre".
    r"(?![\d%]|[.,]\d|\s%|\s?(?i:litres?|liters?|ltr)\b|(?:[lLлЛгГg]|ml|мл|kg|кг)\b)"
    r"(?P<neg3>-(?!\d))?"
)
_LETTER = re.compile(r"[^\W\d_]")
_CURRENCY_WORDS = re.compile(r"PLN|zł|руб\.?|RUB|EUR|USD|GBP|RM", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """One amount found in a text: its value and where it stands."""

    value: Decimal
    start: int
    end: int


def _value(match: re.Match[str]) -> Decimal:
    num = match["num"]
    whole, frac = re.sub(r"\D", "", num[:-3]), num[-2:]
    value = Decimal(f"{whole}.{frac}")
    negative = match["neg"] or match["neg2"] or match["neg3"]
    return -value if negative else value


def find_amounts(text: str) -> list[Found]:
    """The money amounts in ``text``, negatives included, left to right."""
    return [Found(_value(m), m.start(), m.end()) for m in _AMOUNT.finditer(text)]


def amounts(text: str) -> list[Decimal]:
    """The values of the money amounts in ``text``, left to right."""
    return [found.value for found in find_amounts(text)]


def parse_amount(text: str) -> Decimal | None:
    """``text`` read as one amount (``"12,30"``, ``"£1.25"``, ``"0.74-"``), else ``None``."""
    found = find_amounts(text.strip())
    return found[0].value if len(found) == 1 else None


def parse_number(text: str) -> Decimal | None:
    """A quantity: ``"3"``, ``"1,152"``, ``"0.845"`` (a comma is always decimal here)."""
    cleaned = text.strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,4}(?:\.\d{1,3})?", cleaned):
        return None
    return Decimal(cleaned)


def money(value: Decimal | None) -> str | None:
    """An amount as the schema writes it: a dot and two places, ``None`` kept."""
    if value is None:
        return None
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def times(quantity: Decimal, price: Decimal) -> Decimal:
    """A line amount as tills compute it: quantity × price, rounded half up to cents."""
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


def is_amount_only(text: str) -> bool:
    """Whether ``text`` is an amount with at most a tax letter or currency beside it."""
    letters = _LETTER.findall(_CURRENCY_WORDS.sub("", text))
    return len(letters) <= 1 and bool(find_amounts(text))


def letters_in(text: str) -> int:
    """How many letters ``text`` has (any script)."""
    return len(_LETTER.findall(text))
