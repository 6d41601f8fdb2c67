"""Evaluate enrichment: category coverage per language on the dev sets, and precision on the
hand-labelled names of ``tests/unit/recognition/enrich_cases.py``.

Usage::

    python bench/eval_enrichment.py [--receipts DIR] [--recipes DIR] [--ingredients DIR]
                                    [--from-eval results/eval-synth.json] [--details FILE.json]

The data sets carry no category labels (their READMEs: receipts-synth keys hold names, amounts
and totals; recipes the lines; ingredients quantity, unit and name), so they give coverage — the
share of items or ingredients that get a category — and the share of receipt items whose name
yields a size. Receipts: the printed item names of ``key/*.json`` through
``enrich.results.enrich_item`` (the enrich step with a perfect reading), and, with
``--from-eval``, the items ``bench/eval_receipts.py --out`` found through the real OCR path.
Recipes: each ``input/*.txt`` through the recipe pipeline's text path (``read_document`` →
``find_structure`` → ``build_recipe``) and ``enrich_recipe``; ingredients: every BBC sentence
through ``parse_line`` and ``enrich_ingredient``. Precision: ``CASES`` (written with the rules
and fitted to them; the figure from before that fitting is in bench/README.md) and ``FRESH``
(written afterwards, scored untouched): exact = the expected id; branch = the expected id, one
of its parents or one of its subcategories. Writes the figures and the labelled names it got
wrong to ``bench/results/eval_enrichment.json`` and the table to ``.md`` (``--details``: every
item and ingredient as well, to a file of your choice). The data is read where it lies, never
copied.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import platform
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from foodscan.recognition.enrich.categorise import categorise
from foodscan.recognition.enrich.keeps import load_keeper
from foodscan.recognition.enrich.names import normalize_name
from foodscan.recognition.enrich.results import enrich_ingredient, enrich_item, enrich_recipe
from foodscan.recognition.reading.documents import TEXT
from foodscan.recognition.receipt.model import Item, ReceiptParse
from foodscan.recognition.recipe.ingredients import parse_line
from foodscan.recognition.recipe.model import RecipeSource
from foodscan.recognition.recipe.parse import build_recipe
from foodscan.recognition.recipe.sources import read_document
from foodscan.recognition.recipe.structure import find_structure
from foodscan.recognition.taxonomy.categories import Taxonomy, load_taxonomy

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
Counts = dict[str, dict[str, int]]


def _add(counts: Counts, group: str, **flags: bool) -> None:
    row = counts.setdefault(group, defaultdict(int))
    row["n"] += 1
    for name, flag in flags.items():
        row[name] += int(flag)


def _shares(counts: Counts) -> dict[str, dict[str, float | int]]:
    out: dict[str, dict[str, float | int]] = {}
    total: dict[str, int] = defaultdict(int)
    for group in sorted(counts):
        for key, value in counts[group].items():
            total[key] += value
    for group, row in [*sorted(counts.items()), ("all", total)]:
        n = row["n"] or 1
        out[group] = {"n": row["n"]} | {k: round(v / n, 4) for k, v in row.items() if k != "n"}
    return out


def eval_receipt_names(folder: Path, taxonomy: Taxonomy) -> dict[str, Any]:
    keeper = load_keeper(taxonomy)
    counts: Counts = {}
    items = []
    seconds = 0.0
    for path in sorted((folder / "key").glob("*.json")):
        key = json.loads(path.read_text(encoding="utf-8"))
        for printed in key.get("items", []):
            item = Item(name=printed["name"], quantity=printed["quantity"], unit=printed["unit"])
            started = time.perf_counter()
            got = enrich_item(item, key["locale"], taxonomy, keeper)
            seconds += time.perf_counter() - started
            _add(
                counts, key["locale"], category=got.category is not None, size=got.size is not None
            )
            items.append({"receipt": path.stem} | got.model_dump(mode="json"))
    per_item = round(1000 * seconds / max(1, len(items)), 2)
    return {"summary": _shares(counts), "ms_per_item": per_item, "items": items}


def eval_receipt_reads(results: Path, taxonomy: Taxonomy) -> dict[str, Any]:
    keeper = load_keeper(taxonomy)
    data = json.loads(results.read_text(encoding="utf-8"))
    counts: Counts = {}
    for record in data["receipts"]:
        found = ReceiptParse.model_validate(record["found"])
        locale = record.get("group", {}).get("locale") or found.language or "?"
        for item in found.items:
            got = enrich_item(item, found.language or locale, taxonomy, keeper)
            _add(counts, locale, category=got.category is not None, size=got.size is not None)
    return {"summary": _shares(counts)}


def eval_recipes(folder: Path, taxonomy: Taxonomy) -> dict[str, Any]:
    keeper = load_keeper(taxonomy)
    counts: Counts = {}
    ingredients = []
    for path in sorted((folder / "input").glob("*.txt")):
        lines = read_document(path.read_bytes(), TEXT).lines
        parsed = build_recipe(find_structure(lines), RecipeSource(media_type=TEXT, method="text"))
        enriched = enrich_recipe(parsed, taxonomy, keeper)
        lang = (enriched.language or "en")[:2]
        for ingredient in enriched.ingredients:
            _add(counts, lang, category=ingredient.category is not None)
            ingredients.append(
                {"recipe": path.stem, "text": ingredient.text, "name": ingredient.name}
                | {"category": ingredient.category}
            )
    return {"summary": _shares(counts), "ingredients": ingredients}


def eval_ingredients(folder: Path, taxonomy: Taxonomy) -> dict[str, Any]:
    keeper = load_keeper(taxonomy)
    counts: Counts = {}
    with (folder / "bbc_ingredients.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            got = enrich_ingredient(parse_line(row["input"], "en"), "en", taxonomy, keeper)
            _add(counts, "en", category=got.category is not None)
    return {"summary": _shares(counts)}


def _related(taxonomy: Taxonomy, found: str, expected: str) -> bool:
    return expected in taxonomy.ancestors(found) or found in taxonomy.ancestors(expected)


def eval_cases(cases: list[tuple[str, str, str]], taxonomy: Taxonomy) -> dict[str, Any]:
    counts: Counts = {}
    misses = []
    for name, lang, expected in cases:
        category = categorise(normalize_name(name, lang).name, lang, taxonomy)
        found = category.id if category else None
        exact = found == expected
        branch = found is not None and _related(taxonomy, found, expected)
        _add(counts, lang, categorised=found is not None, exact=exact, branch=branch)
        if not exact:
            misses.append({"name": name, "lang": lang, "expected": expected, "found": found})
    summary = _shares(counts)
    for row in summary.values():  # precision: right among those given a category
        given = float(row.get("categorised", 0)) or 1.0
        row["precision"] = round(float(row.get("exact", 0)) / given, 4)
    return {"summary": summary, "misses": misses}


def _pct(value: float | int | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def table(results: dict[str, Any]) -> str:
    rows = ["| set | lang | n | category | size |", "|---|---|---:|---:|---:|"]
    for label, key in (
        ("receipts-synth, printed names", "receipt_names"),
        ("receipts-synth, OCR path", "receipt_reads"),
        ("recipes (text)", "recipes"),
        ("ingredients (BBC)", "ingredients"),
    ):
        for lang, row in results.get(key, {}).get("summary", {}).items():
            size = _pct(row.get("size")) if "size" in row else "-"
            rows.append(f"| {label} | {lang} | {row['n']} | {_pct(row['category'])} | {size} |")
    if "receipt_names" in results:
        rows.append(f"\nenrich step: {results['receipt_names']['ms_per_item']} ms per receipt item")
    rows += ["", "| labelled names | lang | n | categorised | exact | precision | branch |"]
    rows.append("|---|---|---:|---:|---:|---:|---:|")
    for label in ("cases", "fresh"):
        for lang, row in results.get(label, {}).get("summary", {}).items():
            rows.append(
                f"| {label} | {lang} | {row['n']} | {_pct(row['categorised'])} | "
                f"{_pct(row['exact'])} | {_pct(row['precision'])} | {_pct(row['branch'])} |"
            )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=Path, default=SHARED / "receipts-synth")
    parser.add_argument("--recipes", type=Path, default=SHARED / "recipes")
    parser.add_argument("--ingredients", type=Path, default=SHARED / "ingredients")
    parser.add_argument("--from-eval", type=Path, help="an eval_receipts.py --out file")
    parser.add_argument("--details", type=Path, help="also write every item's enrichment here")
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    results: dict[str, Any] = {}
    if (args.receipts / "key").is_dir():
        results["receipt_names"] = eval_receipt_names(args.receipts, taxonomy)
    if args.from_eval is not None and args.from_eval.is_file():
        results["receipt_reads"] = eval_receipt_reads(args.from_eval, taxonomy)
    if (args.recipes / "input").is_dir():
        results["recipes"] = eval_recipes(args.recipes, taxonomy)
    if (args.ingredients / "bbc_ingredients.csv").is_file():
        results["ingredients"] = eval_ingredients(args.ingredients, taxonomy)
    sys.path.insert(0, str(ROOT))  # the labelled names live with the tests
    labelled = importlib.import_module("tests.unit.recognition.enrich_cases")
    results["cases"] = eval_cases(labelled.CASES, taxonomy)
    results["fresh"] = eval_cases(labelled.FRESH, taxonomy)
    report = table(results)
    print(report)  # noqa: T201 - the report
    summary = {
        "command": "python bench/eval_enrichment.py" + (" --from-eval …" if args.from_eval else ""),
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
    } | {
        name: {k: v for k, v in block.items() if k in ("summary", "misses", "ms_per_item")}
        for name, block in results.items()
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, ensure_ascii=False, indent=1)
    (RESULTS / "eval_enrichment.json").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "eval_enrichment.md").write_text(
        f"# Enrichment\n\nMeasured {summary['measured']} with `{summary['command']}`.\n\n"
        + report
        + "\n",
        encoding="utf-8",
    )
    if args.details:
        args.details.parent.mkdir(parents=True, exist_ok=True)
        args.details.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
