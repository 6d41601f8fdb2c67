"""How the receipt parser generalises: the dev set and the generator's dev and held-back layouts
side by side.

Usage::

    python bench/eval_generalisation.py [--per-layout N] [--text-only] [--label NAME]
        [--tessdata DIR] [--dev-data ../shared/data/receipts-synth] [--gen DIR]
        [--locale ru ...] [--split dev held] [--no-reread]

Generates receipts with ``bench/receipt_gen`` (fixed by their names, so every run sees the same
ones) into ``--gen`` (default ``results/receipt-gen``, made once), reads each photo through the
real recognition path (``ocr_runs``: decode → the pipelines' engine picker → RapidOCR, or
Tesseract for Cyrillic pages where its language data is found) or, with ``--text-only``, parses
the generator's own OCR lines (fast, for parser iterations; not a headline figure; with
``--lose-total-row`` also with each receipt's total row lost, as a blurred photo loses it), and
scores
per group: merchant (quotes of any style alike), total, date, all items right, receipts with
an extra item, ``consistent`` verdicts, and ``consistent`` verdicts with a wrong total (which
must stay at 0). Writes ``bench/results/eval_generalisation-<label>-<ocr|text>.json`` (the
figures, and the receipts with a field wrong) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from ocr_runs import OcrRunner
from receipt_gen import LOCALES, SPLITS, generate
from scoring import amount, norm, score_synth

from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.receipt import parse_receipt
from foodscan.recognition.receipt.model import ReceiptParse

RESULTS = Path(__file__).resolve().parent / "results"
_QUOTES = str.maketrans({"«": '"', "»": '"', "„": '"', "“": '"', "”": '"'})
FIELDS = ("merchant", "total", "date", "items_all", "extra", "consistent", "consistent_wrong")
HEADS = (
    "merchant",
    "total",
    "date",
    "all items",
    "extra items",
    "consistent",
    "consistent, wrong total",
)


def _merchant(found: ReceiptParse, key: dict[str, Any]) -> bool:
    got, want = (
        norm(found.merchant.name).translate(_QUOTES),
        norm(key["merchant"]).translate(_QUOTES),
    )
    return bool(want) and got == want


def score(found: ReceiptParse, key: dict[str, Any]) -> dict[str, Any]:
    """The README protocol's scores plus the generalisation figures of one receipt."""
    base = score_synth(found, key)
    right_total = amount(found.total) == amount(key["total"])
    return {
        "merchant": _merchant(found, key),
        "total": right_total,
        "date": base["date"],
        "items_all": base["items_all"],
        "extra": base["items_found"] > base["items_matched"],
        "consistent": base["consistent"],
        "consistent_wrong": base["consistent"] and not right_total,
        "items_found": base["items_found"],
        "items_expected": base["items_expected"],
        "items_matched": base["items_matched"],
    }


def _lines(path: Path, lose: str | None = None) -> list[OcrLine]:
    """The generator's OCR lines, less those of the row whose role is ``lose``."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [
        OcrLine(r["text"], tuple((float(x), float(y)) for x, y in r["box"]), r["confidence"])
        for r in rows
        if lose is None or r.get("role") != lose
    ]


def _read(
    folder: Path, receipt_id: str, runner: OcrRunner | None, lose: str | None = None
) -> list[OcrLine]:
    if runner is None:
        return _lines(folder / "lines" / f"{receipt_id}.json", lose)
    return runner.read(folder / "img" / f"{receipt_id}.jpg").lines


def evaluate_set(
    folder: Path,
    name: str,
    runner: OcrRunner | None,
    groups: dict[str, str],
    lose: str | None = None,
) -> list[dict[str, Any]]:
    """Score every receipt listed in ``folder/meta.csv``; ``groups`` maps its id to a group."""
    records = []
    for receipt_id, group in groups.items():
        key = json.loads((folder / "key" / f"{receipt_id}.json").read_text(encoding="utf-8"))
        found = parse_receipt(_read(folder, receipt_id, runner, lose))
        records.append(
            {
                "id": receipt_id,
                "set": name,
                "group": group,
                "score": score(found, key),
                "found": {
                    "merchant": found.merchant.name,
                    "total": found.total,
                    "items": len(found.items),
                    "reconciliation": found.reconciliation.status,
                },
            }
        )
    return records


def _meta(folder: Path) -> list[dict[str, str]]:
    with (folder / "meta.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares per field, and counts where a count says more."""
    n = len(records)
    out: dict[str, Any] = {"n": n}
    for field in FIELDS:
        out[field] = round(sum(bool(r["score"][field]) for r in records) / n, 3)
    out["extra_items"] = sum(
        r["score"]["items_found"] - r["score"]["items_matched"] for r in records
    )
    out["consistent_wrong_count"] = sum(bool(r["score"]["consistent_wrong"]) for r in records)
    return out


def table(summaries: dict[str, dict[str, Any]]) -> str:
    """One Markdown row per group."""
    lines = ["| group | n | " + " | ".join(HEADS) + " |", "|---" * (len(HEADS) + 2) + "|"]
    for name, s in summaries.items():
        cells = [f"{s[f]:.0%}" for f in FIELDS[:4]]
        cells.append(f"{s['extra']:.0%} ({s['extra_items']})")
        cells.append(f"{s['consistent']:.0%}")
        cells.append(f"{s['consistent_wrong_count']}")
        lines.append(f"| {name} | {s['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ordered_groups(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(f"{record['set']} {record['group']}", []).append(record)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-layout", type=int, default=3)
    parser.add_argument("--text-only", action="store_true", help="parse the generator's lines")
    parser.add_argument("--label", default="current")
    parser.add_argument("--gen", type=Path, default=Path("results/receipt-gen"))
    parser.add_argument("--dev-data", type=Path, default=Path("../shared/data/receipts-synth"))
    parser.add_argument("--tessdata", type=Path, help="Tesseract language data (rus) to use")
    parser.add_argument("--threads", type=int)
    parser.add_argument(
        "--no-reread", action="store_true", help="the engine's lines as read, no second look"
    )
    parser.add_argument("--split", nargs="+", choices=SPLITS, default=list(SPLITS))
    parser.add_argument(
        "--locale", nargs="+", help="score only these locales' receipts (e.g. ru), dev set too"
    )
    parser.add_argument(
        "--lose-total-row",
        action="store_true",
        help="with --text-only: also score each receipt with its total row lost",
    )
    args = parser.parse_args()
    if not (args.gen / "meta.csv").is_file() or args.text_only:
        generate(args.gen, LOCALES, SPLITS, args.per_layout, images=not args.text_only)
    runner = (
        None
        if args.text_only
        else OcrRunner(threads=args.threads, tessdata=args.tessdata, reread=not args.no_reread)
    )
    records = []
    if runner is not None and (args.dev_data / "meta.csv").is_file():
        dev = {
            row["id"]: row["locale"]
            for row in _meta(args.dev_data)
            if not args.locale or row["locale"] in args.locale
        }
        records += evaluate_set(args.dev_data, "receipts-synth", runner, dict(sorted(dev.items())))
    meta = [
        row
        for row in _meta(args.gen)
        if row["split"] in args.split and (not args.locale or row["country"] in args.locale)
    ]
    for split in args.split:
        chosen = {r["id"]: f"{split} {r['country']}" for r in meta if r["split"] == split}
        records += evaluate_set(args.gen, "generated", runner, chosen)
    for split in args.split if args.lose_total_row and runner is None else ():
        chosen = {r["id"]: f"{split} {r['country']}" for r in meta if r["split"] == split}
        records += evaluate_set(args.gen, "no total row", runner, chosen, lose="total")
    summaries = {name: summarise(group) for name, group in _ordered_groups(records).items()}
    sys.stdout.write(table(summaries) + "\n")
    mode = "text" if args.text_only else "ocr"
    out = RESULTS / f"eval_generalisation-{args.label}-{mode}.json"
    failed = [
        r
        for r in records
        if not all(r["score"][f] for f in ("merchant", "total", "date", "items_all"))
    ]
    result = {"label": args.label, "mode": mode, "summary": summaries, "failed": failed}
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    sys.stdout.write(f"written to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
