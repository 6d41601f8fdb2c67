"""Recipe amounts as people write them, in ``foodscan scan``'s output."""

from __future__ import annotations

import pytest
from rich.console import Console

from foodscan.cli.amounts import amount_text, quantity_text
from foodscan.cli.tables import recipe_view


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.6667, "1⅔"),
        (0.5, "½"),
        (0.3333, "⅓"),
        (2.25, "2¼"),
        (0.125, "⅛"),
        (200.0, "200"),
        (2.9999, "3"),
        (0.3, "0.3"),
        (1.2346, "1.235"),
    ],
)
def test_a_quantity_reads_as_a_fraction_where_a_recipe_would_print_one(
    value: float, text: str
) -> None:
    assert quantity_text(value) == text


@pytest.mark.parametrize(
    ("quantity", "high", "unit", "text"),
    [
        (1.6667, None, "cup", "1⅔ cups"),
        (1.0, None, "cup", "1 cup"),
        (0.5, None, "cup", "½ cup"),
        (2.0, 3.0, "clove", "2\N{EN DASH}3 cloves"),
        (2.0, None, "tbsp", "2 tbsp"),
        (200.0, None, "g", "200 g"),
        (3.0, None, "pinch", "3 pinches"),
        (None, None, "pinch", "pinch"),
        (2.0, None, None, "2"),
        (None, None, None, ""),
    ],
)
def test_an_amount_has_its_unit_in_the_plural_above_one_when_it_is_a_word(
    quantity: float | None, high: float | None, unit: str | None, text: str
) -> None:
    assert amount_text(quantity, high, unit) == text


def test_the_recipe_table_shows_fractions_preparation_and_comments() -> None:
    result = {
        "title": "Pancakes",
        "ingredients": [
            {
                "text": "1⅔ cups all-purpose flour (200g)",
                "quantity": 1.6667,
                "quantity_max": None,
                "unit": "cup",
                "name": "all-purpose flour",
                "comment": "200 g",
            },
            {
                "text": "1 onion, chopped",
                "quantity": 1.0,
                "unit": None,
                "name": "onion",
                "preparation": "chopped",
            },
        ],
        "steps": ["Mix."],
    }
    console = Console(width=100, record=True)
    console.print(recipe_view(result))
    shown = console.export_text()

    assert "1⅔ cups" in shown
    assert "all-purpose flour (200 g)" in shown
    assert "onion, chopped" in shown
    assert "1.6667" not in shown
    assert "Keeps" not in shown  # no ingredient carries keeps: no column, no caption


def test_the_recipe_table_shows_how_long_each_ingredient_keeps() -> None:
    milk = {"entry": 7, "name": "Milk", "category": "Dairy Products & Eggs",
            "pantry_days": None, "fridge_days": [7, 7], "freezer_days": [90, 90],
            "after_opening": None, "tips": None}  # fmt: skip
    result = {
        "title": "Pancakes",
        "ingredients": [
            {"text": "300 ml milk", "quantity": 300.0, "unit": "ml", "name": "milk",
             "keeps": milk},
            {"text": "a pinch of salt", "quantity": None, "unit": "pinch", "name": "salt",
             "keeps": None},
        ],
        "steps": [],
    }  # fmt: skip
    console = Console(width=100, record=True)
    console.print(recipe_view(result))
    shown = " ".join(console.export_text().split())

    assert "fridge 1 week" in shown
    assert "estimates from USDA FoodKeeper" in shown
