"""Readable item names: shorthand written out, the size taken out, capitals tidied."""

# Polish and Russian receipt names are the point of this file:
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from foodscan.recognition.enrich.names import name_language, normalize_name


@pytest.mark.parametrize(
    ("printed", "lang", "name", "size"),
    [
        ("MLEKO UHT 3,2% 1L", "pl", "Mleko UHT 3,2%", "1L"),
        ("SZYNKA WĘDZ. 150G", "pl", "Szynka wędzona", "150G"),
        ("TURKEY BRST BNLS 1LB", "en", "Turkey breast boneless", "1LB"),
        ("BBQ SAUCE 18OZ", "en", "BBQ sauce", "18OZ"),
        ("ЯЙЦО С0 10ШТ", "ru", "Яйцо С0", "10ШТ"),
        ("Говядина охл. 1кг", "ru", "Говядина охлаждённая", "1кг"),
        ("FILET Z INDYKA", "pl", "Filet z indyka", None),
        ("Hummus Classic", "en", "Hummus Classic", None),  # mixed case is kept as printed
    ],
)
def test_names_are_normalised(printed: str, lang: str, name: str, size: str | None) -> None:
    found = normalize_name(printed, lang)
    assert found.name == name
    assert (found.size.text if found.size else None) == size


def test_a_name_that_is_only_a_size_has_no_name() -> None:
    found = normalize_name("500G", "pl")
    assert found.name is None
    assert found.size is not None


def test_the_language_comes_from_the_script_then_the_document() -> None:
    assert name_language("МОЛОКО", "pl") == "ru"
    assert name_language("MILK", "pl") == "pl"
    assert name_language("Jabłka", None) == "pl"
    assert name_language("Apples", None) == "en"
