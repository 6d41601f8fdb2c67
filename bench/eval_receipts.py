"""Evaluate receipt recognition end to end: decode → OCR → ``parse_receipt`` → score.

Usage::

    python bench/eval_receipts.py DATA_DIR [--out FILE.json] [--limit N] [--no-cache]

``DATA_DIR`` is laid out like ``../shared/data/receipts-synth`` (``img/`` + ``key/`` with
items, optional ``meta.csv``) or ``../shared/data/sroie`` (``img/`` + ``key/`` with company,
date, address, total, optional ``box/``). Scores follow the data sets' READMEs (see
``scoring.py``). OCR output is cached per image under ``results/ocr-cache/`` (see
``ocr_runs.py``); seconds per receipt are decode + OCR (as measured when the cache entry was
made) + parse (measured now).
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
from pathlib import Path
from typing import Any

from ocr_runs import ENGINES, OcrRunner
from scoring import edit_distance, score_sroie, score_synth

from foodscan.recognition.reading.ocr import OcrLine, group_rows
from foodscan.recognition.receipt import parse_receipt
from foodscan.recognition.receipt.rows import read_rows

SYNTH_FIELDS = ("merchant", "date", "time", "total", "currency", "payment", "subtotal")
SROIE_FIELDS = ("company", "address", "date", "total")
SROIE_PRACTICAL = ("company_casefold", "date_iso", "total_number")


def _meta(data: Path) -> dict[str, dict[str, str]]:
    meta = data / "meta.csv"
    if not meta.is_file():
        return {}
    with meta.open(encoding="utf-8", newline="") as file:
        return {row["id"]: row for row in csv.DictReader(file)}


def _truth_text(box_file: Path) -> str | None:
    """The ground-truth transcripts of ``box/<id>.csv`` in reading order, one row a line."""
    if not box_file.is_file():
        return None
    lines = []
    for raw in box_file.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = raw.split(",", 8)
        if len(parts) == 9 and parts[8].strip():
            xy = [float(v) for v in parts[:8]]
            box = tuple((xy[i], xy[i + 1]) for i in range(0, 8, 2))
            lines.append(OcrLine(parts[8].strip(), box, 1.0))
    return "\n".join(" ".join(x.text for x in row) for row in group_rows(lines))


def _cer(truth: str | None, texts: list[str]) -> float | None:
    if not truth:
        return None
    expected = " ".join(truth.split())
    return edit_distance(expected, " ".join(" ".join(texts).split())) / max(len(expected), 1)


def evaluate(data: Path, runner: OcrRunner, limit: int | None) -> list[dict[str, Any]]:
    """Read and score every receipt of ``data``; one JSON-shaped record each."""
    meta = _meta(data)
    records = []
    for image in sorted((data / "img").glob("*.jpg"))[:limit]:
        key = json.loads((data / "key" / f"{image.stem}.json").read_text(encoding="utf-8"))
        run = runner.read(image)
        started = time.perf_counter()
        found = parse_receipt(run.lines)
        parse_s = time.perf_counter() - started
        texts = [row.text for row in read_rows(run.lines)]
        record: dict[str, Any] = {
            "id": image.stem,
            "engine": run.engine,
            "ocr_cached": run.cached,
            "seconds": round(run.seconds + parse_s, 3),
            "probe_s": round(run.probe_seconds, 3),
            "parse_ms": round(parse_s * 1000, 2),
            "found": found.model_dump(mode="json"),
        }
        if "items" in key:
            row = meta.get(image.stem, {})
            record["group"] = {"locale": key["locale"], "hard": row.get("hard", "")}
            record["group"]["template"] = row.get("template", "")
            record["score"] = score_synth(found, key)
        else:
            record["group"] = {"locale": "en", "hard": "", "template": "sroie"}
            record["score"] = score_sroie(found, key, texts)
            record["score"]["cer"] = _cer(_truth_text(data / "box" / f"{image.stem}.csv"), texts)
        records.append(record)
    return records


def _rate(records: list[dict[str, Any]], field: str) -> float:
    return round(sum(bool(r["score"][field]) for r in records) / len(records), 3)


def _items(records: list[dict[str, Any]], matched: str) -> dict[str, float]:
    hits = sum(r["score"][matched] for r in records)
    found = sum(r["score"]["items_found"] for r in records)
    expected = sum(r["score"]["items_expected"] for r in records)
    precision, recall = hits / max(found, 1), hits / max(expected, 1)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def _seconds(records: list[dict[str, Any]]) -> dict[str, float]:
    times = sorted(r["seconds"] for r in records)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"p50": round(statistics.median(times), 3), "p95": round(p95, 3)}


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one group of receipts."""
    summary: dict[str, Any] = {"n": len(records), "seconds": _seconds(records)}
    if "items_found" in records[0]["score"]:
        summary |= {f: _rate(records, f) for f in SYNTH_FIELDS}
        summary["items"] = _items(records, "items_matched")
        summary["items_strict"] = _items(records, "items_strict")
        summary["all_items_right"] = _rate(records, "items_all")
        summary["all_items_right_strict"] = _rate(records, "items_all_strict")
        summary["reconciled"] = _rate(records, "consistent")
        return summary
    summary |= {f: _rate(records, f) for f in (*SROIE_FIELDS, *SROIE_PRACTICAL)}
    hits = sum(r["score"][f] for r in records for f in SROIE_FIELDS)
    predicted = sum(r["score"]["predicted"] for r in records)
    expected = sum(r["score"]["expected"] for r in records)
    precision, recall = hits / max(predicted, 1), hits / max(expected, 1)
    summary["micro"] = {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if hits else 0.0,
    }
    cers = [r["score"]["cer"] for r in records if r["score"].get("cer") is not None]
    summary["ocr_cer"] = round(statistics.fmean(cers), 3) if cers else None
    summary |= _verdicts(records)
    return summary


def _verdicts(records: list[dict[str, Any]]) -> dict[str, Any]:
    """How many receipts reconcile (items add up to the total), and how many of those
    ``consistent`` verdicts have a wrong total (as a number; must be 0)."""
    statuses = [r["found"]["reconciliation"]["status"] for r in records]
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    wrong = sum(
        s == "consistent" and not r["score"]["total_number"]
        for s, r in zip(statuses, records, strict=True)
    )
    return {"verdicts": counts, "consistent_wrong_total": wrong}


def groups(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """All receipts, then per locale, per template and per hard slice."""
    out = {"all": records}
    for dimension in ("locale", "template", "hard"):
        for value in sorted({r["group"][dimension] for r in records} - {""}):
            name = value if dimension != "hard" else f"hard={value}"
            chosen = [r for r in records if r["group"][dimension] == value]
            if len(chosen) != len(records) or dimension == "locale":
                out.setdefault(name, chosen)
    return out


def table(summaries: dict[str, dict[str, Any]]) -> str:
    """The figures as a Markdown table, one row per group."""
    first = next(iter(summaries.values()))
    if "items" in first:
        heads = [*SYNTH_FIELDS, "items P", "items R", "items F1", "F1 strict", "all items",
                 "all strict", "reconciled", "p50 s", "p95 s"]  # fmt: skip
    else:
        heads = [*SROIE_FIELDS, "micro F1", *SROIE_PRACTICAL, "OCR CER", "consistent",
                 "consistent, wrong total", "p50 s", "p95 s"]  # fmt: skip
    lines = ["| group | n | " + " | ".join(heads) + " |", "|---" * (len(heads) + 2) + "|"]
    for name, s in summaries.items():
        if "items" in s:
            cells = [f"{s[f]:.0%}" for f in SYNTH_FIELDS]
            cells += [f"{s['items'][k]:.2f}" for k in ("precision", "recall", "f1")]
            cells += [f"{s['items_strict']['f1']:.2f}", f"{s['all_items_right']:.0%}"]
            cells += [f"{s['all_items_right_strict']:.0%}", f"{s['reconciled']:.0%}"]
        else:
            cells = [f"{s[f]:.0%}" for f in SROIE_FIELDS] + [f"{s['micro']['f1']:.2f}"]
            cells += [f"{s[f]:.0%}" for f in SROIE_PRACTICAL]
            cells += ["-" if s["ocr_cer"] is None else f"{s['ocr_cer']:.3f}"]
            consistent = s["verdicts"].get("consistent", 0)
            cells += [f"{consistent} of {s['n']}", str(s["consistent_wrong_total"])]
        cells += [f"{s['seconds']['p50']:.2f}", f"{s['seconds']['p95']:.2f}"]
        lines.append(f"| {name} | {s['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="folder with img/ and key/")
    parser.add_argument("--out", type=Path, help="write the figures and every receipt here")
    parser.add_argument("--limit", type=int, help="only the first N receipts (by id)")
    parser.add_argument("--no-cache", action="store_true", help="run the OCR on every image")
    parser.add_argument(
        "--no-reread", action="store_true", help="the engine's lines as read, no second look"
    )
    parser.add_argument(
        "--reread-latin", action="store_true", help="the second look on Latin pages too"
    )
    parser.add_argument(
        "--no-spelling",
        action="store_true",
        help="Latin pages' words as RapidOCR read them, not settled by its second choices",
    )
    parser.add_argument("--threads", type=int, help="onnxruntime threads (default: all cores)")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="auto: the pipelines' engine picker (RapidOCR, Tesseract for Cyrillic pages)",
    )
    args = parser.parse_args()
    if not (args.data / "img").is_dir() or not (args.data / "key").is_dir():
        sys.stderr.write(f"{args.data}: expected img/ and key/ folders\n")
        return 2
    runner = OcrRunner(
        use_cache=not args.no_cache,
        threads=args.threads,
        engine=args.engine,
        reread=not args.no_reread,
        latin_pages=args.reread_latin,
        spelling=not args.no_spelling,
    )
    records = evaluate(args.data, runner, args.limit)
    if not records:
        sys.stderr.write(f"{args.data}: no images in img/\n")
        return 2
    summaries = {name: summarise(group) for name, group in groups(records).items()}
    sys.stdout.write(table(summaries) + "\n")
    if args.out:
        result = {
            "data": str(args.data),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "engines": sorted({r["engine"] for r in records}),
            "ocr_cached": sum(r["ocr_cached"] for r in records),
            "summary": summaries,
            "receipts": records,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
        sys.stdout.write(f"written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
