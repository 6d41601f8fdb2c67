"""Evaluate storage times (``keeps``): the FoodKeeper entry chosen for labelled item names, and
coverage on the dev receipts' food items.

Usage::

    python bench/eval_keeps.py [--labels bench/keeps_labels.csv] [--receipts DIR]

Labels: ``bench/keeps_labels.csv`` (name, lang, style, entry, set), written for foodscan:
``fitted`` (370, written before the matcher first ran; the map was then tuned on them) and
``fresh`` (208, written after the tuning, scored untouched): receipt-style and
product-photo-style names in English, Polish and Russian with the FoodKeeper entry a careful
person would pick, ``none`` where FoodKeeper holds nothing that fits (beer), ``nonfood`` for
bags, deposits and batteries. Each name goes the way a receipt item goes in the enrich step:
``normalize_name`` → ``categorise`` → ``Keeper.entry_for``.
*entry* = the labelled entry (or no entry where the label is ``none``); *category* = the chosen
entry's FoodKeeper category is the label's (both none counts); *nonfood keeps* = non-food names
that got an entry (must be 0). Coverage: every printed item name of ``key/*.json`` that is not
non-food (taxonomy ``non_food``) gets an entry. Writes ``bench/results/eval_keeps.{json,md}``.
The data is read where it lies, never copied.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from foodscan.recognition.enrich.categorise import categorise
from foodscan.recognition.enrich.keeps import Keeper, load_keeper
from foodscan.recognition.enrich.names import normalize_name
from foodscan.recognition.taxonomy.categories import Category, Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"


def _read(
    name: str, lang: str, taxonomy: Taxonomy, keeper: Keeper
) -> tuple[Category | None, str | None]:
    """The category and FoodKeeper entry id of one printed name, as the enrich step finds them."""
    named = normalize_name(name, lang).name
    category = categorise(named, lang, taxonomy) or categorise(name, lang, taxonomy)
    entry = keeper.entry_for(named or name, category, lang)
    return category, entry.id if entry else None


def eval_labels(path: Path, taxonomy: Taxonomy, keeper: Keeper) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses = []
    for row in csv.DictReader(path.open(encoding="utf-8", newline="")):
        _, found = _read(row["name"], row["lang"], taxonomy, keeper)
        label = row["entry"]
        for group in (
            f"{row['set']}:{row['lang']}",
            f"{row['set']}:{row['style']}",
            row["set"],
            "all",
        ):
            counts[group]["n"] += 1
            if label == "nonfood":
                counts[group]["nonfood"] += 1
                counts[group]["nonfood_keeps"] += found is not None
                continue
            counts[group]["food"] += 1
            expected = None if label == "none" else label
            right = found == expected
            same_kind = (found is None and expected is None) or (
                found is not None
                and expected is not None
                and keeper.entries[found].category == keeper.entries[expected].category
            )
            counts[group]["entry_right"] += right
            counts[group]["category_right"] += same_kind
        if (label == "nonfood" and found is not None) or (
            label != "nonfood" and found != (None if label == "none" else label)
        ):
            misses.append(
                {
                    "name": row["name"],
                    "lang": row["lang"],
                    "set": row["set"],
                    "expected": label,
                    "expected_name": keeper.entries[label].name
                    if label in keeper.entries
                    else None,
                    "found": found,
                    "found_name": keeper.entries[found].name if found else None,
                }
            )
    summary = {}
    for group, row in counts.items():
        food = row["food"] or 1
        summary[group] = {
            "n": row["n"],
            "food": row["food"],
            "entry": round(row["entry_right"] / food, 4),
            "category": round(row["category_right"] / food, 4),
            "nonfood": row["nonfood"],
            "nonfood_keeps": row["nonfood_keeps"],
        }
    return {"summary": summary, "misses": misses}


def eval_receipts(folder: Path, taxonomy: Taxonomy, keeper: Keeper) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    uncovered: dict[str, int] = defaultdict(int)
    seconds = 0.0
    for path in sorted((folder / "key").glob("*.json")):
        key = json.loads(path.read_text(encoding="utf-8"))
        for printed in key.get("items", []):
            started = time.perf_counter()
            category, found = _read(printed["name"], key["locale"], taxonomy, keeper)
            seconds += time.perf_counter() - started
            if category is not None and category.id == "non_food":
                continue
            for group in (key["locale"], "all"):
                counts[group]["food_items"] += 1
                counts[group]["keeps"] += found is not None
            if found is None:
                uncovered[printed["name"]] += 1
    summary = {
        group: {
            "food_items": row["food_items"],
            "coverage": round(row["keeps"] / (row["food_items"] or 1), 4),
        }
        for group, row in counts.items()
    }
    items = counts["all"]["food_items"] or 1
    return {
        "summary": summary,
        "ms_per_item": round(1000 * seconds / items, 3),
        "uncovered": dict(sorted(uncovered.items())),
    }


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def table(results: dict[str, Any]) -> str:
    header = (
        "| labelled names | n | food | entry right | category right | non-food | non-food keeps |"
    )
    rows = [header]
    rows.append("|---|---:|---:|---:|---:|---:|---:|")
    for group, row in sorted(
        results["labels"]["summary"].items(), key=lambda kv: (kv[0] == "all", kv[0])
    ):
        rows.append(
            f"| {group} | {row['n']} | {row['food']} | {_pct(row['entry'])} | "
            f"{_pct(row['category'])} | {row['nonfood']} | {row['nonfood_keeps']} |"
        )
    if "receipts" in results:
        rows += [
            "",
            "| receipts-synth (dev), printed names | food items | with keeps |",
            "|---|---:|---:|",
        ]
        for group, row in sorted(
            results["receipts"]["summary"].items(), key=lambda kv: (kv[0] == "all", kv[0])
        ):
            rows.append(f"| {group} | {row['food_items']} | {_pct(row['coverage'])} |")
        rows.append(
            f"\nmatching (name, category, entry): {results['receipts']['ms_per_item']} ms per item"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=ROOT / "bench" / "keeps_labels.csv")
    parser.add_argument("--receipts", type=Path, default=SHARED / "receipts-synth")
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    keeper = load_keeper(taxonomy)
    results: dict[str, Any] = {"labels": eval_labels(args.labels, taxonomy, keeper)}
    if (args.receipts / "key").is_dir():
        results["receipts"] = eval_receipts(args.receipts, taxonomy, keeper)
    results["run"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "eval_keeps.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    text = table(results)
    (RESULTS / "eval_keeps.md").write_text(text + "\n", encoding="utf-8")
    print(text)  # noqa: T201 - a benchmark's report
    summary = results["labels"]["summary"]["all"]
    coverage = results.get("receipts", {}).get("summary", {}).get("all", {}).get("coverage", 1.0)
    passed = (
        summary["entry"] >= 0.80
        and summary["category"] >= 0.90
        and summary["nonfood_keeps"] == 0
        and coverage >= 0.85
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
