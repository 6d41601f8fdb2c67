"""Durations as ISO 8601, from a page's own values or from words in three languages; the
language of a recipe from its letters and words."""

from __future__ import annotations

import pytest

from foodscan.recognition.recipe.durations import iso_duration
from foodscan.recognition.recipe.language import detect_language, language_of_tag


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("PT0H15M", "PT15M"),
        ("P0DT1H30M", "PT1H30M"),
        ("PT90M", "PT1H30M"),
        ("pt45m", "PT45M"),
        ("1 hour 30 mins", "PT1H30M"),
        ("1 hr 5 min", "PT1H5M"),
        ("45 minutes", "PT45M"),
        ("1,5 godziny", "PT1H30M"),
        ("30 minut", "PT30M"),
        ("1 час 20 минут", "PT1H20M"),
        ("40 мин", "PT40M"),
        (20, "PT20M"),
        ("PT", None),
        ("soon", None),
        (None, None),
        (True, None),
    ],
)
def test_durations_become_iso_8601(value: object, iso: str | None) -> None:
    assert iso_duration(value) == iso


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("2 cups flour and a pinch of salt", "en"),
        ("2 łyżki mąki i szczypta soli", "pl"),
        ("Dodać cukier oraz mleko", "pl"),
        ("2 ст. л. муки и щепотка соли", "ru"),
    ],
)
def test_language_from_the_text(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_language_from_a_tag() -> None:
    assert [language_of_tag(t) for t in ("pl-PL", "ru_RU", "EN", "de", None)] == [
        "pl",
        "ru",
        "en",
        None,
        None,
    ]
