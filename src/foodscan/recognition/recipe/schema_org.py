"""A saved recipe page's schema.org ``Recipe`` markup (JSON-LD first, then microdata) as a
``RecipeDraft``. ``extruct`` reads the markup; this module only maps its fields.

Pages nest the recipe in ``@graph`` lists, give ``@type`` as a list, write instructions as text,
a list of strings, ``HowToStep`` objects or ``HowToSection`` groups of them, and escape HTML
inside JSON strings; all of these are handled. Returns ``None`` when the page has no recipe.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from typing import Any

from foodscan.recognition.recipe.durations import iso_duration
from foodscan.recognition.recipe.structure import DraftGroup, RecipeDraft

logger = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")
_SYNTAXES = ("json-ld", "microdata")
Json = Any  # Any: JSON-LD values are arbitrary JSON


def _text(value: Json) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | int | float)), None)
    if isinstance(value, dict):
        value = value.get("text") or value.get("name")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = html.unescape(_TAG.sub(" ", html.unescape(str(value))))
    return " ".join(text.split()) or None


def _is_recipe(item: Json) -> bool:
    kind = item.get("@type") if isinstance(item, dict) else None
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] == "Recipe" for k in kinds)


def _walk(item: Json) -> Iterator[dict[str, Json]]:
    """Every object of the markup, depth first (``@graph``, ``mainEntity`` and the like)."""
    if isinstance(item, list):
        for member in item:
            yield from _walk(member)
    elif isinstance(item, dict):
        yield item
        for value in item.values():
            if isinstance(value, list | dict):
                yield from _walk(value)


def _steps(value: Json) -> list[str]:
    if isinstance(value, str):
        parts = re.split(r"\n\s*\n|\n|<br\s*/?>|</p>|</li>", html.unescape(value))
        return [t for t in (_text(p) for p in parts) if t]
    if isinstance(value, list):
        return [step for member in value for step in _steps(member)]
    if isinstance(value, dict):
        if "itemListElement" in value:
            return _steps(value["itemListElement"])
        step = _text(value.get("text") or value.get("name"))
        return [step] if step else []
    return []


def _yields(value: Json) -> str | None:
    options = value if isinstance(value, list) else [value]
    texts = [t for t in (_text(v) for v in options) if t]
    worded = [t for t in texts if re.search(r"\d", t) and re.search(r"[^\d\s]", t)]
    chosen = worded or texts
    return chosen[0] if chosen else None


def _ingredients(value: Json) -> list[str]:
    options = value if isinstance(value, list) else [value]
    return [t for t in (_text(v) for v in options) if t]


def _url(value: Json) -> str | None:
    text = _text(value)
    return text if text and re.match(r"https?://", text) else None


def draft_of(item: dict[str, Json], page_language: str | None) -> RecipeDraft:
    """A schema.org ``Recipe`` object as a draft."""
    ingredients = _ingredients(item.get("recipeIngredient") or item.get("ingredients") or [])
    times = {
        kind: value
        for kind, key in (("prep", "prepTime"), ("cook", "cookTime"), ("total", "totalTime"))
        if (value := iso_duration(item.get(key))) is not None
    }
    return RecipeDraft(
        title=_text(item.get("name") or item.get("headline")),
        yields=_yields(item.get("recipeYield") or item.get("yield")),
        groups=(DraftGroup(None, tuple(ingredients)),) if ingredients else (),
        steps=tuple(_steps(item.get("recipeInstructions"))),
        times=times,
        language=_text(item.get("inLanguage")) or page_language,
        url=_url(item.get("url")) or _url(item.get("mainEntityOfPage")),
    )


def find_recipe(page: str, page_language: str | None = None) -> tuple[str, RecipeDraft] | None:
    """The first recipe in the page's markup, with the syntax it came from; ``None`` if none."""
    import extruct  # noqa: PLC0415 - deferred: rdflib and friends are slow to import

    try:
        found = extruct.extract(page, syntaxes=list(_SYNTAXES), uniform=True, errors="log")
    except (ValueError, TypeError) as exc:  # extruct re-raises what a broken page makes lxml say
        logger.info("the page's structured data could not be read: %s", exc)
        return None
    for syntax in _SYNTAXES:
        for item in _walk(found.get(syntax) or []):
            if _is_recipe(item):
                draft = draft_of(item, page_language)
                if draft.ingredients or draft.steps:
                    return syntax, draft
    return None
