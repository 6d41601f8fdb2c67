"""Money amounts and quantities in the formats receipts print."""

from __future__ import annotations

from decimal import Decimal

import pytest

from foodscan.recognition.receipt.amounts import amounts, money, parse_number, times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SUMA PLN 1 234,56", ["1234.56"]),
        ("Grand Total $1,234.50", ["1234.50"]),
        ("SUMA 1.234,56", ["1234.56"]),
        ("Kasjer nr 20  190,50", ["190.50"]),  # two spaces: two numbers, one of them money
        ("MEMBER SAVINGS 0.57-", ["-0.57"]),
        ("СКИДКА =-8.64", ["-8.64"]),
        ("Reduced -£0.24", ["-0.24"]),
        ("Rounding: -RM0.02  Nett Total: RM7.70", ["-0.02", "7.70"]),
        ("TAX 1 8.60 % 0.70", ["0.70"]),  # a rate is no amount
        # A weight is no amount; a unit price after its "x" is read by the item parser.
        ("1,152 x4,99 5,75C", ["5.75"]),
        ("21.01.2026", []),
        ("Bułka 1 * 0, 79 0, 79 C", ["0.79", "0.79"]),  # the OCR split the decimal comma
        ("ul. Leśna 5, 00-950 Warszawa", []),  # a house number and a postcode
        ("Piwo jasne 0.45л 1,50L", []),  # pack sizes
    ],
)
def test_amounts(text: str, expected: list[str]) -> None:
    assert [str(a) for a in amounts(text)] == expected


def test_quantities_and_line_amounts() -> None:
    assert parse_number("1,152") == Decimal("1.152")
    assert parse_number("x") is None
    assert times(Decimal("0.845"), Decimal("2.20")) == Decimal("1.86")  # 1.859 half up
    assert times(Decimal("1.451"), Decimal("29.99")) == Decimal("43.52")
    assert money(Decimal("7")) == "7.00"
    assert money(None) is None
