"""Receipt abbreviations and what they stand for, in English, Polish and Russian.

Tills cut item names to their line width, so receipts print shorthand: ``BNLS`` (boneless),
``wieprz.`` (wieprzowy), ``охл.`` (охлаждённый). The table is ``receipt_abbreviations.json``
beside this module (read once, on first use): a key ending in ``.`` is read
only with its dot (``gaz.``, never the word ``gaz``), one without with or without it; a value
``a|b|c|d`` is an adjective whose masculine, feminine, neuter or plural form agrees with the
name's first word (its gender read from its ending: ``Свинина … охл.`` → ``охлаждённая``); an
empty value drops the token. ``expand`` rewrites the words of one name, keeping their case.
"""

# Cyrillic endings are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources

# A token glued to the next word by its dot ("ГАЗ.КОЛА") is two tokens.
_GLUED = re.compile(r"(?<=\.)(?=[^\W\d_]{2})")
_TRAILING = ",;:"
_FEMININE = {"pl": ("a",), "ru": ("а", "я")}
_NEUTER = {"pl": ("o", "e", "ę", "um"), "ru": ("о", "е", "ё")}
_PLURAL = {"pl": ("y", "i"), "ru": ("ы", "и")}


@cache
def _table() -> dict[str, dict[str, str]]:
    text = resources.files("foodscan.recognition.enrich").joinpath("receipt_abbreviations.json")
    data = json.loads(text.read_text(encoding="utf-8"))
    return {lang: dict(entries) for lang, entries in data.items() if isinstance(entries, dict)}


def lookup(token: str, lang: str) -> str | None:
    """What ``token`` (one word as printed) stands for in ``lang``, or ``None``; ``""`` when
    it is a packaging word to drop. Adjectives come as ``m|f|n|pl`` forms."""
    table = _table().get(lang, {})
    key = token.casefold()
    if key in table:
        return table[key]
    if key.endswith(".") and key[:-1] in table:
        return table[key[:-1]]
    return None


def gender(word: str, lang: str) -> int:
    """The grammatical gender of a Polish or Russian noun from its ending: 0 masculine,
    1 feminine, 2 neuter, 3 plural (a guess: ``морковь`` reads as masculine)."""
    word = word.casefold()
    for index, endings in ((3, _PLURAL), (1, _FEMININE), (2, _NEUTER)):
        if word.endswith(endings.get(lang, ())):
            return index
    return 0


def _cased(expansion: str, token: str) -> str:
    letters = [ch for ch in token if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters) and len(letters) > 1:
        return expansion.upper()
    if letters and letters[0].isupper():
        return expansion[:1].upper() + expansion[1:]
    return expansion


def _head(tokens: Sequence[str], lang: str) -> str:
    for token in tokens:
        if sum(ch.isalpha() for ch in token) >= 2 and lookup(token, lang) is None:
            return token.strip(_TRAILING + ".")
    return ""


def expand(tokens: Sequence[str], lang: str) -> list[str]:
    """``tokens`` (a name's words as printed) with every known abbreviation written out."""
    split = [part for token in tokens for part in _GLUED.split(token) if part]
    head = _head(split, lang)
    out = []
    for token in split:
        core = token.rstrip(_TRAILING)
        meaning = lookup(core, lang)
        if meaning is None:
            out.append(token)
            continue
        if not meaning:
            continue
        forms = meaning.split("|")
        chosen = forms[gender(head, lang)] if len(forms) == 4 else forms[0]
        out.append(_cased(chosen, core) + token[len(core) :])
    return out
