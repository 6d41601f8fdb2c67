"""One row of the item block, read on its own: a name, a priced item, a quantity line, a
discount, a bare amount, or something to skip.

How rows combine into items (a name above its quantity line, a US ``2 @ 1.25`` above its item,
a discount under it) is ``items``; this module only reads the row's own text.
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from foodscan.recognition.receipt.amounts import (
    Found,
    find_amounts,
    is_amount_only,
    letters_in,
    parse_number,
    times,
)
from foodscan.recognition.receipt.rows import CELL_SEPARATOR

# "2 x3,49", "1,152 x4,99", "0.845 kg @ £2.20/kg", "2 × 130.00", "1.481 кг x 510.00", "3 * 1,90".
_QUANTITY = re.compile(
    r"(?<![\w.,])(?:(?P<q>\d{1,4}(?:[.,]\d{1,3})?)"
    # A unit: "kg" may touch the number; a one-letter "l" must not ("1L" ends a name).
    r"(?P<u>\s*(?:[kк][gгrt]|[xх]r)|\s+(?:[lлn]|ltr|szt|шт|pcs|ea))?\.?\s*)?"
    # The OCR reads "@" as "0" at times: taken only between spaces before a currency sign.
    r"(?P<x>[x×хX*@]|(?<=\s)0(?=\s+[£$€]))\s*[£$€]?\s*(?P<p>\d+[.,]\d{2})(?![\d%])"
    r"(?:\s*/\s*[^\W\d_]{1,3}\.?)?",
    re.IGNORECASE,
)
# A count or weight printed just before the unit price, its "x" lost: "1,765  12,59 22,22".
_NUMBER_BEFORE = re.compile(r"(?<![\w.,])(?P<q>\d{1,4}(?:[.,]\d{3})?|\d{1,2})\s*[*x×]?\s*$")
_DISCOUNT = re.compile(
    r"\b(?:RABAT|OBNI[ŻZ]KA|UPUST|СКИДКА|DISCOUNT|SAVINGS?|COUPON|MARKDOWN)\b",
    re.IGNORECASE,
)
_DEPOSIT = re.compile(r"\b(?:KAUCJ\w*|ZWROT\w*|DEPOSIT|BOTTLE\s+RETURN|ЗАЛОГ\w*)", re.IGNORECASE)
# The item's amount after its discount, printed under it ("СУММА СО СКИДКОЙ =74.40").
_NET_AFTER_DISCOUNT = re.compile(
    r"С[ОO0]\s+СКИДК|PO\s+(?:RABACIE|OBNI[ŻZ]CE|UPU[ŚS]CIE)|AFTER\s+(?:DISCOUNT|SAVINGS)",
    re.IGNORECASE,
)
# A per-item tax row ("НДС 10% =6.76") or a bare rate and amount ("10%  =6.76").
# НДС as the OCR misreads it too: НАС, HOC.
_ITEM_TAX = re.compile(
    r"^\W*\d{1,2}(?:[.,]\d{1,2})?\s?%\W*[=\d]"
    r"|\b(?:[НH][ДAАOО][СC]|VAT|PTU|TAX)\s*\d{1,2}(?:[.,]\d{1,2})?\s?%\W*[=\d]",
    re.IGNORECASE,
)
# A tax rate printed as the share of a gross price: "10/110", "20/120" (r / (100 + r)).
_RATE_FRACTION = re.compile(r"(?<![\d.,/])(\d{1,2})\s?/\s?(1\d{2})(?![\d.,/])")
_TAX_FLAG = re.compile(r"\s*(?:\b[A-GTNSX]\b|\*)\s*$")
_CODE = re.compile(r"(?<!\w)\d{8,14}(?!\w)")  # UPC/EAN printed beside US item names
_INDEX = re.compile(r"^\s*\d{1,3}[.)]\s+(?=\S)")  # "12. Сахар песок 1кг"
_OUNCES = re.compile(r"(?<=\d)0Z\b")
_GRAMS = re.compile(r"(?<=\d)e(?=g\b)")
_ZERO_IN_WORD = re.compile(r"(?<=[A-Z])0(?=[A-Z])")
# A last cell of a few digits and no amount: the item's price, its decimal commas lost.
_GARBLED_PRICE = re.compile(r"^[\d\s.,*xX×]{3,10}[A-G]?$")
# "Зх 249.99", "бх 11.00": a Cyrillic letter the OCR read for a count's digit (З, з for 3,
# б for 6) before a multiplication sign.
_COUNT_LOOKALIKE = re.compile(r"(?<![^\W\d_])[Ззб](?=\s?[x×хX*]\s?\d)")
_LOOKALIKE_DIGITS = str.maketrans("Ззб", "336")
_MAX_PIECES = 99
# A count before an item's name: "2x Hey Song", "3 X TEA".
_LEAD_COUNT = re.compile(r"(\d{1,2})\s?[xX×]\s+(?=[^\W\d_])")
# A column heading's unit on a row of its own: "(RM)", "(PLN)".
_UNIT_HEADING = re.compile(r"(?:\(\s*[^\W\d_]{1,3}\s*\)\s*)+")


class Kind(Enum):
    """What a row of the item block holds."""

    NAME = "name"
    ITEM = "item"  # a name with a line amount, perhaps a quantity too
    QUANTITY = "quantity"  # a quantity and unit price, perhaps a line amount, no name
    DISCOUNT = "discount"
    AMOUNT = "amount"  # a bare positive amount
    NET = "net"  # the item's amount after its discount: already known
    SKIP = "skip"


@dataclass(frozen=True)
class ItemRow:
    """One row of the item block as read on its own; ``None`` where it says nothing."""

    kind: Kind
    name: str = ""
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    total: Decimal | None = None
    code: bool = False  # the row prints a product code (EAN, a marking code)


def clean_name(text: str) -> str:
    """An item's name without the till's index, product codes, or stray separators.

    OCR confusions of 0 and O are undone: "160Z" is 16 OZ, "80eg" is 800g, "CARR0TS" is
    CARROTS.
    """
    text = _CODE.sub(" ", _INDEX.sub("", text))
    text = _OUNCES.sub("OZ", _GRAMS.sub("0", text))
    text = _ZERO_IN_WORD.sub("O", text)
    return " ".join(text.split()).strip(" |:;=*#~_-—–")


def _unit(found: str | None, quantity: Decimal) -> str:
    word = (found or "").strip().casefold()
    if word in ("l", "л", "n", "ltr"):  # "n" is how the OCR reads a lone "л"
        return "l"
    if word[:1] in ("k", "к", "x", "х"):
        return "kg"
    # A quantity with three decimals is a weight even where the OCR lost its unit.
    return "pcs" if quantity == quantity.to_integral_value() else "kg"


def _pieces(price: Decimal, total: Decimal) -> Decimal | None:
    """The whole number of pieces at ``price`` that make ``total``, if there is one."""
    if price <= 0:
        return None
    pieces = total / price
    if pieces == pieces.to_integral_value() and 1 <= pieces <= _MAX_PIECES:
        return pieces.quantize(Decimal(1))
    return None


def _weight_from_amounts(printed: str, price: Decimal, total: Decimal) -> Decimal | None:
    """The weight that price and amount imply, when the OCR garbled the printed one only in
    its leading digit or point ("9.885" or "903" for 0.885 and 0.903 kg): its last three
    digits must be the printed ones."""
    weight = (total / price).quantize(Decimal("0.001"))
    digits = re.sub(r"\D", "", printed)
    if weight <= 0 or times(weight, price) != total or len(digits) < 3:
        return None
    return weight if f"{weight:.3f}".endswith(digits[-3:]) else None


def _quantity_row(text: str, match: re.Match[str]) -> ItemRow | None:
    price = find_amounts(match["p"])
    after = [a.value for a in find_amounts(text[match.end() :])]
    total = abs(after[-1]) if after else None
    if not price:
        return None
    if match["q"] is None:  # "x10,79  43,16": the count was lost, the amounts tell it
        quantity = None if total is None else _pieces(price[0].value, total)
    else:
        quantity = parse_number(match["q"])
    if quantity is None or quantity == 0:
        return None
    if total is not None and times(quantity, price[0].value) != total:
        quantity = _weight_from_amounts(match["q"], price[0].value, total) or quantity
    name = _strip_count(clean_name(text[: match.start()]), quantity)
    kind = Kind.ITEM if total is not None and letters_in(name) >= 2 else Kind.QUANTITY
    return ItemRow(kind, name, quantity, _unit(match["u"], quantity), price[0].value, total)


def _count_before(text: str, price: Found, total: Decimal) -> ItemRow | None:
    """A quantity printed before the price without its "x": explicit, or glued to the price
    by the OCR ("30,49" for "3 * 0,49"); either must multiply out to the line amount."""
    head = text[: price.start]
    match = _NUMBER_BEFORE.search(head)
    q = parse_number(match["q"]) if match else None
    if match and q and times(q, price.value) == total:
        name = clean_name(_TAX_FLAG.sub("", head[: match.start()]))
        return ItemRow(Kind.ITEM, name, q, _unit(None, q), price.value, total)
    digits = text[price.start : price.end]
    for cut in (1, 2):
        lead, rest = digits[:cut], digits[cut:]
        if lead.isdigit() and int(lead) > 0 and (glued := find_amounts(rest)):
            unit_price = glued[0].value
            if unit_price > 0 and times(Decimal(lead), unit_price) == total:
                name = clean_name(_TAX_FLAG.sub("", head))
                return ItemRow(Kind.ITEM, name, Decimal(lead), "pcs", unit_price, total)
    return None


def _priced_row(text: str) -> ItemRow:
    found = find_amounts(text)
    name = clean_name(_TAX_FLAG.sub("", text[: found[0].start]))
    total = found[-1].value
    if len(found) < 2 or found[-2].value <= 0:
        return ItemRow(Kind.ITEM, name, None, None, None, total)
    price = found[-2]
    if (lead := _LEAD_COUNT.match(name)) and times(Decimal(lead[1]), price.value) >= total:
        # "2x Hey Song  4.30  7.60": a count before the name; the amount may be after a
        # discount printed under it (reconcile settles that by the arithmetic).
        count = Decimal(lead[1])
        return ItemRow(Kind.ITEM, name[lead.end() :], count, "pcs", price.value, total)
    if (pieces := _pieces(price.value, total)) is not None:
        # "4,79 4,79 C", "3  3,79 11,37 C": a unit price (and count) whose "x" the OCR lost.
        return ItemRow(Kind.ITEM, _strip_count(name, pieces), pieces, "pcs", price.value, total)
    explicit = _count_before(text, price, total)
    return explicit or ItemRow(Kind.ITEM, name, None, None, None, total)


def _strip_count(name: str, quantity: Decimal) -> str:
    """A name without the bare count the OCR repeated at its end ("Mąka pszenna 1kg 3")."""
    match = re.search(r"\s+(\d{1,2})$", name)
    if match and Decimal(match[1]) == quantity:
        return name[: match.start()]
    return name


def _unpriced_row(text: str) -> ItemRow:
    """A name, or an item whose price the OCR garbled (its amount is left unknown)."""
    if letters_in(text) < 2 or _UNIT_HEADING.fullmatch(text):
        return ItemRow(Kind.SKIP)
    *head, last = text.split(CELL_SEPARATOR)
    # Not a run of zeros ("01 Lai  000000": a till's or cashier's number).
    digits = [c for c in last if c.isdigit()]
    if head and _GARBLED_PRICE.match(last) and len(digits) >= 3 and set(digits) != {"0"}:
        return ItemRow(Kind.ITEM, clean_name(CELL_SEPARATOR.join(head)))
    return ItemRow(Kind.NAME, clean_name(text), code=_CODE.search(text) is not None)


def _misread_sign(text: str, amount: Decimal) -> bool:
    """Whether a negative amount is a quantity line's own amount with "=" read as "-"."""
    match = _QUANTITY.search(text)
    quantity = parse_number(match["q"]) if match and match["q"] else None
    price = find_amounts(match["p"]) if match else []
    if quantity is None or not price:
        return False
    return times(quantity, price[0].value) == -amount


def _marked_row(text: str, found: list[Found]) -> ItemRow | None:
    """A discount, or an amount after a discount or a per-item tax: rows a keyword marks."""
    negative = [a.value for a in found if a.value < 0]
    if negative and not _DEPOSIT.search(text) and not _misread_sign(text, negative[-1]):
        return ItemRow(Kind.DISCOUNT, total=-negative[-1])
    if _DISCOUNT.search(text):
        return ItemRow(Kind.DISCOUNT, total=abs(found[-1].value)) if found else ItemRow(Kind.SKIP)
    if _NET_AFTER_DISCOUNT.search(text):
        return ItemRow(Kind.NET, total=found[-1].value) if found else ItemRow(Kind.SKIP)
    if _QUANTITY.search(text):
        return None  # "1% 900  3 X 69.90": a quantity line, not a tax row
    if _ITEM_TAX.search(text) or _rate_fraction(text):
        return ItemRow(Kind.SKIP)
    return None


def _rate_fraction(text: str) -> bool:
    """Whether ``text`` prints a tax rate as r/(100 + r): a tax row, whatever its words."""
    return any(int(m[2]) == 100 + int(m[1]) for m in _RATE_FRACTION.finditer(text))


def read_item_row(text: str) -> ItemRow:
    """What one row of the item block says."""
    text = _COUNT_LOOKALIKE.sub(lambda m: m[0].translate(_LOOKALIKE_DIGITS), text)
    found = find_amounts(text)
    if (marked := _marked_row(text, found)) is not None:
        return marked
    if (match := _QUANTITY.search(text)) and (row := _quantity_row(text, match)):
        return row
    if not found:
        return _unpriced_row(text)
    if is_amount_only(text) or letters_in(text[: found[0].start]) < 2:
        return ItemRow(Kind.AMOUNT, total=found[-1].value)
    return _priced_row(text)


def receipt_discount(texts: Sequence[str]) -> Decimal:
    """The discounts printed in ``texts`` (rows between the items and the total), as a
    positive sum: "Coupon Discount  8.90", "DISCOUNT  -2.00"."""
    found = [find_amounts(text) for text in texts if _DISCOUNT.search(text)]
    return sum((abs(row[-1].value) for row in found if row), Decimal(0))


def matches(row: ItemRow, total: Decimal | None) -> bool:
    """Whether a quantity row's quantity × unit price makes ``total``."""
    if row.quantity is None or row.unit_price is None or total is None:
        return False
    return times(row.quantity, row.unit_price) == total
