"""Storage times for names in English, Polish and Russian: the FoodKeeper entry through
foodscan's taxonomy, and the estimated use-by date."""

# Cyrillic letters are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from foodscan.recognition.enrich.categorise import categorise
from foodscan.recognition.enrich.foodkeeper import load_foodkeeper
from foodscan.recognition.enrich.keeps import Keeper, keeps_for, keeps_of, load_keeper, use_by
from foodscan.recognition.enrich.names import normalize_name
from foodscan.recognition.taxonomy.categories import load_taxonomy


@pytest.fixture(scope="module")
def keeper() -> Keeper:
    return load_keeper(load_taxonomy())


def _entry(name: str, lang: str, keeper: Keeper) -> str | None:
    named = normalize_name(name, lang).name or name
    category = categorise(named, lang, keeper.taxonomy)
    found = keeper.entry_for(named, category, lang)
    return found.id if found else None


@pytest.mark.parametrize(
    ("name", "lang", "entry"),
    [
        ("MLEKO UHT 3,2% 1L", "pl", "644"),  # the cue "uht": shelf-stable milk
        ("Молоко 3,2%", "ru", "27"),  # no cue: the category's default, fresh milk
        ("Semi Skimmed Milk 2L", "en", "27"),
        ("SVININA", "en", None),  # no category: nothing
        ("Beef Steak Mince 500g", "en", "43"),  # the head word (the last in English) decides
        ("СВИНИНА ШЕЙКА ОХЛ.", "ru", "74"),  # animal and cut: pork shoulder
        ("Mięso mielone wieprz.", "pl", "73"),  # till shorthand written out first
        ("Filet z kurczaka", "pl", "117"),
        ("Frozen Garden Peas 1kg", "en", "331"),  # a state word: the frozen vegetables entry
        ("Frozen Margherita Pizza", "en", "571"),  # a cue already chose a frozen entry
        ("Śliwki suszone", "pl", "379"),  # a state found up the tree: plum → fruit, dried
        ("Квас разливной", "ru", None),  # FoodKeeper has no kvass: nothing, not soda
        ("Lager 4x440ml", "en", None),  # nor beer
    ],
)
def test_a_name_gets_the_entry_its_words_pick(
    keeper: Keeper, name: str, lang: str, entry: str | None
) -> None:
    assert _entry(name, lang, keeper) == entry


@pytest.mark.parametrize(
    ("name", "lang"),
    [("Carrier Bag", "en"), ("KAUCJA BUTELKA", "pl"), ("Батарейки АА 4шт", "ru")],
)
def test_non_food_keeps_nothing(keeper: Keeper, name: str, lang: str) -> None:
    assert _entry(name, lang, keeper) is None


def test_keeps_carries_the_entry_in_days(keeper: Keeper) -> None:
    category = keeper.taxonomy.categories["milk"]
    keeps = keeps_for("Mleko UHT", category, "pl", keeper)
    assert keeps is not None
    assert keeps.model_dump() == {
        "entry": "644",
        "name": "Milk (shelf-stable)",
        "category": "Shelf Stable Foods",
        "pantry_days": (180, 360),
        "fridge_days": None,
        "freezer_days": None,
        "after_opening": {"pantry_days": None, "fridge_days": (5, 7)},
        "tips": None,
    }
    assert keeps_for("Mleko UHT", None, "pl", keeper) is None


def test_use_by_takes_the_fridge_when_foodkeeper_gives_it_else_the_pantry() -> None:
    entries = load_foodkeeper()
    chicken, shelf_milk, fresh_milk = (keeps_of(entries[i]) for i in ("117", "644", "27"))
    found = use_by(chicken, "2026-03-14")
    assert found is not None
    assert (found.date, found.kept, found.estimate) == ("2026-03-15", "fridge", True)
    found = use_by(shelf_milk, "2026-03-14")
    assert found is not None
    assert (found.date, found.kept) == ("2026-09-10", "pantry")  # 180 days
    assert use_by(fresh_milk, "2026-03-14") is None  # "Package use-by date": no duration
    assert use_by(chicken, None) is None
    assert use_by(chicken, "2026-02-30") is None


def test_foods_bought_frozen_are_kept_in_the_freezer() -> None:
    pizza = keeps_of(load_foodkeeper()["571"])  # its fridge time is for after cooking
    found = use_by(pizza, "2026-01-01")
    assert found is not None
    assert (found.date, found.kept) == ("2026-12-27", "freezer")  # 360 days
