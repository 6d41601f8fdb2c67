"""Stems that let the forms of one word meet: English plurals, Polish and Russian endings."""

from __future__ import annotations

import pytest

from foodscan.recognition.taxonomy.stems import script_fits, stem
from foodscan.recognition.taxonomy.terms import normalize


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("en", ["tomato", "tomatoes"]),
        ("en", ["berry", "berries"]),
        ("pl", ["ogórek", "ogórki", "ogórków"]),
        ("pl", ["jabłko", "jabłka", "jabłek"]),
        ("pl", ["cukier", "cukru"]),
        ("pl", ["śmietana", "śmietany", "śmietaną"]),
        ("ru", ["огурец", "огурцы", "огурцов"]),
        ("ru", ["молочный", "молочные", "молочного"]),
        ("ru", ["морковь", "моркови"]),
    ],
)
def test_forms_of_a_word_share_a_stem(lang: str, forms: list[str]) -> None:
    assert len({stem(normalize(form), lang) for form in forms}) == 1


def test_stems_keep_three_letters_and_other_languages_are_untouched() -> None:
    assert stem("ser", "pl") == "ser"
    assert stem(normalize("чая"), "ru") == "чая"
    assert stem("mjolken", "sv") == "mjolken"


def test_a_stem_is_only_taken_in_its_script() -> None:
    assert script_fits("молоко", "ru")
    assert not script_fits("mleko", "ru")
    assert script_fits("mleko", "pl")
