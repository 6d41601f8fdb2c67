"""Evaluate recipe recognition: structure (title, servings, ingredient and step lines) on
``recipes/``, as text, as a PDF and as a photo; ingredient fields on ``ingredients/``.

Usage::

    python bench/eval_recipes.py [--recipes DIR] [--ingredients DIR] [--modes text,pdf,photo]
                                 [--limit N] [--out FILE.json]

Each recipe runs the pipeline's own recognition path: text → ``read_document``; PDF →
``read_pdf`` (text layer); photo → ``decode_image`` → the OCR engine picker → ``row_texts``
→ ``repair_line``; then ``find_structure`` → ``build_recipe``. Renderings come from
``recipe_render.py`` (fpdf2 and Pillow; ``pip install -e '.[bench]'``). Scores follow the data
sets' READMEs: title exact after whitespace normalisation, servings as integers (null = null),
ingredient and step lines matched one-to-one exactly after whitespace normalisation (pooled
share of expected lines; ``~`` columns: normalised similarity ≥ 0.9), ``counts`` = recipes
whose line counts agree. Ingredients: first quantity (``#1$2`` = ½), first unit (canonical),
name (case-folded, whitespace and punctuation normalised), and all three, on the rows that
have a name label.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
import time
from difflib import SequenceMatcher
from fractions import Fraction
from pathlib import Path
from typing import Any

from recipe_render import render_pdf, render_png

from foodscan.recognition.reading.documents import TEXT
from foodscan.recognition.reading.engines import build_picker
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import OcrEngine, row_texts
from foodscan.recognition.reading.pdf import read_pdf
from foodscan.recognition.recipe.ingredients import parse_line
from foodscan.recognition.recipe.model import RecipeParse, RecipeSource
from foodscan.recognition.recipe.ocr_text import repair_line
from foodscan.recognition.recipe.parse import build_recipe
from foodscan.recognition.recipe.sources import read_document
from foodscan.recognition.recipe.structure import find_structure
from foodscan.recognition.recipe.units import canonical_unit

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LOOSE = 0.9
MAX_PIXELS = 50_000_000


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _lines_of(
    mode: str, text: str, ocr: OcrEngine | None, lang: str | None
) -> tuple[list[str], str]:
    data = text.encode()
    if mode == "text":
        return read_document(data, TEXT).lines, "text"
    if mode == "pdf":
        pages = read_pdf(render_pdf(text), max_pages=20)
        lines = [line for page in pages for line in [*page.text.splitlines(), ""]]
        return lines, "pdf-text"
    if ocr is None:
        raise ValueError("the photo mode needs an OCR engine")
    image = decode_image(render_png(text), max_pixels=MAX_PIXELS)
    rows = row_texts(ocr.read(image, lang, upright=True), separator=" ")  # as the recipe pipeline
    return [repair_line(row) for row in rows], "image-ocr"


def recognise(mode: str, text: str, ocr: OcrEngine | None, lang: str | None) -> RecipeParse:
    lines, method = _lines_of(mode, text, ocr, lang)
    source = RecipeSource(media_type=TEXT, method=method)
    return build_recipe(find_structure(lines), source)


def _match(expected: list[str], found: list[str]) -> tuple[int, int]:
    """Exact and loose one-to-one matches of ``expected`` lines among ``found``."""
    left = [norm(x) for x in found]
    exact = 0
    rest = []
    for line in (norm(x) for x in expected):
        if line in left:
            left.remove(line)
            exact += 1
        else:
            rest.append(line)
    loose = exact
    for line in rest:
        best = max(left, key=lambda c: SequenceMatcher(None, line, c).ratio(), default=None)
        if best is not None and SequenceMatcher(None, line, best).ratio() >= LOOSE:
            left.remove(best)
            loose += 1
    return exact, loose


def score_recipe(expected: dict[str, Any], got: RecipeParse) -> dict[str, Any]:
    ing = _match(expected["ingredients"], [i.text for i in got.ingredients])
    steps = _match(expected["instructions"], got.steps)
    return {
        "title": norm(got.title) == norm(expected["title"]),
        "servings": got.servings == expected["servings"],
        "ingredients_expected": len(expected["ingredients"]),
        "ingredients_exact": ing[0],
        "ingredients_loose": ing[1],
        "ingredients_count": len(got.ingredients) == len(expected["ingredients"]),
        "steps_expected": len(expected["instructions"]),
        "steps_exact": steps[0],
        "steps_loose": steps[1],
        "steps_count": len(got.steps) == len(expected["instructions"]),
    }


def _share(rows: list[dict[str, Any]], key: str, kind: str) -> float:
    return sum(r[f"{key}_{kind}"] for r in rows) / (sum(r[f"{key}_expected"] for r in rows) or 1)


def _summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    n = len(rows) or 1
    return {
        "recipes": len(rows),
        "title": sum(r["title"] for r in rows) / n,
        "servings": sum(r["servings"] for r in rows) / n,
        "ingredient_lines": _share(rows, "ingredients", "exact"),
        "ingredient_lines_loose": _share(rows, "ingredients", "loose"),
        "ingredient_counts": sum(r["ingredients_count"] for r in rows) / n,
        "step_lines": _share(rows, "steps", "exact"),
        "step_lines_loose": _share(rows, "steps", "loose"),
        "step_counts": sum(r["steps_count"] for r in rows) / n,
    }


def eval_recipes(folder: Path, modes: list[str], limit: int | None) -> dict[str, Any]:
    ocr = build_picker() if "photo" in modes else None
    inputs = sorted((folder / "input").glob("*.txt"))[:limit]
    out: dict[str, Any] = {}
    for mode in modes:
        rows, seconds = [], []
        for path in inputs:
            expected = json.loads((folder / "expected" / f"{path.stem}.json").read_text())
            started = time.perf_counter()
            got = recognise(mode, path.read_text(encoding="utf-8"), ocr, None)
            seconds.append(time.perf_counter() - started)
            row = {"id": path.stem, "language": expected["language"]} | score_recipe(expected, got)
            rows.append(row | {"result": got.model_dump(mode="json")})
        out[mode] = {
            "summary": _summary(rows) | {"p50_s": statistics.median(seconds or [0])},
            "recipes": rows,
        }
    return out


def _first_quantity(cell: str) -> float | None:
    if not cell.strip():
        return None
    token = re.split(r"-(?=\d)", cell.split(maxsplit=1)[0])[0]  # a range "4-6": its low end
    whole, _, frac = token.partition("#")
    value = Fraction(whole or 0)
    if frac:
        top, bottom = frac.split("$")
        value += Fraction(int(top), int(bottom))
    return float(value)


def _first_unit(units: str, quantities: str) -> str | None:
    tokens = units.split()
    if not tokens:
        return None
    if len(quantities.split()) <= 1:
        return canonical_unit(" ".join(tokens))
    if tokens[:2] == ["fl", "oz"]:
        return "fl oz"
    return canonical_unit(tokens[0])


def _name(text: str | None) -> str:
    return " ".join(re.sub(r"[,.;:()]", " ", (text or "").casefold()).split())


def eval_ingredients(folder: Path, limit: int | None) -> dict[str, Any]:
    with (folder / "bbc_ingredients.csv").open(encoding="utf-8", newline="") as file:
        rows = [r for r in csv.DictReader(file) if r["name"].strip()][:limit]
    scored = []
    for row in rows:
        got = parse_line(row["input"], "en")
        want_q = _first_quantity(row["quantity"])
        q_ok = (
            (got.quantity is None)
            if want_q is None
            else (got.quantity is not None and abs(got.quantity - want_q) < 1e-3)
        )
        u_ok = canonical_unit(got.unit) == _first_unit(row["unit"], row["quantity"])
        n_ok = _name(got.name) == _name(row["name"])
        scored.append(
            {"input": row["input"], "quantity": q_ok, "unit": u_ok, "name": n_ok,
             "all": q_ok and u_ok and n_ok, "got": got.model_dump(mode="json")}
        )  # fmt: skip
    n = len(scored) or 1
    summary = {k: sum(s[k] for s in scored) / n for k in ("quantity", "unit", "name", "all")}
    return {"summary": {"sentences": len(scored)} | summary, "sentences": scored}


def _table(results: dict[str, Any]) -> str:
    head = (
        "| input | n | title | servings | ingredient lines | ~ | counts "
        "| step lines | ~ | counts | p50 s |"
    )
    rows = [head, "|" + "---|" * 11]
    for mode, block in results.get("recipes", {}).items():
        s = block["summary"]
        rows.append(
            f"| {mode} | {s['recipes']} | {s['title']:.1%} | {s['servings']:.1%} | "
            f"{s['ingredient_lines']:.1%} | {s['ingredient_lines_loose']:.1%} | "
            f"{s['ingredient_counts']:.1%} | {s['step_lines']:.1%} | "
            f"{s['step_lines_loose']:.1%} | {s['step_counts']:.1%} | {s['p50_s']:.2f} |"
        )
    if "ingredients" in results:
        s = results["ingredients"]["summary"]
        rows += [
            "",
            "| ingredients | n | quantity | unit | name | all three |",
            "|---|---|---|---|---|---|",
            f"| bbc | {s['sentences']} | {s['quantity']:.1%} | {s['unit']:.1%} | "
            f"{s['name']:.1%} | {s['all']:.1%} |",
        ]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", type=Path, default=SHARED / "recipes")
    parser.add_argument("--ingredients", type=Path, default=SHARED / "ingredients")
    parser.add_argument("--modes", default="text,pdf,photo")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.recipes.is_dir():
        modes = [m for m in args.modes.split(",") if m]
        results["recipes"] = eval_recipes(args.recipes, modes, args.limit)
    if args.ingredients.is_dir():
        results["ingredients"] = eval_ingredients(args.ingredients, args.limit)
    print(_table(results))  # noqa: T201 - the report
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
