# Cyrillic units and the multiplication sign are meant, not Latin look-alikes:
# ruff: noqa: RUF001

"""Net quantities as printed on packs and receipts."""

from __future__ import annotations

import pytest

from foodscan.recognition.quantity import (
    Quantity,
    find_quantities,
    locate_quantities,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "value", "unit", "count"),
    [
        ("500 g", 500.0, "g", None),
        ("1 l", 1.0, "l", None),
        ("1,5 L", 1.5, "l", None),
        ("330ml", 330.0, "ml", None),
        ("6 x 0.33 l", 0.33, "l", 6),
        ("4×125g", 125.0, "g", 4),
        ("MLEKO UHT 3,2% 1L", 1.0, "l", None),
        ("Сметана 20% 300 г", 300.0, "g", None),
        ("Молоко 0,9 л", 0.9, "l", None),
        ("Jajka 10 szt", 10.0, "pcs", None),
        ("Yoghurt 1000g", 1000.0, "g", None),
        ("Filmjölk 1 ltr.", 1.0, "l", None),
        ("e 75 cl", 75.0, "cl", None),
    ],
)
def test_quantities_are_read(text: str, value: float, unit: str, count: int | None) -> None:
    found = parse_quantity(text)
    assert found is not None
    assert (found.value, found.unit, found.count) == (value, unit, count)


@pytest.mark.parametrize("text", ["3,2% fett", "Price 12.50", "1909", "500 gardar", "12 mjölk"])
def test_no_quantity_is_made_up(text: str) -> None:
    assert parse_quantity(text) is None


def test_the_total_is_in_grams_or_millilitres() -> None:
    assert Quantity(0.33, "l", 6, "6 x 0.33 l").total_base == 1980.0
    assert Quantity(2, "pcs", None, "2 szt").total_base is None


def test_every_quantity_of_a_line_is_found() -> None:
    assert [q.text for q in find_quantities("2 x 1 l or 500 ml")] == ["2 x 1 l", "500 ml"]


def test_quantities_are_located_in_their_text() -> None:
    text = "MLEKO UHT 3,2% 1L"
    [(quantity, start, end)] = locate_quantities(text)
    assert text[start:end] == "1L"
    assert quantity.text == "1L"


def test_us_gallons_are_read() -> None:
    found = parse_quantity("Whole milk 1 gal")
    assert found is not None
    assert (found.value, found.unit) == (1.0, "gal")
    assert found.total_base == 3785.411784
