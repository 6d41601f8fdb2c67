"""A brand the taxonomy does not know is taken from the largest print, only when it stands out."""

from __future__ import annotations

from foodscan.recognition.products.match import describe
from foodscan.recognition.taxonomy.categories import load_taxonomy


def test_an_unknown_brand_in_the_largest_print_names_the_product() -> None:
    lines = [("NORDGAARD", 1.0), ("Oat milk barista", 0.55), ("1 L", 0.4)]
    found = describe(lines, [], [0], load_taxonomy())
    assert found.brand == "Nordgaard"
    assert found.name == "Nordgaard Oat milk barista"
    assert found.category == "oat_milk"


def test_a_known_brand_wins_over_the_largest_print() -> None:
    lines = [("Mild & creamy", 1.0), ("alpro", 0.6), ("Soya drink", 0.5)]
    assert describe(lines, [], [0], load_taxonomy()).brand == "Alpro"


def test_the_largest_print_is_no_brand_when_it_names_a_category_or_does_not_stand_out() -> None:
    taxonomy = load_taxonomy()
    assert describe([("Orange juice", 1.0), ("Havbris", 0.5)], [], [0], taxonomy).brand is None
    assert describe([("Havbris", 1.0), ("Goldvale", 0.9)], [], [0], taxonomy).brand is None
    assert describe([("Havbris 500 g", 1.0), ("Tea", 0.5)], [], [0], taxonomy).brand is None
