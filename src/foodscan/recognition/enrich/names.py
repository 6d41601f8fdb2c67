"""A receipt item's readable name: shorthand written out, the size taken out, capitals tidied.

``normalize_name("MLEKO UHT 3,2% 1L", "pl")`` → ``Mleko UHT 3,2%`` and the size 1 l. A name
printed in capitals is written in sentence case, keeping what reads as an acronym or a code
(``UHT``, ``BIO``, ``BBQ``, ``XL``, ``C1``, ``80/20``, ``3,2%``); a name printed in mixed case
keeps its case. Abbreviations are written out per language (``abbreviations``), sizes read by
``sizes``. Pure functions; no I/O beyond the abbreviation table's one read.
"""

# Cyrillic letters are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import re
from dataclasses import dataclass

from foodscan.recognition.enrich.abbreviations import expand
from foodscan.recognition.enrich.sizes import find_size, without
from foodscan.recognition.quantity import Quantity

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_POLISH = re.compile(r"[ąćęłńśźż]", re.IGNORECASE)
_VOWELS = frozenset("aeiouyąęóаеёиоуыэюя")
_SMALL_WORDS = frozenset("aiouwzсвкиуоая")  # one-letter prepositions and conjunctions
_MAX_ACRONYM = 4
# Acronyms with a vowel, common on food labels (vowel-less ones such as BBQ need no list).
_ACRONYMS = frozenset({"uht", "esl", "bio", "eko", "eco", "usa", "uk", "eu", "ipa", "pet"})
_EDGES = " ,;:-/*+."


@dataclass(frozen=True, slots=True)
class ItemName:
    """A normalised name (``None`` when nothing but a size was printed) and its size."""

    name: str | None
    size: Quantity | None


def name_language(text: str, lang: str | None) -> str:
    """The language to read ``text`` in: Russian for Cyrillic, else ``lang`` (en, pl, ru),
    else Polish when it has Polish letters, else English."""
    if _CYRILLIC.search(text):
        return "ru"
    if lang in ("en", "pl"):
        return lang
    return "pl" if _POLISH.search(text) else "en"


def _shouted(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def _acronym(token: str) -> bool:
    if any(ch.isdigit() for ch in token):
        return True
    letters = [ch for ch in token.casefold() if ch.isalpha()]
    if "".join(letters) in _ACRONYMS:
        return True
    if not letters or len(letters) > _MAX_ACRONYM:
        return False
    if len(letters) == 1:
        return letters[0] not in _SMALL_WORDS
    return not any(ch in _VOWELS for ch in letters)


def _sentence_case(tokens: list[str]) -> list[str]:
    out = [token if _acronym(token) else token.lower() for token in tokens]
    for index, token in enumerate(out):
        if any(ch.isalpha() for ch in token):
            if not _acronym(token):
                at = next(i for i, ch in enumerate(token) if ch.isalpha())
                out[index] = token[:at] + token[at].upper() + token[at + 1 :]
            break
    return out


def normalize_name(text: str, lang: str | None = None) -> ItemName:
    """The readable name and the size of one receipt item's printed ``text``."""
    language = name_language(text, lang)
    size = find_size(text)
    tokens = expand(without(text, size).split(), language)
    if _shouted(text):
        tokens = _sentence_case(tokens)
    name = " ".join(tokens).strip(_EDGES)
    return ItemName(name or None, size.quantity if size else None)
