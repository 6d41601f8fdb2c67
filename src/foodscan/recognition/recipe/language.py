"""Which language a recipe is written in: ``en``, ``pl`` or ``ru``, from its letters and words.

Cyrillic letters mean Russian; Polish diacritics or common Polish recipe words mean Polish;
anything else is read as English. A page's own language tag (``inLanguage``, ``<html lang>``)
is preferred by the caller when there is one; this is the fallback and the parser's switch.
"""

# ruff: noqa: RUF001 - Polish and Russian words are the point of this module

from __future__ import annotations

import re

LANGS = ("en", "pl", "ru")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-ząćęłńóśźż]", re.IGNORECASE)
_POLISH_LETTERS = re.compile(r"[ąćęłńśźż]", re.IGNORECASE)
_POLISH_WORDS = re.compile(
    r"\b(?:składniki|przygotowanie|łyżk\w*|łyżeczk\w*|szklank\w*|szczypt\w*|sól|cukier|mąk\w*"
    r"|porcje|oraz|lub|dodać|wymieszać|pokroić)\b",
    re.IGNORECASE,
)


def detect_language(text: str) -> str:
    """``ru``, ``pl`` or ``en`` for ``text`` (a line or a whole recipe)."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic and cyrillic >= 0.3 * (cyrillic + latin):
        return "ru"
    polish = len(_POLISH_LETTERS.findall(text)) + 3 * len(_POLISH_WORDS.findall(text))
    if polish >= max(1.0, 0.005 * latin):
        return "pl"
    return "en"


def language_of_tag(tag: str | None) -> str | None:
    """``en``, ``pl`` or ``ru`` from a tag such as ``pl-PL`` or ``ru_RU``; ``None`` otherwise."""
    head = re.split(r"[-_]", (tag or "").strip().lower())[0]
    return head if head in LANGS else None
