"""The recognition path the benchmark measures, up to the OCR lines, with a per-image cache.

decode (``decode_image``) → RapidOCR (``RapidOcrEngine``), and Tesseract when
``foodscan.recognition.tesseract`` exists and the page reads as Cyrillic. What the engines
return is cached under ``results/ocr-cache/<engine>/<sha256 of the file>.json`` together with
the seconds it took, so that parser iterations skip the OCR and still report its time.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from foodscan.recognition.images import decode_image
from foodscan.recognition.ocr import OcrEngine, OcrLine, RapidOcrEngine

MAX_PIXELS = 50_000_000
CACHE = Path("results/ocr-cache")
# RapidOCR reads Cyrillic as Latin look-alikes in upper case: words made only of the letters
# that Cyrillic shares with Latin, plus the shapes it gives the others (И→N/M, Ы→bI, Я→R).
_LOOKALIKE_WORDS = re.compile(r"\b(?:NTOR|NTOFO|KACCOB|MHH|HAC|CKNAK|CДAЧA|NOAUTOF|KOПЛATE)")


@dataclass(frozen=True)
class OcrRun:
    """One image read: its lines, the engine that read them, and the seconds it took."""

    lines: list[OcrLine]
    engine: str
    seconds: float
    cached: bool


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _cyrillic_engine() -> OcrEngine | None:
    """The Tesseract engine, when that module has landed and Tesseract can read Russian."""
    try:
        module = importlib.import_module("foodscan.recognition.tesseract")
    except ImportError:
        return None
    engine_class = getattr(module, "TesseractEngine", None)
    available = getattr(module, "tesseract_available", None)
    if engine_class is None or (callable(available) and not _reads_russian(available)):
        return None
    # The module's constructor signature is its own; the default is assumed to read rus+eng.
    engine: OcrEngine = engine_class()
    return engine


def _reads_russian(available: Any) -> bool:
    try:
        return bool(available("rus"))
    except TypeError:
        return bool(available())


def _to_json(lines: list[OcrLine]) -> list[dict[str, Any]]:
    return [{"text": x.text, "box": x.box, "confidence": x.confidence} for x in lines]


def _from_json(rows: list[dict[str, Any]]) -> list[OcrLine]:
    return [
        OcrLine(r["text"], tuple((float(x), float(y)) for x, y in r["box"]), r["confidence"])
        for r in rows
    ]


def looks_cyrillic(lines: list[OcrLine]) -> bool:
    """Whether a page read by RapidOCR is really Cyrillic (it prints look-alikes)."""
    text = " ".join(line.text for line in lines)
    if re.search(r"[А-Яа-яЁё]", text):  # noqa: RUF001 - Cyrillic is meant
        return True
    return len(_LOOKALIKE_WORDS.findall(text.upper())) >= 2


class OcrRunner:
    """Reads images with the engines, through the cache unless ``use_cache`` is off."""

    def __init__(self, *, use_cache: bool = True, threads: int | None = None) -> None:
        self.use_cache = use_cache
        self.latin = RapidOcrEngine(threads=threads)
        self.latin_id = f"rapidocr-{_package_version('rapidocr')}"
        self.cyrillic = _cyrillic_engine()
        self.cyrillic_id = f"tesseract-{_package_version('tesserocr')}"

    def _cached(self, engine: OcrEngine, engine_id: str, data: bytes) -> OcrRun:
        path = CACHE / engine_id / f"{hashlib.sha256(data).hexdigest()}.json"
        if self.use_cache and path.is_file():
            stored = json.loads(path.read_text(encoding="utf-8"))
            return OcrRun(_from_json(stored["lines"]), engine_id, stored["seconds"], cached=True)
        started = time.perf_counter()
        lines = engine.read(decode_image(data, max_pixels=MAX_PIXELS))
        seconds = time.perf_counter() - started
        if self.use_cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            stored = {"seconds": seconds, "lines": _to_json(lines)}
            path.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
        return OcrRun(lines, engine_id, seconds, cached=False)

    def read(self, image: Path) -> OcrRun:
        """The lines of one image file: RapidOCR, then Tesseract for a Cyrillic page."""
        data = image.read_bytes()
        first = self._cached(self.latin, self.latin_id, data)
        if self.cyrillic is None or not looks_cyrillic(first.lines):
            return first
        second = self._cached(self.cyrillic, self.cyrillic_id, data)
        return OcrRun(second.lines, second.engine, first.seconds + second.seconds, second.cached)

    def warm_up(self, image: Path) -> float:
        """Load the models with one uncached read; the seconds it took."""
        started = time.perf_counter()
        self.latin.read(decode_image(image.read_bytes(), max_pixels=MAX_PIXELS))
        return time.perf_counter() - started
