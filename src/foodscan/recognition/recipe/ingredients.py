"""Ingredient lines into quantity, unit, name, preparation and comment.

English lines go to ``ingredient-parser-nlp`` (a CRF model in its wheel). It tags words with
NLTK's perceptron tagger, whose data it would download on first use; foodscan ships that data
(``foodscan/data/nltk_data``) and points ``nltk.data.path`` at it before the library is first
imported, and refuses to import it when the data is missing, so nothing is ever downloaded.
The import is deferred to the first English line (importing this module loads nothing).
Polish and Russian lines use our grammar (``ingredients_local``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from foodscan.errors import PermanentError
from foodscan.recognition.recipe.ingredients_local import parse_local
from foodscan.recognition.recipe.model import Ingredient
from foodscan.recognition.recipe.units import canonical_unit

logger = logging.getLogger(__name__)

NLTK_DATA = Path(__file__).resolve().parents[2] / "data" / "nltk_data"
TAGGER = "taggers/averaged_perceptron_tagger_eng"
TAGGER_FILES = tuple(
    f"averaged_perceptron_tagger_eng.{part}.json" for part in ("classes", "tagdict", "weights")
)
# ingredient_parser has no stubs; the parse function and its result are only read here.
_parse_en: Callable[..., Any] | None = None
_LOCK = threading.Lock()
# Fractions in words, which the model reads as a number and a name ("one third" → 1, "third").
_WORD_FRACTIONS = (
    (re.compile(r"\b(?:one|a) half\b", re.IGNORECASE), "1/2"),
    (re.compile(r"\b(?:one|a) third\b", re.IGNORECASE), "1/3"),
    (re.compile(r"\btwo thirds\b", re.IGNORECASE), "2/3"),
    (re.compile(r"\b(?:one|a) quarter\b", re.IGNORECASE), "1/4"),
    (re.compile(r"\bthree quarters\b", re.IGNORECASE), "3/4"),
)


def use_bundled_nltk_data() -> None:
    """Put the shipped NLTK data first on ``nltk.data.path``; fail if any tagger file is gone."""
    import nltk.data  # noqa: PLC0415 - deferred: NLTK is slow to import

    path = str(NLTK_DATA)
    if path not in nltk.data.path:
        nltk.data.path.insert(0, path)
    for name in TAGGER_FILES:
        if not (NLTK_DATA / TAGGER / name).is_file():
            raise PermanentError(f"the bundled NLTK data is incomplete: {TAGGER}/{name} is missing")


def _english() -> Callable[..., Any]:
    global _parse_en  # noqa: PLW0603 - the library is imported once, on first use
    with _LOCK:
        if _parse_en is None:
            use_bundled_nltk_data()
            from ingredient_parser import parse_ingredient  # noqa: PLC0415

            _parse_en = parse_ingredient
        return _parse_en


def _number(value: object) -> float | None:
    if isinstance(value, Fraction | int | float) and not isinstance(value, bool):
        return round(float(value), 4)
    return None


def _first_amount(amounts: list[Any]) -> Any:  # Any: ingredient_parser's amount classes
    for found in amounts:
        inner = getattr(found, "amounts", None)  # CompositeIngredientAmount ("1lb 2oz")
        candidate = inner[0] if inner else found
        if _number(getattr(candidate, "quantity", None)) is not None or candidate.unit:
            return candidate
    return None


def _text(part: Any) -> str | None:  # Any: an ingredient_parser IngredientText or None
    return str(part.text).strip() or None if part is not None else None


def parse_english(line: str) -> Ingredient:
    """One English ingredient line, by ingredient-parser-nlp."""
    parse = _english()
    sentence = line
    for pattern, fraction in _WORD_FRACTIONS:
        sentence = pattern.sub(fraction, sentence)
    with _LOCK:  # the library keeps module-level state; one sentence at a time
        parsed = parse(sentence, separate_names=False)
    amounts = list(parsed.amount)
    first = _first_amount(amounts)
    # "1⅔ cups flour (200g)": the amount in other units is kept as a comment, as written.
    others = [
        str(a.text)
        for a in amounts
        if a is not first and first not in getattr(a, "amounts", ()) and getattr(a, "text", None)
    ]
    names = [n.text for n in parsed.name]
    quantity = _number(first.quantity) if first is not None else None
    high = _number(first.quantity_max) if first is not None and first.RANGE else None
    comment = [*others]
    comment += [t for t in (_text(parsed.size), _text(parsed.comment), _text(parsed.purpose)) if t]
    confidences = [n.confidence for n in parsed.name]
    confidences += [first.confidence] if first is not None else []
    return Ingredient(
        text=line,
        quantity=quantity,
        quantity_max=high if high != quantity else None,
        unit=canonical_unit(str(first.unit)) if first is not None and first.unit else None,
        name=" or ".join(names) or None,
        preparation=_text(parsed.preparation),
        comment=", ".join(comment) or None,
        confidence=round(min(confidences), 4) if confidences else 0.3,
    )


def parse_line(line: str, language: str) -> Ingredient:
    """One ingredient line in ``language`` (``en``, ``pl`` or ``ru``)."""
    if language == "en":
        return parse_english(line)
    local = parse_local(line)
    return Ingredient(
        text=line,
        quantity=_number(local.quantity),
        quantity_max=_number(local.quantity_max),
        unit=local.unit,
        name=local.name,
        preparation=local.preparation,
        comment=local.comment,
        confidence=local.confidence,
    )
