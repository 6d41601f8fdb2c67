"""The net quantity a receipt name carries, and the name without it."""

# Cyrillic units are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from foodscan.recognition.enrich.sizes import find_size, without


@pytest.mark.parametrize(
    ("name", "value", "unit", "count", "rest"),
    [
        ("MLEKO UHT 3,2% 1L", 1.0, "l", None, "MLEKO UHT 3,2%"),
        ("SER ŻÓŁTY 500G", 500.0, "g", None, "SER ŻÓŁTY"),
        ("Piwo jasne 0,5 l", 0.5, "l", None, "Piwo jasne"),
        ("Lager 4x440ml", 440.0, "ml", 4, "Lager"),
        ("COLA 12PK 330ML", 330.0, "ml", 12, "COLA"),
        ("PEANUT BUTTER 16OZ", 16.0, "oz", None, "PEANUT BUTTER"),
        ("WHOLE MILK HALF GAL", 0.5, "gal", None, "WHOLE MILK"),
        ("SODA 12PK CANS", 12.0, "pcs", None, "SODA CANS"),
        ("Muffins x4", 4.0, "pcs", None, "Muffins"),
        ("Herbata 50 tor.", 50.0, "pcs", None, "Herbata"),
        ("Чай 25ПАК", 25.0, "pcs", None, "Чай"),
        ("Яйца С1 10ШТ", 10.0, "pcs", None, "Яйца С1"),
        ("EGGS LARGE 1 DZ", 12.0, "pcs", None, "EGGS LARGE"),
        ("Сок 0,97л", 0.97, "l", None, "Сок"),
    ],
)
def test_sizes_are_read_and_cut_out(
    name: str, value: float, unit: str, count: int | None, rest: str
) -> None:
    size = find_size(name)
    assert size is not None
    assert (size.quantity.value, size.quantity.unit, size.quantity.count) == (value, unit, count)
    assert without(name, size) == rest


@pytest.mark.parametrize(
    "name", ["Kawa mielona 2", "Masło 82%", "GROUND BEEF 80/20", "Tea Bags 80s", "Jaja L"]
)
def test_bare_numbers_and_percentages_are_no_size(name: str) -> None:
    assert find_size(name) is None
    assert without(name, None) == name
