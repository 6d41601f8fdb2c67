"""Rules or a model? A learned line-role classifier against the parser's rules, on held-back
layouts.

Usage::

    python bench/line_roles.py [--train-per-layout 20] [--test-per-layout 10]

The question the parser gets wrong on unfamiliar layouts is which rows under the header are
items (with their quantity, code and discount rows) and which are the footer (tax summary,
totals, payment, loyalty). This trains a multinomial logistic regression (numpy, hashed word
and shape features of the row and its neighbours, an arithmetic feature: whether the row's
amount is the sum of the amounts above it) on the generator's dev layouts (text mode, the
generator's section of each row as the label), and compares it on the held-back layouts with
the parser's own reading (``item_block``, ``read_items``, the referee's ``summary_tail``) on
the rows under the header that print an amount (those that could become items): share right,
footer rows taken for items, item rows left out. Writes
``bench/results/line_roles.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from eval_generalisation import RESULTS
from receipt_gen import LOCALES, generate

from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.receipt.amounts import amounts, letters_in
from foodscan.recognition.receipt.header import read_header
from foodscan.recognition.receipt.items import item_block, read_items
from foodscan.recognition.receipt.locale import detect_language
from foodscan.recognition.receipt.normalise import normalise_rows
from foodscan.recognition.receipt.parse import _read_footer
from foodscan.recognition.receipt.referee import payment_evidence, summary_tail
from foodscan.recognition.receipt.rows import read_rows

CLASSES = ("header", "items", "footer")
DIMENSIONS = 2**14
_WORD = re.compile(r"[^\W\d_]+|\d+|[%=@\u00d7x*\-]")  # words, numbers, signs


def _rows(path: Path) -> tuple[list[str], list[str], list[OcrLine]]:
    """A text-mode receipt's printed rows (top to bottom), their labels and its OCR lines."""
    data = json.loads(path.read_text(encoding="utf-8"))
    by_top: dict[float, list[dict[str, Any]]] = {}
    for line in data:
        by_top.setdefault(line["box"][0][1], []).append(line)
    texts, labels = [], []
    for top in sorted(by_top):
        cells = sorted(by_top[top], key=lambda x: x["box"][0][0])
        texts.append("  ".join(c["text"] for c in cells))
        roles = [c["role"] for c in cells if c["role"] != "header"] or ["header"]
        labels.append("footer" if roles[0] == "total" else roles[0])
    lines = [
        OcrLine(x["text"], tuple((float(a), float(b)) for a, b in x["box"]), x["confidence"])
        for x in data
    ]
    return texts, labels, lines


def _tokens(text: str) -> list[str]:
    return [("0" if t.isdigit() else t.casefold()) for t in _WORD.findall(text)]


def _features(texts: Sequence[str], index: int) -> list[str]:
    text = texts[index]
    found = amounts(text)
    above = [a for t in texts[:index] for a in amounts(t)[-1:]]
    shape = [
        f"amounts={min(len(found), 3)}",
        f"negative={any(a < 0 for a in found)}",
        f"letters={min(letters_in(text) // 4, 6)}",
        f"position={min(10 * index // max(len(texts), 1), 9)}",
        f"sum_above={bool(found) and found[-1] > 0 and found[-1] in _prefix_sums(above)}",
    ]
    words = [f"w:{t}" for t in _tokens(text)]
    context = [f"prev:{t}" for t in _tokens(texts[index - 1])] if index else ["prev:<start>"]
    if index + 1 < len(texts):
        context += [f"next:{t}" for t in _tokens(texts[index + 1])]
    return shape + words + context


def _prefix_sums(values: Sequence[Any]) -> set[Any]:
    sums, running = set(), 0
    for value in values:
        running += value
        sums.add(running)
    return sums


def _indices(features: Sequence[str]) -> np.ndarray:
    """The hashed feature indices of one row (a sparse binary vector), with the bias."""
    hashed = {zlib.crc32(feature.encode()) % DIMENSIONS for feature in features}
    return np.array(sorted(hashed | {DIMENSIONS}), dtype=np.int64)


Sparse = tuple[np.ndarray, np.ndarray]  # (feature indices of all rows, row starts)


def _sparse(rows: Sequence[np.ndarray]) -> Sparse:
    starts = np.cumsum([0] + [len(r) for r in rows[:-1]])
    return np.concatenate(rows), starts


def _logits(weights: np.ndarray, x: Sparse) -> np.ndarray:
    columns, starts = x
    return np.add.reduceat(weights[columns], starts, axis=0)


def _data(folder: Path, split: str) -> tuple[Sparse, np.ndarray, list[dict[str, Any]]]:
    rows, ys, receipts = [], [], []
    for path in sorted((folder / "lines").glob(f"*-{split}-*.json")):
        texts, labels, lines = _rows(path)
        receipts.append({"id": path.stem, "texts": texts, "labels": labels, "lines": lines})
        for index in range(len(texts)):
            rows.append(_indices(_features(texts, index)))
            ys.append(CLASSES.index(labels[index]))
    return _sparse(rows), np.array(ys), receipts


def train(x: Sparse, y: np.ndarray, epochs: int = 200, rate: float = 1.0) -> np.ndarray:
    """Softmax regression by full-batch gradient descent with a little L2."""
    columns, starts = x
    weights = np.zeros((DIMENSIONS + 1, len(CLASSES)))
    onehot = np.eye(len(CLASSES))[y]
    row_of = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(columns))))
    for _ in range(epochs):
        logits = _logits(weights, x)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        gradient = np.zeros_like(weights)
        np.add.at(gradient, columns, (p - onehot)[row_of])
        weights -= rate * (gradient / len(starts) + 1e-4 * weights)
    return weights


def predict(weights: np.ndarray, x: Sparse) -> np.ndarray:
    """The most likely class of every row."""
    return np.argmax(_logits(weights, x), axis=1)


def rules(lines: list[OcrLine]) -> list[str]:
    """The parser's reading of each row: above the item block, in it, or under it."""
    rows = read_rows(lines)
    language = detect_language("\n".join(r.text for r in rows))
    rows = normalise_rows(rows, language)
    texts = [r.text for r in rows]
    start, end = item_block(rows, read_header(rows, language).name_row)
    drafts, used = read_items(rows[start:end])
    footer = _read_footer(texts, start + used, drafts)
    targets = payment_evidence(texts[start:]) | ({footer.total.value} if footer.total else set())
    last = start + used
    if cut := summary_tail(drafts, targets, footer.tax, footer.rounding):
        last = next(i for i, row in enumerate(rows) if row.index == drafts[-cut].row)
    return ["header" if i < start else "items" if i < last else "footer" for i in range(len(rows))]


def _compare(texts: list[str], truth: list[str], got: list[str]) -> dict[str, int]:
    """Rows after the header that print an amount (those that could become items): right,
    footer rows taken for items, item rows left out."""
    pairs = [
        (t, g)
        for text, t, g in zip(texts, truth, got, strict=True)
        if t != "header" and amounts(text)
    ]
    return {
        "rows": len(pairs),
        "right": sum((t == "items") == (g == "items") for t, g in pairs),
        "footer_as_items": sum(t == "footer" and g == "items" for t, g in pairs),
        "items_left_out": sum(t == "items" and g != "items" for t, g in pairs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-per-layout", type=int, default=20)
    parser.add_argument("--test-per-layout", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        train_dir, test_dir = Path(tmp) / "train", Path(tmp) / "test"
        generate(train_dir, LOCALES, ("dev",), args.train_per_layout, images=False)
        generate(test_dir, LOCALES, ("held",), args.test_per_layout, images=False)
        x, y, _ = _data(train_dir, "dev")
        weights = train(x, y)
        _, _, receipts = _data(test_dir, "held")
    totals: dict[str, dict[str, int]] = {"model": {}, "rules": {}}
    for receipt in receipts:
        rows = [_indices(_features(receipt["texts"], i)) for i in range(len(receipt["texts"]))]
        model = [CLASSES[c] for c in predict(weights, _sparse(rows))]
        ruled = rules(receipt["lines"])
        if len(ruled) != len(receipt["labels"]):
            continue  # the parser grouped the rows otherwise: not comparable row by row
        for name, got in (("model", model), ("rules", ruled)):
            for field, value in _compare(receipt["texts"], receipt["labels"], got).items():
                totals[name][field] = totals[name].get(field, 0) + value
    lines = [
        "| held-back rows with an amount | rows | right | footer rows as items | items left out |",
        "|---|---|---|---|---|",
    ]
    for name, t in totals.items():
        share = t["right"] / max(t["rows"], 1)
        lines.append(f"| {name} | {t['rows']} | {share:.1%} | {t['footer_as_items']} | "
                     f"{t['items_left_out']} |")  # fmt: skip
    sys.stdout.write("\n".join(lines) + "\n")
    out = RESULTS / "line_roles.json"
    out.write_text(json.dumps({"train_rows": len(y), "held_back": totals}, indent=1))
    sys.stdout.write(f"written to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
