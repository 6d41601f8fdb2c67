"""The food taxonomy: the shipped file's shape, and matching text to categories and brands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foodscan.recognition.taxonomy.categories import load_taxonomy
from foodscan.recognition.taxonomy.terms import normalize, within


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def test_every_category_has_english_polish_and_russian_names(taxonomy) -> None:
    for category in taxonomy.categories.values():
        assert {"en", "pl", "ru"} <= set(category.names), category.id


def test_every_brand_sells_known_categories(taxonomy) -> None:
    for brand in taxonomy.brands.values():
        assert set(brand.categories) <= set(taxonomy.categories), brand.name


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("MLEKO UHT 3,2% 1L", "milk"),
        ("Молоко пастеризованное", "milk"),
        ("Arla Mellanmjölk", "milk"),
        ("MELLANMIOLK", "milk"),  # an OCR slip in a compound
        ("Filmjölk", "sour_milk"),
        ("Kefir naturalny", "sour_milk"),
        ("GRÄDDFIL", "sour_cream"),
        ("Śmietana 18%", "sour_cream"),
        ("Havredryck", "oat_milk"),
        ("Sojadryck original", "soy_milk"),
        ("Apelsinjuice", "juice"),
        ("Sok pomarańczowy", "juice"),
        ("Chleb żytni", "bread"),
        ("Ser żółty gouda", "cheese"),
        ("Jabłka Ligol", "apple"),
        ("Бананы", "banana"),
        ("YOGHURT NATURELL", "yoghurt"),
    ],
)
def test_names_find_their_category(taxonomy, text: str, category: str) -> None:
    found = taxonomy.classify(text)
    assert found is not None
    assert found.id == category


def test_text_without_food_words_has_no_category(taxonomy) -> None:
    assert taxonomy.classify("VAT 23% total 12.50") is None


def test_a_brand_split_over_lines_is_found(taxonomy) -> None:
    hits = taxonomy.brands_in([("GOD", 1.0), ("MOR", 1.0), ("GON", 1.0), ("apple", 0.5)])
    assert hits[0].id == "God Morgon"


def test_a_misread_brand_is_found_and_short_brands_must_be_exact(taxonomy) -> None:
    assert taxonomy.brands_in([("wopicana", 1.0)])[0].id == "Tropicana"
    assert taxonomy.brands_in([("Karlavägen", 1.0)]) == []


def test_the_brand_turns_fruit_words_into_flavours(taxonomy) -> None:
    lines = [("BRAVO", 1.0), ("Apple", 0.6)]
    brand = taxonomy.brands[taxonomy.brands_in(lines)[0].id]
    assert taxonomy.categories_in(lines, brand)[0].id == "juice"
    assert taxonomy.categories_in(lines)[0].id == "apple"


def test_large_print_outweighs_small_print(taxonomy) -> None:
    lines = [("YOGHURT", 1.0), ("mjölk", 0.2)]
    assert taxonomy.categories_in(lines)[0].id == "yoghurt"


def test_ancestors_run_up_the_tree(taxonomy) -> None:
    assert taxonomy.ancestors("oat_milk") == ("oat_milk", "plant_based")


def test_matching_ignores_case_and_diacritics() -> None:
    assert normalize("ŁACIATE Mjölk Ёж") == "laciate mjolk еж"
    assert within("tropicana", "wopicana", 2)
    assert not within("tropicana", "tropic", 2)


def test_a_taxonomy_file_with_an_unknown_parent_is_refused(tmp_path: Path) -> None:
    data = {"categories": [{"id": "x", "parent": "nope", "names": {"en": "X"}}], "brands": []}
    path = tmp_path / "tax.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown parent"):
        load_taxonomy(path)


def test_pack_text_meets_keywords_in_their_other_forms(taxonomy) -> None:
    assert taxonomy.categories_in([("Jogurty naturalne", 1.0)])[0].id == "yoghurt"
    assert taxonomy.categories_in([("Огурцов маринованных", 1.0)])[0].id == "cucumber"


def test_hits_say_which_words_a_keyword_covers(taxonomy) -> None:
    hit = next(h for h in taxonomy.hits("Greek style yogurt") if h.keyword == "greek style")
    assert (hit.category, hit.start, hit.end, hit.words) == ("yoghurt", 0, 1, 2)


def test_a_modifier_yields_to_a_noun_on_a_pack_too(taxonomy) -> None:
    assert taxonomy.categories_in([("Яйцо куриное", 1.0)])[0].id == "eggs"


def test_every_category_id_names_its_own_category(taxonomy) -> None:
    for category_id in taxonomy.categories:
        found = taxonomy.classify(category_id.replace("_", " "), "en")
        assert found is not None
        assert found.id == category_id
