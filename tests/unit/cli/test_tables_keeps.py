"""``foodscan scan`` shows per item where a food is usually kept and for how long, and its
estimated use-by date."""

# An en dash is meant in spans of days, not a hyphen:
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console

from foodscan.cli.tables import items_table, keeps_text


@pytest.mark.parametrize(
    ("keeps", "text"),
    [
        ({"fridge_days": [7, 14], "pantry_days": [1, 2]}, "fridge 1–2 weeks"),
        ({"fridge_days": None, "pantry_days": [14, 18]}, "pantry 14–18 days"),
        ({"fridge_days": None, "pantry_days": [180, 360]}, "pantry 6–12 months"),
        ({"fridge_days": [365, 365]}, "fridge 1 year"),
        ({"pantry_days": [0, 0]}, "pantry under a day"),
        (
            {
                "category": "Food Purchased Frozen",
                "fridge_days": [3, 4],
                "freezer_days": [360, 360],
            },
            "freezer 12 months",
        ),
        ({"fridge_days": None, "pantry_days": None}, ""),
        (None, ""),
    ],
)
def test_keeps_reads_as_a_place_and_a_time(keeps: dict[str, Any] | None, text: str) -> None:
    assert keeps_text(keeps) == text


def test_the_items_table_has_keeps_and_use_by_columns_when_items_carry_them() -> None:
    chicken = {
        "name": "CHICKEN BREAST",
        "quantity": 1,
        "unit": "pcs",
        "total": "4.20",
        "keeps": {"category": "Poultry", "fridge_days": [1, 2], "pantry_days": None},
        "use_by": {"date": "2026-03-15", "kept": "fridge", "estimate": True},
    }
    bag = {"name": "CARRIER BAG", "quantity": 1, "unit": "pcs", "total": "0.10", "keeps": None}
    console = Console(width=160, record=True)
    console.print(items_table([chicken, bag]))
    text = console.export_text()
    assert "Keeps" in text
    assert "Use by" in text
    assert "fridge 1–2 days" in text
    assert "2026-03-15" in text
    assert "estimates from USDA FoodKeeper" in text
    console = Console(width=160, record=True)
    console.print(items_table([bag | {"keeps": None}]))
    assert "Use by" not in console.export_text()
