"""Receipt shorthand written out, per language, keeping the name's case and grammar."""

from __future__ import annotations

import pytest

from foodscan.recognition.enrich.abbreviations import expand, gender, lookup


@pytest.mark.parametrize(
    ("name", "lang", "expected"),
    [
        ("TURKEY BRST BNLS", "en", "TURKEY BREAST BONELESS"),
        ("Org Frzn Peas", "en", "Organic Frozen Peas"),
        ("CHOC CHIP COOKIES", "en", "CHOCOLATE CHIP COOKIES"),
        ("Szynka wędz. plast.", "pl", "Szynka wędzona plastry"),
        ("Boczek wędz.", "pl", "Boczek wędzony"),
        ("Udziec b/k", "pl", "Udziec bez kości"),
        ("Говядина охл.", "ru", "Говядина охлаждённая"),
        ("Филе охл.", "ru", "Филе охлаждённое"),
        ("Пельмени зам.", "ru", "Пельмени замороженные"),
        ("Сыр ТВЁРДЫЙ нарез.", "ru", "Сыр ТВЁРДЫЙ нарезанный"),
    ],
)
def test_abbreviations_are_written_out_and_agree_with_the_first_word(
    name: str, lang: str, expected: str
) -> None:
    assert " ".join(expand(name.split(), lang)) == expected


def test_a_dotted_key_needs_its_dot_and_a_plain_key_takes_either() -> None:
    assert lookup("gaz.", "pl") is not None
    assert lookup("gaz", "pl") is None  # "gaz" is a word (gas), not shorthand
    assert lookup("BNLS", "en") == lookup("bnls.", "en") == "boneless"


def test_packaging_words_are_dropped_and_unknown_words_kept() -> None:
    assert expand(["ROMA", "TOMATOES", "PKG"], "en") == ["ROMA", "TOMATOES"]
    assert expand(["Ligol", "luz"], "pl") == ["Ligol", "luz"]


def test_a_token_glued_to_the_next_word_by_its_dot_is_split() -> None:
    assert expand(["НАПИТОК", "ГАЗ.КОЛА"], "ru") == ["НАПИТОК", "ГАЗИРОВАННЫЙ", "КОЛА"]


def test_each_language_reads_only_its_own_shorthand() -> None:
    assert expand(["Mleko", "past."], "pl") == ["Mleko", "pasteryzowane"]
    assert expand(["Mleko", "past."], "en") == ["Mleko", "past."]


@pytest.mark.parametrize(
    ("word", "lang", "form"),
    [("kiełbasa", "pl", 1), ("mięso", "pl", 2), ("ogórki", "pl", 3), ("ser", "pl", 0),
     ("свинина", "ru", 1), ("филе", "ru", 2), ("бананы", "ru", 3), ("сыр", "ru", 0)],
)  # fmt: skip
def test_gender_is_read_from_the_ending(word: str, lang: str, form: int) -> None:
    assert gender(word, lang) == form
