"""FoodKeeper's display strings read as days, and the shipped table built from its export."""

from __future__ import annotations

from typing import Any

import pytest

from foodscan.recognition.enrich.foodkeeper import compact, load_foodkeeper, parse_days


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1 - 2 Weeks", (7, 14)),
        ("3-4 Days", (3, 4)),
        ("1 Day", (1, 1)),
        ("6 Months", (180, 180)),  # a month is 30 days
        ("1 - 2 Years", (365, 730)),
        ("2 Hours", (0, 0)),  # under a day
        ("1 Yea", (365, 365)),  # the export's cut "1 Year"
        ("  10 - 12 months ", (300, 360)),
    ],
)
def test_durations_become_days(text: str, days: tuple[int, int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "Not Recommended",
        "When Ripe",
        "Package use-by date",
        "Indefinitely",
        "2 Fortnights",
        "4 - 2 Weeks",  # a range that runs backwards is no duration either
        "1 - 2 Weeks after opening",
    ],
)
def test_strings_that_are_not_durations_become_none(text: str | None) -> None:
    assert parse_days(text) is None


def _export(**fields: Any) -> dict[str, Any]:
    product = {"id": "7", "category_id": "2", "name": " Bananas ", "name_subtitle": None} | fields
    return {
        "category_data": [{"category_ids": ["1", "2"], "category_name": "Produce"}],
        "product_data": [product],
    }


def test_a_place_counts_from_purchase_where_foodkeeper_says_so() -> None:
    export = _export(
        refrigerate_output_display_only="3 Days",
        from_date_of_purchase_refrigerate_output_display_only="1 Week",
        pantry_after_opening_output_display_only="2 Days",
    )
    (entry,) = compact(export)["entries"]
    assert entry["name"] == "Bananas"
    assert entry["category"] == "Produce"
    assert entry["fridge"] == [7, 7]
    assert (entry["pantry"], entry["freezer"]) == (None, None)
    assert (entry["pantry_opened"], entry["fridge_opened"]) == ([2, 2], None)
    assert entry["tips"] is None


def test_what_is_no_duration_is_kept_in_the_tips() -> None:
    export = _export(
        name_subtitle="ripe",
        pantry_output_display_only="When Ripe",
        pantry_tips="Ripe is when it is tender",
        freeze_output_display_only="Not Recommended",
        refrigerate_after_opening_output_display_only="Package use-by date",
    )
    (entry,) = compact(export)["entries"]
    assert entry["name"] == "Bananas (ripe)"
    assert entry["pantry"] is None
    assert entry["tips"] == (
        "Pantry: When ripe. Ripe is when it is tender. Freezer: Not recommended. "
        "Fridge after opening: package use-by date."
    )


def test_the_shipped_table_holds_every_foodkeeper_food() -> None:
    entries = load_foodkeeper()
    assert len(entries) == 661
    milk = entries["644"]
    assert (milk.name, milk.category) == ("Milk (shelf-stable)", "Shelf Stable Foods")
    assert (milk.pantry, milk.fridge_opened) == ((180, 360), (5, 7))
    assert len({entry.category for entry in entries.values()}) == 14
