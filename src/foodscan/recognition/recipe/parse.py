"""From a ``RecipeDraft`` to the ``RecipeParse`` a job returns: the language decided, servings
read from the yields, every ingredient line parsed in its language.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from foodscan.recognition.recipe.ingredients import parse_line
from foodscan.recognition.recipe.language import detect_language, language_of_tag
from foodscan.recognition.recipe.model import (
    Ingredient,
    IngredientGroup,
    RecipeParse,
    RecipeSource,
    Times,
)
from foodscan.recognition.recipe.structure import RecipeDraft

_FIRST_NUMBER = re.compile(r"\d+")
LineParser = Callable[[str, str], Ingredient]


def servings_of(yields: str | None) -> int | None:
    """The first whole number of ``yields`` ("4 servings", "Serves 4-6" → 4)."""
    found = _FIRST_NUMBER.search(yields or "")
    return int(found.group(0)) if found else None


def language_of(draft: RecipeDraft, hint: str | None = None) -> str:
    """The job's hint; else Polish or Russian when the text plainly is (pages often carry a
    wrong ``lang``); else the page's tag; else English."""
    if (lang := language_of_tag(hint)) is not None:
        return lang
    sample = " ".join([draft.title or "", *draft.ingredients, *draft.steps[:3]])
    detected = detect_language(sample)
    if detected != "en":
        return detected
    return language_of_tag(draft.language) or detected


def _line_language(line: str, language: str) -> str:
    """Russian for a Cyrillic line in any recipe; otherwise the recipe's language."""
    return "ru" if language != "ru" and detect_language(line) == "ru" else language


def _groups(draft: RecipeDraft) -> list[IngredientGroup] | None:
    if not any(group.purpose for group in draft.groups):
        return None
    return [IngredientGroup(purpose=g.purpose, ingredients=list(g.lines)) for g in draft.groups]


def preview(draft: RecipeDraft) -> dict[str, object]:
    """The fields known before the ingredient lines are parsed (a progress event's partial)."""
    return {
        "title": draft.title,
        "yields": draft.yields,
        "servings": servings_of(draft.yields),
        "steps": len(draft.steps),
        "ingredients": len(draft.ingredients),
    }


def build_recipe(
    draft: RecipeDraft,
    source: RecipeSource,
    *,
    hint: str | None = None,
    parse: LineParser = parse_line,
) -> RecipeParse:
    """The structured recipe of ``draft``."""
    language = language_of(draft, hint)
    ingredients = [parse(line, _line_language(line, language)) for line in draft.ingredients]
    return RecipeParse(
        title=draft.title,
        servings=servings_of(draft.yields),
        yields=draft.yields,
        times=Times(**draft.times),
        ingredients=ingredients,
        ingredient_groups=_groups(draft),
        steps=list(draft.steps),
        language=language,
        source=source,
    )
