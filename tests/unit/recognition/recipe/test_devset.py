"""The recipe parser on the development sets in ../shared/data (never copied into the
repository; skipped, with the reason, where they are absent): every recipe's title, servings,
ingredient and step lines, and the ingredient fields above the benchmark's targets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from foodscan.recognition.recipe.ingredients import parse_line
from foodscan.recognition.recipe.model import RecipeSource
from foodscan.recognition.recipe.parse import build_recipe
from foodscan.recognition.recipe.sources import read_document
from foodscan.recognition.recipe.structure import find_structure

SHARED = Path(__file__).resolve().parents[5] / "shared" / "data"
RECIPES = SHARED / "recipes"
INGREDIENTS = SHARED / "ingredients" / "bbc_ingredients.csv"


def norm(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines]


def recipe_ids() -> list[str]:
    return sorted(p.stem for p in (RECIPES / "input").glob("*.txt")) or ["none"]


@pytest.mark.skipif(not (RECIPES / "expected").is_dir(), reason=f"no recipe set at {RECIPES}")
@pytest.mark.parametrize("recipe_id", recipe_ids())
def test_each_dev_recipe_is_read_whole(recipe_id: str) -> None:
    data = (RECIPES / "input" / f"{recipe_id}.txt").read_bytes()
    expected = json.loads((RECIPES / "expected" / f"{recipe_id}.json").read_text("utf-8"))
    draft = find_structure(read_document(data, "text/plain").lines)
    recipe = build_recipe(draft, RecipeSource(media_type="text/plain", method="text"))
    assert recipe.title == expected["title"]
    assert recipe.servings == expected["servings"]
    assert norm([i.text for i in recipe.ingredients]) == norm(expected["ingredients"])
    assert norm(recipe.steps) == norm(expected["instructions"])
    assert recipe.language == expected["language"][:2].lower()
    for ingredient in recipe.ingredients:  # never a unit word inside a name
        assert ingredient.unit is None or f" {ingredient.unit} " not in f" {ingredient.name} "


@pytest.mark.skipif(not INGREDIENTS.is_file(), reason=f"no ingredient set at {INGREDIENTS}")
def test_labelled_bbc_names_are_mostly_right() -> None:
    with INGREDIENTS.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["name"].strip()]
    right = sum(
        " ".join((parse_line(row["input"], "en").name or "").casefold().replace(",", " ").split())
        == " ".join(row["name"].casefold().replace(",", " ").split())
        for row in rows
    )
    assert right / len(rows) >= 0.9
