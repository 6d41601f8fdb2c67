"""Benchmark the receipt recognition path: OCR time per photo and first-parse accuracy.

Reads the receipt development set (``img/<id>.jpg`` + ``key/<id>.json``), runs decode -> OCR ->
row grouping -> ``receipt.parse_text`` on every photo, prints the figures and writes them to
``results/bench_receipt_ocr.json``. Usage::

    python scripts/bench_receipt_ocr.py [--data DIR] [--threads N] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from importlib.metadata import version
from pathlib import Path
from typing import Any

from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import RapidOcrEngine, row_texts
from foodscan.recognition.receipt import parse_text
from foodscan.recognition.receipt.model import ReceiptParse

FIELDS = ("merchant", "date", "time", "total", "currency")
MAX_PIXELS = 50_000_000


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def _same_amount(found: str | None, expected: str) -> bool:
    try:
        return found is not None and Decimal(found) == Decimal(expected)
    except InvalidOperation:
        return False


def score(found: ReceiptParse, key: dict[str, str]) -> dict[str, bool]:
    """Per-field exact match, as the data set's README prescribes."""
    return {
        "merchant": bool(key["merchant"]) and _norm(found.merchant.name) == _norm(key["merchant"]),
        "date": found.date == key["date"],
        "time": found.time == key["time"],
        "total": _same_amount(found.total, key["total"]),
        "currency": found.currency == key["currency"],
    }


@dataclass(frozen=True)
class Row:
    """One receipt's outcome."""

    id: str
    locale: str
    hard: str
    ocr_s: float
    parse_ms: float
    lines: int
    found: dict[str, str | None]
    match: dict[str, bool]


def _accuracy(rows: list[Row]) -> dict[str, float]:
    return {
        "n": len(rows),
        **{f: round(sum(r.match[f] for r in rows) / len(rows), 3) for f in FIELDS},
    }


def _read_hard(data: Path) -> dict[str, str]:
    """Receipt id -> its ``hard`` slice (blur, fold, lowcontrast or empty) from meta.csv."""
    meta = data / "meta.csv"
    if not meta.is_file():
        return {}
    with meta.open(encoding="utf-8", newline="") as file:
        return {row["id"]: row.get("hard", "") for row in csv.DictReader(file)}


def _read_one(engine: RapidOcrEngine, path: Path, key: dict[str, str], hard: str) -> Row:
    t0 = time.perf_counter()
    lines = engine.read(decode_image(path.read_bytes(), max_pixels=MAX_PIXELS))
    t1 = time.perf_counter()
    found = parse_text(row_texts(lines))
    t2 = time.perf_counter()
    return Row(
        id=path.stem,
        locale=key["locale"],
        hard=hard,
        ocr_s=round(t1 - t0, 3),
        parse_ms=round((t2 - t1) * 1000, 2),
        lines=len(lines),
        found={
            "merchant": found.merchant.name,
            "date": found.date,
            "time": found.time,
            "total": found.total,
            "currency": found.currency,
        },
        match=score(found, key),
    )


def run(data: Path, threads: int | None) -> dict[str, Any]:
    """OCR and parse every receipt; return timings, accuracy and per-receipt results.

    The result is JSON-shaped (hence ``Any``): it is written out and printed, nothing more.
    """
    engine = RapidOcrEngine(threads=threads)
    images = sorted((data / "img").glob("*.jpg"))
    hard = _read_hard(data)
    started = time.perf_counter()
    engine.read(decode_image(images[0].read_bytes(), max_pixels=MAX_PIXELS))
    first_call = time.perf_counter() - started  # model load + one warm-up read
    rows = [
        _read_one(
            engine,
            path,
            json.loads((data / "key" / f"{path.stem}.json").read_text(encoding="utf-8")),
            hard.get(path.stem, ""),
        )
        for path in images
    ]
    times = [r.ocr_s for r in rows]
    hard_slices = sorted({r.hard for r in rows} - {""})
    slices = {f"hard={h}": [r for r in rows if r.hard == h] for h in hard_slices}
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "onnxruntime": version("onnxruntime"),
            "rapidocr": version("rapidocr"),
            "threads": threads,
        },
        "receipts": len(rows),
        "first_call_s": round(first_call, 2),
        "ocr_s": {
            "median": round(statistics.median(times), 3),
            "median_first_10": round(statistics.median(times[:10]), 3),
            "mean": round(statistics.fmean(times), 3),
            "p90": round(statistics.quantiles(times, n=10)[-1], 3),
            "max": round(max(times), 3),
        },
        "parse_ms_median": round(statistics.median(r.parse_ms for r in rows), 2),
        "accuracy": {
            "all": _accuracy(rows),
            **{loc: _accuracy([r for r in rows if r.locale == loc]) for loc in ("en", "pl", "ru")},
            **{name: _accuracy(group) for name, group in slices.items()},
        },
        "per_receipt": [asdict(r) for r in rows],
    }


def _report(result: dict[str, Any]) -> str:
    out = [f"receipts: {result['receipts']}  machine: {result['machine']}"]
    out.append(f"first call (model load + 1 read): {result['first_call_s']} s")
    out.append(f"OCR per receipt (decode + detect + recognise), s: {result['ocr_s']}")
    out.append(f"parse per receipt, median: {result['parse_ms_median']} ms")
    out.append(f"{'':18}{'n':>4}" + "".join(f"{f:>10}" for f in FIELDS))
    for group, figures in result["accuracy"].items():
        cells = "".join(f"{figures[f]:>10.1%}" for f in FIELDS)
        out.append(f"{group:18}{figures['n']:>4}{cells}")
    misses = [
        f"  {r['id']} {f}: {r['found'][f]!r}"
        for r in result["per_receipt"]
        for f in FIELDS
        if not r["match"][f]
    ]
    return "\n".join([*out, f"misses ({len(misses)}):", *misses]) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data" / "receipts-synth",
    )
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    parser.add_argument("--out", type=Path, default=Path("results/bench_receipt_ocr.json"))
    args = parser.parse_args()
    if not (args.data / "img").is_dir():
        sys.stderr.write(f"no receipt data set at {args.data}\n")
        return 2
    result = run(args.data, args.threads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    sys.stdout.write(_report(result) + f"written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
