"""Evaluate product-photo recognition: barcodes, brand and category, offline.

Usage::

    python bench/eval_products.py [--grocery DIR] [--barcodes DIR] [--out FILE.json] [--limit N]
                                  [--gen dev] [--gen held] [--gen-count N] [--gen-start N]

``--grocery`` (default ``../shared/data/grocery``): photos + ``labels.csv``; every photo runs
the pipeline's path (``decode_image`` → ``read_photo`` with the pipelines' OCR engine picker →
``products_match.guess``); scored as its README says: coarse-class accuracy (our taxonomy id
mapped to the set's coarse class names below), top-category accuracy, and brand accuracy on
``Packages`` rows (the brand token, e.g. ``Arla`` or ``God-Morgon``, found case-insensitively
in the predicted name). ``--barcodes`` (default ``../shared/data/barcodes``): decoded / total,
an image counting when any code read equals its ``.txt``; both zxing alone (with the variants)
and the whole photo path (zxing, then the printed digits by OCR) are reported.

``--gen SPLIT`` (repeatable): also score the generated photos of ``bench/product_gen.py``
(``dev``: developed on; ``held``: held back, other seeds, brands, fonts and distortions), made
in memory: barcode = the code's GTIN among those read, format = read in its own symbology's
form too (UPC-A as 12 digits, UPC-E as 8), brand = the brand (the taxonomy's name, or the
invented one as printed) in the predicted name, as for the grocery set. ``--gen-start N``
scores photos N to N + count - 1 of each split instead (rows named e.g. ``held 40+``): photos
nobody has looked at, to check that work done while looking at the first ones generalises.

Seconds per photo are given per set, wall-clock and CPU (this process's, all its threads).

``--llm``: also ask the vision-LLM the settings configure (``FOODSCAN_LLM_BASE_URL``,
``FOODSCAN_LLM_MODEL``, ``FOODSCAN_LLM_API_KEY``) about every grocery photo, as the ``products``
pipeline does (``llm.readings.read_products``, then ``llm.merge.merge_products`` with the
offline guess), and score the merged product the same way ("with LLM" rows, tokens and cost).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import product_gen

from foodscan.llm.client import LlmConfig, LlmProvider
from foodscan.llm.merge import merge_products
from foodscan.llm.photos import data_url
from foodscan.llm.readings import read_products
from foodscan.recognition.products import barcodes
from foodscan.recognition.products.match import guess
from foodscan.recognition.products.model import Product
from foodscan.recognition.products.photo import read_photo
from foodscan.recognition.provenance import Source
from foodscan.recognition.reading.engines import build_picker
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import OcrEngine
from foodscan.recognition.taxonomy.categories import Taxonomy, load_taxonomy
from foodscan.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

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


def _score(record: dict[str, Any], taxonomy: Taxonomy, prefix: str, found: Product) -> None:
    """The ``prefix``ed scores of ``found`` against the record's labels."""
    expected = COARSE.get(record["coarse_class"])
    record[f"{prefix}category"] = found.category
    record[f"{prefix}name"] = found.name
    record[f"{prefix}category_ok"] = found.category is not None and found.category == expected
    record[f"{prefix}top_ok"] = _top(taxonomy, found.category) == record["top_category"]
    if "brand_token" in record:
        brand = " ".join(filter(None, (found.brand, found.name)))
        record[f"{prefix}brand_ok"] = _flat(record["brand_token"]) in _flat(brand)


async def eval_with_llm(data: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Ask the configured vision-LLM about each grocery photo; adds ``llm_*`` scores in place."""
    config = LlmConfig.from_settings(Settings())
    if config is None:
        raise SystemExit("--llm needs FOODSCAN_LLM_BASE_URL and FOODSCAN_LLM_MODEL")
    provider = LlmProvider(config)
    usage = provider.usage()
    taxonomy = load_taxonomy()
    source = Source(engine=provider.engine, step="ask_llm")
    started = time.perf_counter()
    try:
        for record in records:
            image = decode_image((data / record["file"]).read_bytes(), max_pixels=MAX_PIXELS)
            offline = found_product(record, taxonomy)
            answer = await read_products(provider, [data_url(image, config.max_image_side)], usage)
            merged, _ = merge_products([offline], answer, taxonomy, photos=1, llm=source)
            _score(record, taxonomy, "llm_", merged[0])
    finally:
        await provider.close()
    report = usage.report()
    return {
        "model": config.model,
        "seconds": round(time.perf_counter() - started, 1),
        "usage": report.model_dump() if report else None,
    }


def found_product(record: dict[str, Any], taxonomy: Taxonomy) -> Product:
    """The offline guess of a record as the pipeline's ``Product``."""
    category = taxonomy.categories.get(record["predicted_category"] or "")
    return Product(
        name=record["predicted_name"],
        brand=record["predicted_brand"],
        quantity=None,
        category=record["predicted_category"],
        category_name=category.name() if category else None,
        barcodes=[],
        photos=[0],
        text="",
        confidence=0.5,
    )


def eval_barcodes(data: Path, ocr: OcrEngine, limit: int | None) -> list[dict[str, Any]]:
    records = []
    expected_files = sorted(p for p in data.glob("*/*.txt") if not p.name.endswith(".result.txt"))
    for truth in expected_files[:limit]:
        images = [p for p in truth.parent.glob(truth.stem + ".*") if p.suffix != ".txt"]
        if not images:
            continue
        expected = truth.read_text(encoding="utf-8").strip()
        image = decode_image(images[0].read_bytes(), max_pixels=MAX_PIXELS)
        started, cpu = time.perf_counter(), time.process_time()
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
                "cpu_seconds": round(time.process_time() - cpu, 3),
            }
        )
    return records


def eval_generated(split: str, count: int, ocr: OcrEngine, start: int = 0) -> list[dict[str, Any]]:
    taxonomy = load_taxonomy()
    records = []
    label = f"{split} {start}+" if start else split
    for sample, image in product_gen.generate(split, count, start):
        started, cpu = time.perf_counter(), time.process_time()
        reading = read_photo(image, ocr)
        found = guess(reading, taxonomy)
        codes = [(code.format, code.text) for code in reading.barcodes]
        expected = barcodes.Barcode(sample.format, sample.code, "image")
        records.append(
            {
                "file": sample.file,
                "split": label,
                "format": sample.format,
                "expected": sample.code,
                "brand": sample.brand,
                "known": sample.known,
                "distortions": list(sample.distortions),
                "read": codes,
                "predicted_name": found.name,
                "predicted_brand": found.brand,
                "code_ok": expected.gtin in {code.gtin for code in reading.barcodes},
                "format_ok": (sample.format, sample.code) in codes,
                "brand_ok": _flat(sample.brand) in _flat(found.name),
                "category_ok": found.category == sample.category,
                "seconds": round(time.perf_counter() - started, 3),
                "cpu_seconds": round(time.process_time() - cpu, 3),
            }
        )
        print(  # noqa: T201 - progress on stderr
            f"{sample.file:<14} {sample.code:<14} {codes!s:<40} {found.name or '-'}",
            file=sys.stderr,
        )
    return records


def generated_rows(records: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """The table rows of generated photos, per split."""
    rows: dict[str, tuple[int, int]] = {}
    for split in sorted({r["split"] for r in records}):
        mine = [r for r in records if r["split"] == split]
        known = [r for r in mine if r["known"]]
        unknown = [r for r in mine if not r["known"]]
        rows[f"generated {split}: barcode read"] = _share(mine, "code_ok")
        rows[f"generated {split}: barcode with its own format"] = _share(mine, "format_ok")
        rows[f"generated {split}: brand (all)"] = _share(mine, "brand_ok")
        rows[f"generated {split}: brand (taxonomy brands)"] = _share(known, "brand_ok")
        rows[f"generated {split}: brand (unknown brands)"] = _share(unknown, "brand_ok")
        rows[f"generated {split}: category"] = _share(mine, "category_ok")
    return rows


def _share(records: list[dict[str, Any]], field: str) -> tuple[int, int]:
    counted = [r for r in records if field in r]
    return sum(bool(r[field]) for r in counted), len(counted)


def summarise(
    grocery: list[dict[str, Any]],
    codes: list[dict[str, Any]],
    generated: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    packages = [r for r in grocery if r["top_category"] == "Packages"]
    produce = [r for r in grocery if r["top_category"] != "Packages"]
    rows = {
        "grocery: brand (Packages)": _share(packages, "brand_ok"),
        "grocery: coarse class (all)": _share(grocery, "category_ok"),
        "grocery: coarse class (Packages)": _share(packages, "category_ok"),
        "grocery: coarse class (Fruit, Vegetables)": _share(produce, "category_ok"),
        "grocery: top category (all)": _share(grocery, "top_ok"),
        "grocery with LLM: brand (Packages)": _share(packages, "llm_brand_ok"),
        "grocery with LLM: coarse class (all)": _share(grocery, "llm_category_ok"),
        "grocery with LLM: coarse class (Fruit, Vegetables)": _share(produce, "llm_category_ok"),
        "grocery with LLM: top category (all)": _share(grocery, "llm_top_ok"),
        "barcodes: decoded, zxing-cpp (+ variants)": _share(codes, "zxing_ok"),
        "barcodes: decoded, photo path (+ printed digits)": _share(codes, "photo_ok"),
        **generated_rows(generated or []),
    }
    seconds = [r["seconds"] for r in grocery + codes + (generated or [])]
    sets = {"grocery": grocery, "barcodes": codes}
    for record in generated or []:
        sets.setdefault(f"generated {record['split']}", []).append(record)
    return {
        "rows": {
            name: {"ok": ok, "total": total}
            for name, (ok, total) in rows.items()
            if "with LLM" not in name or total  # the LLM's rows only when it was asked
        },
        "seconds_per_photo": round(sum(seconds) / len(seconds), 3) if seconds else None,
        "seconds_by_set": {
            name: {
                "wall": round(sum(r["seconds"] for r in rows) / len(rows), 3),
                "cpu": round(sum(r.get("cpu_seconds", 0.0) for r in rows) / len(rows), 3),
            }
            for name, rows in sets.items()
            if rows
        },
        "machine": platform.platform(),
    }


def table(summary: dict[str, Any]) -> str:
    lines = ["| measure | correct | total | share |", "|---|---:|---:|---:|"]
    for name, row in summary["rows"].items():
        share = f"{100 * row['ok'] / row['total']:.1f}%" if row["total"] else "-"
        lines.append(f"| {name} | {row['ok']} | {row['total']} | {share} |")
    lines.append(f"\nseconds per photo (mean, all photos): {summary['seconds_per_photo']}")
    for name, seconds in summary.get("seconds_by_set", {}).items():
        lines.append(f"  {name}: {seconds['wall']} s wall, {seconds['cpu']} s CPU per photo")
    if summary.get("llm"):
        lines.append(f"vision-LLM: {json.dumps(summary['llm'])}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grocery", type=Path, default=SHARED / "grocery")
    parser.add_argument("--barcodes", type=Path, default=SHARED / "barcodes")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--llm",
        action="store_true",
        help="also ask the vision-LLM the FOODSCAN_LLM_* settings name",
    )
    parser.add_argument("--gen", action="append", default=[], choices=sorted(product_gen.SPLITS))
    parser.add_argument("--gen-count", type=int, default=60)
    parser.add_argument("--gen-start", type=int, default=0, help="first generated photo")
    args = parser.parse_args()
    ocr = build_picker()
    grocery = eval_grocery(args.grocery, ocr, args.limit) if args.grocery.is_dir() else []
    llm = asyncio.run(eval_with_llm(args.grocery, grocery)) if args.llm and grocery else None
    codes = eval_barcodes(args.barcodes, ocr, args.limit) if args.barcodes.is_dir() else []
    generated = [
        r for split in args.gen for r in eval_generated(split, args.gen_count, ocr, args.gen_start)
    ]
    summary = summarise(grocery, codes, generated)
    summary["llm"] = llm
    print(table(summary))  # noqa: T201 - the report
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report = {"summary": summary, "grocery": grocery, "barcodes": codes, "generated": generated}
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
