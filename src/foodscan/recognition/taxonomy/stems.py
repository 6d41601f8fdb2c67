"""Word stems for matching food names across inflections: English, Polish and Russian.

``stem(word, lang)`` cuts the inflection off a word that ``taxonomy.normalize`` has already
folded (lower case, no diacritics: ``ogórków`` → ``ogorkow``, ``й`` → ``и``), so that the
forms of one word meet: ``ogorek``, ``ogorki``, ``ogorkow`` → ``ogork``; ``огурец``,
``огурцы`` → ``огурц``; ``tomatoes`` → ``tomato``. It is a light suffix stripper, not a
dictionary: it keeps at least three letters, drops a fleeting vowel (``-ek``/``-ec``, ``-ier``,
``-ew``) and is meant for comparing a keyword with a word, both stemmed the same way — never for
showing. Pure functions; no I/O.
"""

# Cyrillic endings are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

_MIN_STEM = 3
_VOWELS = frozenset("aeiouyаеиоуыэюя")

# Longest first within each list (the first that fits wins). Folded: ą → a, ę → e, ó → o,
# ł → l; й → и, ё → е.
_POLISH = (
    "owymi", "owych", "owego", "owemu", "iami", "iach", "owej", "owym",
    "ymi", "imi", "ych", "ich", "ego", "emu", "iej", "ami", "ach", "iem", "owa", "owe", "owy",
    "owi", "ow", "om", "ej", "ym", "im", "em", "ie", "ia", "iu", "io",
    "a", "e", "i", "o", "u", "y",
)  # fmt: skip
_RUSSIAN = (
    "иями", "ями", "ами", "иях", "ого", "его", "ому", "ему", "ыми", "ими",
    "ых", "их", "ыи", "ии", "ои", "ая", "яя", "ое", "ее", "ые", "ие", "ую", "юю", "ов", "ев",
    "ах", "ях", "ам", "ям", "ом", "ем", "еи", "ью", "ья", "ье", "ьи",
    "а", "я", "ы", "и", "у", "ю", "е", "о", "ь",
)  # fmt: skip
LANGUAGES = ("en", "pl", "ru")


def _strip(word: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def _fleeting(stem: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """``ogorek`` → ``ogork``: a vowel that comes and goes between the last consonants."""
    for ending, kept in pairs:
        if (
            stem.endswith(ending)
            and len(stem) - len(ending) >= _MIN_STEM - 1
            and stem[-len(ending) - 1] not in _VOWELS
        ):
            return stem[: -len(ending)] + kept
    return stem


def _english(word: str) -> str:
    if len(word) <= _MIN_STEM + 1:
        return word
    for ending, kept in (("ies", "y"), ("oes", "o"), ("sses", "ss")):
        if word.endswith(ending):
            return word[: -len(ending)] + kept
    for ending in ("ches", "shes", "xes"):
        if word.endswith(ending):
            return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stem(word: str, lang: str) -> str:
    """The stem of a folded ``word`` in ``lang`` (``en``, ``pl``, ``ru``; else the word)."""
    if lang == "en":
        return _english(word)
    if lang == "pl":
        return _fleeting(_strip(word, _POLISH), (("ek", "k"), ("ier", "r"), ("ew", "w")))
    if lang == "ru":
        return _fleeting(_strip(word, _RUSSIAN), (("ец", "ц"),))
    return word


def script_fits(word: str, lang: str) -> bool:
    """Whether ``word`` is written in the script of ``lang`` (Cyrillic for ``ru``)."""
    cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in word)
    return cyrillic == (lang == "ru")
