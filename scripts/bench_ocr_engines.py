"""Measure the OCR engines per locale: how much of each receipt's key text they read, how fast.

Reads the receipt development set (``img/<id>.jpg`` + ``key/<id>.json``) and reads every photo
with RapidOCR, with Tesseract (each locale's language, then with its pre-processing steps taken
away one at a time) and with the ``EnginePicker`` (by the ``lang`` hint, and by the script its
probe finds). Scores each read against the key's text fields, prints a table and writes
``results/bench_ocr_engines.json``. Usage::

    python scripts/bench_ocr_engines.py [--data DIR] [--locales ru,pl,en] [--only NAME,...]

Scores, per locale (the key's strings, after NFC, case folding, "," -> "." and removing spaces):
``names``/``amounts``/``merchant``: share of item names / item and grand totals / merchants
found verbatim in the page's text; ``name_starts``: share of item names that begin a line
(after an optional "3." index), i.e. with no noise in front; ``chars``: mean share of a name's
or merchant's characters found in order on its best line. Times: wall seconds per receipt
(p50, p95) and CPU seconds (mean; this process, all threads).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import platform
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from unittest import mock

from PIL import Image

from foodscan.recognition.reading import tesseract
from foodscan.recognition.reading.engines import EnginePicker, ScriptProbe, script_of_letters
from foodscan.recognition.reading.ocr import OcrLine, RapidOcrEngine, row_texts
from foodscan.recognition.reading.preprocess import normalise
from foodscan.recognition.reading.tesseract import TesseractEngine

Reader = Callable[[Image.Image, str], list[OcrLine]]
TESSERACT_LANG = {"ru": "rus", "pl": "pol", "en": "eng"}
INDEX = re.compile(r"^\d{1,2}\.")


def norm(text: str) -> str:
    folded = unicodedata.normalize("NFC", text).casefold().replace(",", ".")
    return re.sub(r"\s+", "", folded)


def _found_chars(target: str, rows: list[str]) -> float:
    best = 0
    for row in rows:
        blocks = difflib.SequenceMatcher(None, target, row, autojunk=False).get_matching_blocks()
        best = max(best, sum(block.size for block in blocks))
    return best / len(target)


def score(lines: list[OcrLine], key: dict[str, Any]) -> dict[str, list[float]]:
    """Per target string, 1/0 (or a share for ``chars``) for each score named in the docstring."""
    rows = [norm(row) for row in row_texts(lines)]
    page = "".join(rows)
    names = [norm(item["name"]) for item in key["items"]]
    amounts = [norm(item["total"]) for item in key["items"]] + [norm(key["total"])]
    merchant = [norm(key["merchant"])] if key["merchant"] else []
    starts = [INDEX.sub("", row) for row in rows]
    return {
        "names": [float(name in page) for name in names],
        "name_starts": [float(any(row.startswith(name) for row in starts)) for name in names],
        "amounts": [float(amount in page) for amount in amounts],
        "merchant": [float(name in page) for name in merchant],
        "chars": [_found_chars(text, rows) for text in names + merchant],
    }


@dataclass
class Outcome:
    """What one reader did on one locale's receipts."""

    scores: dict[str, list[float]]
    wall: list[float]
    cpu: list[float]

    def summary(self) -> dict[str, float]:
        out = {name: round(statistics.fmean(v), 3) for name, v in self.scores.items() if v}
        quantiles = statistics.quantiles(self.wall, n=20) if len(self.wall) > 1 else self.wall
        out["s_p50"] = round(statistics.median(self.wall), 3)
        out["s_p95"] = round(quantiles[-1], 3)
        out["cpu_s"] = round(statistics.fmean(self.cpu), 3)
        return out


def run(reader: Reader, receipts: list[tuple[str, Path, dict[str, Any]]]) -> Outcome:
    outcome = Outcome({}, [], [])
    for locale, path, key in receipts:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        wall, cpu = time.perf_counter(), time.process_time()
        lines = reader(image, locale)
        outcome.wall.append(time.perf_counter() - wall)
        outcome.cpu.append(time.process_time() - cpu)
        for name, values in score(lines, key).items():
            outcome.scores.setdefault(name, []).extend(values)
    return outcome


@contextlib.contextmanager
def patched(**changes: Any) -> Iterator[None]:
    """Swap pre-processing functions of ``recognition.reading.tesseract`` for an ablation."""
    with contextlib.ExitStack() as stack:
        for name, value in changes.items():
            stack.enter_context(mock.patch.object(tesseract, name, value))
        yield


def grey(image: Image.Image) -> Image.Image:
    return image.convert("L")


def no_paper(grey: Image.Image) -> None:
    """Never find a sheet: read the whole photo."""


def upscaled(image: Image.Image) -> Image.Image:
    page = normalise(image)
    return page.resize((page.width * 3 // 2, page.height * 3 // 2), Image.Resampling.LANCZOS)


def variants(
    rapid: RapidOcrEngine, picker: EnginePicker
) -> dict[str, tuple[set[str], Reader, dict[str, Any]]]:
    """name -> (locales it runs on, reader, patches of the tesseract module)."""
    native = {loc: TesseractEngine((lang,)) for loc, lang in TESSERACT_LANG.items()}
    no_deskew = {
        loc: TesseractEngine((lang,), deskew=False) for loc, lang in TESSERACT_LANG.items()
    }
    rus_eng = TesseractEngine(("rus", "eng"))
    all_ = {"ru", "pl", "en"}
    no_crop = {"paper_box": no_paper}
    return {
        "rapidocr": (all_, lambda im, _: rapid.read(im), {}),
        "tesseract": (all_, lambda im, loc: native[loc].read(im), {}),
        "tesseract_no_paper_crop": (all_, lambda im, loc: native[loc].read(im), no_crop),
        "tesseract_no_normalise": (all_, lambda im, loc: native[loc].read(im), {"normalise": grey}),
        "tesseract_no_deskew": (all_, lambda im, loc: no_deskew[loc].read(im), {}),
        "tesseract_none_of_them": (
            all_,
            lambda im, loc: no_deskew[loc].read(im),
            {"normalise": grey, **no_crop},
        ),
        "tesseract_upscaled_1.5": (
            all_,
            lambda im, loc: native[loc].read(im),
            {"normalise": upscaled},
        ),
        "tesseract_rus+eng": ({"ru"}, lambda im, _: rus_eng.read(im), {}),
        "picker_hint": (all_, picker.read, {}),
        "picker_auto": (all_, lambda im, _: picker.read(im), {}),
    }


def probe_figures(receipts: list[tuple[str, Path, dict[str, Any]]]) -> dict[str, Any]:
    """How often the script probe is right, the Cyrillic share of letters it saw per locale
    (min-max), and what it costs."""
    probe = ScriptProbe()
    right, wall, wrong = 0, [], []
    shares: dict[str, list[float]] = {}
    for locale, path, _ in receipts:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        start = time.perf_counter()
        cyrillic, latin = probe.letters(image)
        wall.append(time.perf_counter() - start)
        script = script_of_letters(cyrillic, latin)
        shares.setdefault(locale, []).append(round(cyrillic / max(1, cyrillic + latin), 2))
        expected = "cyrillic" if locale == "ru" else "latin"
        right += script == expected
        if script != expected:
            wrong.append(path.stem)
    return {
        "right": right,
        "n": len(receipts),
        "wrong": wrong,
        "cyrillic_share": {loc: [min(v), max(v)] for loc, v in shares.items()},
        "s_p50": round(statistics.median(wall), 3),
        "s_max": round(max(wall), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/receipts-synth"))
    parser.add_argument("--locales", default="ru,pl,en")
    parser.add_argument("--only", default="", help="comma-separated variant names")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    parser.add_argument("--out", type=Path, default=Path("results/bench_ocr_engines.json"))
    args = parser.parse_args()

    locales = args.locales.split(",")
    receipts = [
        (
            path.stem[:2],
            path,
            json.loads((args.data / "key" / f"{path.stem}.json").read_text("utf-8")),
        )
        for path in sorted((args.data / "img").glob("*.jpg"))
        if path.stem[:2] in locales
    ]
    rapid = RapidOcrEngine(threads=args.threads)
    picker = EnginePicker(latin=rapid, cyrillic=TesseractEngine(("rus",)), probe=ScriptProbe())
    warm = Image.new("RGB", (200, 60), "white")
    rapid.read(warm)
    picker.cyrillic.read(warm)

    results: dict[str, dict[str, dict[str, float]]] = {}
    wanted = set(filter(None, args.only.split(",")))
    for name, (where, reader, changes) in variants(rapid, picker).items():
        if wanted and name not in wanted:
            continue
        results[name] = {}
        for locale in locales:
            if locale not in where:
                continue
            mine = [r for r in receipts if r[0] == locale]
            with patched(**changes):
                summary = run(reader, mine).summary()
            results[name][locale] = summary
            cells = "  ".join(f"{k} {v}" for k, v in summary.items())
            sys.stdout.write(f"{name:24} {locale}  {cells}\n")
            sys.stdout.flush()
    probe = probe_figures(receipts)
    sys.stdout.write(f"script probe: {probe}\n")

    report = {
        "data": str(args.data),
        "receipts": len(receipts),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "versions": {p: version(p) for p in ("rapidocr", "onnxruntime", "tesserocr")},
        "tesseract": __import__("tesserocr").tesseract_version().splitlines()[0],
        "variants": results,
        "probe": probe,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    sys.stdout.write(f"written to {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
