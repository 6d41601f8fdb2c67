"""The recognition path the benchmark measures, up to the OCR lines, with a per-image cache.

decode (``decode_image``) → the engine the pipelines use: ``engines.EnginePicker`` when that
module is installed (it probes the page's script and reads Latin with RapidOCR, Cyrillic with
Tesseract), else ``RapidOcrEngine`` alone. What an engine returns is cached under
``results/ocr-cache/<engine>-<hash of its module>/<sha256 of the file>.json`` (each line with
RapidOCR's lattice, ``OcrLine.alternatives``) with the seconds it took (the script probe's
choice too, under ``script/``), so that parser iterations skip the OCR and still report its
time; a change to an engine's code starts a new cache. The receipt pipeline's second look at
unsure lines and its spelling (``reading.reread``, ``reading.spelling``) run on the engine's
lines unless ``reread`` is off, cached the same way under ``reread-<hash of their modules>
[-as-read]-<engine>/`` (``-as-read``: without the spelling).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from PIL import Image

from foodscan.recognition.reading import crops as crops_module
from foodscan.recognition.reading import line_detector as line_detector_module
from foodscan.recognition.reading import line_reader as line_reader_module
from foodscan.recognition.reading import preprocess as preprocess_module
from foodscan.recognition.reading import reread as reread_module
from foodscan.recognition.reading import spelling as spelling_module
from foodscan.recognition.reading import unread_rows as unread_rows_module
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.lattice import Lattice
from foodscan.recognition.reading.ocr import OcrEngine, OcrLine, RapidOcrEngine
from foodscan.recognition.reading.reread import Rereader

MAX_PIXELS = 50_000_000
CACHE = Path("results/ocr-cache")
ENGINES = ("auto", "rapidocr", "tesseract")


@dataclass(frozen=True)
class OcrRun:
    """One image read: its lines, the engine that read them, and the seconds it took."""

    lines: list[OcrLine]
    engine: str
    seconds: float  # decode + script probe + OCR
    probe_seconds: float
    cached: bool


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _fingerprint(engine: object, *also: object) -> str:
    """A short hash of the engine's module source (and of the modules ``also`` names): an
    engine whose code changed is a new one."""
    path = getattr(sys.modules.get(type(engine).__module__), "__file__", None)
    source = Path(path).read_bytes() if path else b""
    source += b"".join(Path(getattr(module, "__file__", "") or "").read_bytes() for module in also)
    return hashlib.sha256(source).hexdigest()[:8]


def _reread_fingerprint() -> str:
    """A short hash of the second look's modules (``reread``, ``crops``, ``line_reader``,
    ``spelling``)."""
    sources = b"".join(
        Path(module.__file__ or "").read_bytes()
        for module in (
            reread_module,
            crops_module,
            line_reader_module,
            spelling_module,
            unread_rows_module,
            line_detector_module,
        )
    )
    return hashlib.sha256(sources).hexdigest()[:8]


def _to_json(lines: list[OcrLine]) -> list[dict[str, Any]]:
    return [
        {"text": x.text, "box": x.box, "confidence": x.confidence, "alternatives": x.alternatives}
        for x in lines
    ]


def _lattice(rows: list[list[list[Any]]] | None) -> Lattice | None:
    if rows is None:
        return None
    return tuple(tuple((str(c), float(p)) for c, p in step) for step in rows)


def _from_json(rows: list[dict[str, Any]]) -> list[OcrLine]:
    return [
        OcrLine(
            r["text"],
            tuple((float(x), float(y)) for x, y in r["box"]),
            r["confidence"],
            _lattice(r.get("alternatives")),
        )
        for r in rows
    ]


def _picker(threads: int | None, tessdata: Path | None = None) -> Any:
    """The pipelines' engine picker, or ``None`` before ``recognition.engines`` exists.

    ``Any``: the module is optional here, so its type cannot be named.
    """
    try:
        from foodscan.recognition.reading.engines import build_picker  # noqa: PLC0415
    except ImportError:
        return None
    return build_picker(threads=threads, tessdata=tessdata)


class OcrRunner:
    """Reads images with the chosen engine(s), through the cache unless ``use_cache`` is off."""

    def __init__(
        self,
        *,
        use_cache: bool = True,
        threads: int | None = None,
        engine: str = "auto",
        tessdata: Path | None = None,
        reread: bool = True,
        latin_pages: bool = False,
        spelling: bool = True,
    ) -> None:
        self.use_cache = use_cache
        self.picker = _picker(threads, tessdata) if engine != "rapidocr" else None
        self.latin: OcrEngine = (
            self.picker.latin if self.picker else RapidOcrEngine(threads=threads)
        )
        self.latin_id = f"rapidocr-{_package_version('rapidocr')}-{_fingerprint(self.latin)}"
        self.cyrillic_id = "tesseract-{}-{}".format(
            _package_version("tesserocr"),
            # Tesseract's page read cuts the sheet out first (``preprocess.paper_box``).
            _fingerprint(self.picker.cyrillic if self.picker else None, preprocess_module),
        )
        self.engine = engine
        self.rereader: Rereader | None = None
        if reread:
            self.rereader = Rereader(
                tessdata=tessdata, threads=threads, latin_pages=latin_pages, spelling=spelling
            )

    def _cached(self, key: Path, compute: Any) -> tuple[dict[str, Any], bool]:
        if self.use_cache and key.is_file():
            return json.loads(key.read_text(encoding="utf-8")), True
        started = time.perf_counter()
        value = compute()
        stored = {"seconds": time.perf_counter() - started, **value}
        if self.use_cache:
            key.parent.mkdir(parents=True, exist_ok=True)
            key.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
        return stored, False

    def _script(self, digest: str, image: Image.Image) -> tuple[str, float]:
        if self.engine == "tesseract":
            return "cyrillic", 0.0
        if self.picker is None or self.engine == "rapidocr":
            return "latin", 0.0
        stored, _ = self._cached(
            CACHE / f"script-{_fingerprint(self.picker)}" / f"{digest}.json",
            lambda: {"script": self.picker.choose(image)},
        )
        return stored["script"], stored["seconds"]

    def read(self, path: Path) -> OcrRun:
        """The lines of one image file, read by the engine for its script."""
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        started = time.perf_counter()
        image = decode_image(data, max_pixels=MAX_PIXELS)
        decode_s = time.perf_counter() - started
        script, probe_s = self._script(digest, image)
        cyrillic = script == "cyrillic" and self.picker is not None
        engine = self.picker.cyrillic if cyrillic else self.latin
        engine_id = self.cyrillic_id if cyrillic else self.latin_id
        stored, cached = self._cached(
            CACHE / engine_id / f"{digest}.json",
            lambda: {"lines": _to_json(engine.read(image))},
        )
        seconds = decode_s + probe_s + stored["seconds"]
        lines = _from_json(stored["lines"])
        if self.rereader is not None:
            rereader = self.rereader
            as_read = "" if rereader.spelling else "-as-read"
            again, _ = self._cached(
                CACHE / f"reread-{_reread_fingerprint()}{as_read}-{engine_id}" / f"{digest}.json",
                lambda: {"lines": _to_json(rereader.reread(image, lines, script))},
            )
            seconds += again["seconds"]
            lines = _from_json(again["lines"])
        return OcrRun(lines, engine_id, seconds, probe_s, cached)
