"""Evaluate product-photo recognition: barcodes, brand and category, offline.

Usage::

    python bench/eval_products.py [--grocery DIR] [--barcodes DIR] [--out FILE.json] [--limit N]

``--grocery`` (default ``/work/shared/data/grocery``): photos + ``labels.csv``; every photo runs
the pipeline's path (``decode_image`` → ``read_photo`` with the pipelines' OCR engine picker →
``products_match.guess``); scored as its README says: coarse-class accuracy (our taxonomy id
mapped to the set's coarse class names below), top-category accuracy, and brand accuracy on
``Packages`` rows (the brand token, e.g. ``Arla`` or ``God-Morgon``, found case-insensitively
in the predicted name). ``--barcodes`` (default ``/work/shared/data/barcodes``): decoded / total,
an image counting when any code read equals its ``.txt``; both zxing alone (with the variants)
and the whole photo path (zxing, then the printed digits by OCR) are reported.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from foodscan.recognition import barcodes
from foodscan.recognition.engines import build_picker
from foodscan.recognition.images import decode_image
from foodscan.recognition.ocr import OcrEngine
from foodscan.recognition.product_photo import read_photo
from foodscan.recognition.products_match import guess
from foodscan.recognition.taxonomy import Taxonomy, load_taxonomy

MAX_PIXELS = 50_000_000
# The grocery set's coarse classes, as foodscan taxonomy ids (the label mapping, nothing more).
COARSE = {
    "Juice": "juice",
    "Milk": "milk",
    "Oatghurt": "oat_yoghurt",
    "Oat-Milk": "oat_milk",
    "Sour-Cream": "sour_cream",
    "Sour-Milk": "sour_milk",
    "Soyghurt": "soy_yoghurt",
    "Soy-Milk": "soy_milk",
    "Yoghurt": "yoghurt",
    "Apple": "apple",
    "Passion-Fruit": "passion_fruit",
    "Papaya": "papaya",
    "Nectarine": "peach",
    "Pepper": "pepper",
    "Carrots": "carrot",
    "Tomato": "tomato",
    "Mango": "mango",
    "Lemon": "lemon",
    "Ginger": "ginger",
    "Melon": "melon",
    "Plum": "plum",
    "Pear": "pear",
    "Potato": "potato",
    "Kiwi": "kiwi",
    "Satsumas": "mandarin",
    "Orange": "orange",
    "Red-Grapefruit": "grapefruit",
    "Banana": "banana",
    "Lime": "lemon",
    "Pineapple": "pineapple",
    "Pomegranate": "pomegranate",
    "Avocado": "avocado",
    "Cucumber": "cucumber",
    "Onion": "onion",
    "Garlic": "onion",
    "Mushroom": "mushroom",
    "Zucchini": "zucchini",
    "Aubergine": "zucchini",
    "Asparagus": "vegetables",
    "Cabbage": "cabbage",
    "Leek": "onion",
    "Lettuce": "cabbage",
    "Peach": "peach",
    "Grapefruit": "grapefruit",
    "Melon-Honeydew": "melon",
}
# The brand tokens of the set's README (the first part of class_name; God-Morgon is two).
BRAND_TOKENS = ("God-Morgon",)


def _top(taxonomy: Taxonomy, category: str | None) -> str | None:
    if category is None:
        return None
    chain = taxonomy.ancestors(category)
    if "fruit" in chain:
        return "Fruit"
    if "vegetables" in chain:
        return "Vegetables"
    return "Packages"


def _brand_token(class_name: str) -> str:
    for token in BRAND_TOKENS:
        if class_name.startswith(token + "-"):
            return token
    return class_name.split("-", 1)[0]


def _flat(text: str | None) -> str:
    return (text or "").replace("-", " ").casefold()


def eval_grocery(data: Path, ocr: OcrEngine, limit: int | None) -> list[dict[str, Any]]:
    taxonomy = load_taxonomy()
    with (data / "labels.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))[:limit]
    records = []
    for row in rows:
        started = time.perf_counter()
        image = decode_image((data / row["file"]).read_bytes(), max_pixels=MAX_PIXELS)
        found = guess(read_photo(image, ocr), taxonomy)
        seconds = time.perf_counter() - started
        expected = COARSE.get(row["coarse_class_name"])
        record: dict[str, Any] = {
            "file": row["file"],
            "top_category": row["top_category"],
            "coarse_class": row["coarse_class_name"],
            "predicted_category": found.category,
            "predicted_name": found.name,
            "predicted_brand": found.brand,
            "category_ok": found.category is not None and found.category == expected,
            "top_ok": _top(taxonomy, found.category) == row["top_category"],
            "seconds": round(seconds, 3),
        }
        if row["top_category"] == "Packages":
            token = _brand_token(row["class_name"])
            record["brand_token"] = token
            record["brand_ok"] = _flat(token) in _flat(found.name)
        records.append(record)
        print(  # noqa: T201 - progress on stderr
            f"{row['file']:<52} {found.category or '-':<12} {found.name or '-'}",
            file=sys.stderr,
        )
    return records


def eval_barcodes(data: Path, ocr: OcrEngine, limit: int | None) -> list[dict[str, Any]]:
    records = []
    expected_files = sorted(p for p in data.glob("*/*.txt") if not p.name.endswith(".result.txt"))
    for truth in expected_files[:limit]:
        images = [p for p in truth.parent.glob(truth.stem + ".*") if p.suffix != ".txt"]
        if not images:
            continue
        expected = truth.read_text(encoding="utf-8").strip()
        image = decode_image(images[0].read_bytes(), max_pixels=MAX_PIXELS)
        started = time.perf_counter()
        by_zxing = [code.text for code in barcodes.decode(image)]
        zxing_s = time.perf_counter() - started
        by_photo = [code.text for code in read_photo(image, ocr).barcodes]
        records.append(
            {
                "file": str(images[0].relative_to(data)),
                "expected": expected,
                "zxing": by_zxing,
                "photo": by_photo,
                "zxing_ok": expected in by_zxing,
                "photo_ok": expected in by_photo,
                "zxing_seconds": round(zxing_s, 4),
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
    return records


def _share(records: list[dict[str, Any]], field: str) -> tuple[int, int]:
    counted = [r for r in records if field in r]
    return sum(bool(r[field]) for r in counted), len(counted)


def summarise(grocery: list[dict[str, Any]], codes: list[dict[str, Any]]) -> dict[str, Any]:
    packages = [r for r in grocery if r["top_category"] == "Packages"]
    produce = [r for r in grocery if r["top_category"] != "Packages"]
    rows = {
        "grocery: brand (Packages)": _share(packages, "brand_ok"),
        "grocery: coarse class (all)": _share(grocery, "category_ok"),
        "grocery: coarse class (Packages)": _share(packages, "category_ok"),
        "grocery: coarse class (Fruit, Vegetables)": _share(produce, "category_ok"),
        "grocery: top category (all)": _share(grocery, "top_ok"),
        "barcodes: decoded, zxing-cpp (+ variants)": _share(codes, "zxing_ok"),
        "barcodes: decoded, photo path (+ printed digits)": _share(codes, "photo_ok"),
    }
    seconds = [r["seconds"] for r in grocery] + [r["seconds"] for r in codes]
    return {
        "rows": {name: {"ok": ok, "total": total} for name, (ok, total) in rows.items()},
        "seconds_per_photo": round(sum(seconds) / len(seconds), 3) if seconds else None,
        "machine": platform.platform(),
    }


def table(summary: dict[str, Any]) -> str:
    lines = ["| measure | correct | total | share |", "|---|---:|---:|---:|"]
    for name, row in summary["rows"].items():
        share = f"{100 * row['ok'] / row['total']:.1f}%" if row["total"] else "-"
        lines.append(f"| {name} | {row['ok']} | {row['total']} | {share} |")
    lines.append(f"\nseconds per photo (mean, all photos): {summary['seconds_per_photo']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grocery", type=Path, default=Path("/work/shared/data/grocery"))
    parser.add_argument("--barcodes", type=Path, default=Path("/work/shared/data/barcodes"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    ocr = build_picker()
    grocery = eval_grocery(args.grocery, ocr, args.limit) if args.grocery.is_dir() else []
    codes = eval_barcodes(args.barcodes, ocr, args.limit) if args.barcodes.is_dir() else []
    summary = summarise(grocery, codes)
    print(table(summary))  # noqa: T201 - the report
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report = {"summary": summary, "grocery": grocery, "barcodes": codes}
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
