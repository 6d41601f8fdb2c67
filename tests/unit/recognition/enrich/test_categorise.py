"""Food categories of names in English, Polish and Russian, from the one taxonomy file."""

from __future__ import annotations

import pytest

from foodscan.recognition.enrich.categorise import categorise, category_name
from foodscan.recognition.taxonomy.categories import Taxonomy, load_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def _id(name: str, lang: str | None, taxonomy: Taxonomy) -> str | None:
    found = categorise(name, lang, taxonomy)
    return found.id if found else None


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Semi skimmed milk", "milk"),
        ("Pasta sauce", "sauce"),  # the head word is the last
        ("Peanut butter", "nuts"),  # a two-word keyword beats one word
        ("Apple juice", "juice"),  # a fruit beside a product word is its flavour
        ("Chicken stock", "broth"),
        ("Chocolate milk", "milk"),
        ("Milk chocolate", "sweets"),
        ("Red peppers", "pepper"),  # "pepper" alone is the spice
        ("Black pepper", "spices"),
        ("tomatoes", "tomato"),
    ],
)
def test_english_names(taxonomy: Taxonomy, name: str, category: str) -> None:
    assert _id(name, "en", taxonomy) == category


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Kawa mielona", "coffee"),  # the head word is the first; "mielone" only a modifier
        ("świeżych ogórków", "cucumber"),  # inflected forms meet the keyword by its stem
        ("soku z cytryny", "juice"),
        ("Drożdżówka z serem", "pastry"),
        ("Napój cola", "soft_drink"),  # "napój" gives way to its subcategory
        ("Sałata masłowa", "cabbage"),  # the head noun is no flavour
        ("Kasza gryczana", "groats"),
    ],
)
def test_polish_names(taxonomy: Taxonomy, name: str, category: str) -> None:
    assert _id(name, "pl", taxonomy) == category


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Яйцо куриное", "eggs"),  # "куриное" is a modifier beside a noun
        ("Филе куриное", "poultry"),  # …and names the category when alone
        ("Шоколад молочный", "sweets"),
        ("сливочного масла", "butter"),
        ("Огурцы среднеплодные", "cucumber"),
        ("Яблочный сок", "juice"),
        ("Гречка ядрица", "groats"),
    ],
)
def test_russian_names(taxonomy: Taxonomy, name: str, category: str) -> None:
    assert _id(name, "ru", taxonomy) == category


def test_a_slip_counts_less_than_a_plain_word(taxonomy: Taxonomy) -> None:
    assert _id("Cooked ham slices", "en", taxonomy) == "processed_meat"  # not "spices"


def test_a_keyword_of_the_names_language_beats_a_foreign_one(taxonomy: Taxonomy) -> None:
    assert _id("smoked paprika", "en", taxonomy) == "spices"  # Swedish paprika: bell pepper
    assert _id("Papryka czerwona", "pl", taxonomy) == "pepper"


def test_a_known_brand_names_the_category_when_no_word_does(taxonomy: Taxonomy) -> None:
    assert _id("Tropicana", "en", taxonomy) == "juice"


def test_names_without_food_have_no_category(taxonomy: Taxonomy) -> None:
    assert categorise("VAT 23% total", "en", taxonomy) is None
    assert categorise("", "en", taxonomy) is None
    assert categorise(None, "pl", taxonomy) is None


def test_the_category_name_is_english(taxonomy: Taxonomy) -> None:
    assert category_name(categorise("Mleko", "pl", taxonomy)) == "Milk"
    assert category_name(None) is None
