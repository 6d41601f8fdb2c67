"""Tesseract OCR for the script RapidOCR cannot read (Cyrillic), through ``tesserocr``.

``TesseractEngine`` implements ``OcrEngine`` with the libtesseract that the ``tesserocr`` wheel
bundles and the language data shipped inside this package (``tessdata/``: English, Polish,
Russian and orientation, from tessdata_fast), or a folder ``FOODSCAN_TESSDATA_DIR`` names
instead, found by ``tessdata_dir``/``tesseract_languages`` with a directory listing: no
subprocess, cached.
Importing this module loads nothing; the library and its models load on first use, and one
instance serialises its calls with a lock (tesserocr releases the GIL while it reads, so
instances may run side by side in threads). Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import math
import statistics
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from foodscan.errors import PermanentError, UnreadableFile
from foodscan.recognition.reading.ocr import OcrLine, group_rows
from foodscan.recognition.reading.preprocess import normalise, paper_box, rotate, unrotate

# tesserocr's objects. Any: the stubs bundled with tesserocr type every enum member (ril.WORD,
# PSM.SINGLE_BLOCK) as ``...``, so mypy cannot check calls through them.
TessApi = Any
TessIterator = Any

logger = logging.getLogger(__name__)

# The language data shipped with foodscan (tessdata/README.md: source, licence, checksums).
SHIPPED_TESSDATA = Path(__file__).parent / "tessdata"
# Where it is looked for when no folder is configured: the shipped data first; then where OS
# packages put theirs (Debian/Ubuntu with Tesseract 5, then 4; Fedora, Arch and Alpine; a source
# build; Homebrew), for a build of foodscan that leaves the shipped data out.
TESSDATA_DIRS = (
    SHIPPED_TESSDATA,
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
    Path("/usr/local/share/tessdata"),
    Path("/opt/homebrew/share/tessdata"),
)
# ISO 639-1 names a caller may use for Tesseract's.
_TESSERACT_NAMES = {"ru": "rus", "pl": "pol", "en": "eng", "uk": "ukr", "de": "deu"}

# Deskewing by the median baseline that layout analysis finds (0.05 s): Russian item names
# found 0.72 -> 0.83 on photos turned by up to 5 degrees (scripts/bench_ocr_engines.py).
_MIN_DESKEW_DEG = 0.3
_MAX_DESKEW_DEG = 20.0
_MIN_BASELINE_PX = 100
# Upright receipts read at a mean confidence of 0.83-0.92, the same turned by 90 or 180 degrees
# at 0.54-0.65: below this, orientation detection (0.2 s) is asked whether to turn the page.
# It turned 14 of 16 such pages right; upright pages never pay for it.
_UPRIGHT_CONFIDENCE = 0.75
_MIN_ORIENTATION_CONFIDENCE = 2.0


class OcrUnavailable(PermanentError):
    """The OCR engine or the language data this page needs is not installed."""

    code = "ocr_unavailable"


@functools.cache
def tessdata_dir(configured: Path | None = None) -> Path | None:
    """The directory of ``*.traineddata`` files: ``configured`` if given, else the first of
    ``TESSDATA_DIRS`` that holds any; ``None`` when there is none. Cached."""
    for path in (configured,) if configured is not None else TESSDATA_DIRS:
        if path.is_dir() and any(path.glob("*.traineddata")):
            return path
    return None


@functools.cache
def tesseract_languages(configured: Path | None = None) -> frozenset[str]:
    """The languages Tesseract can read here (``{"eng", "osd", "pol", "rus"}``, say): empty
    when the ``tesserocr`` binding or the language data is missing. Loads nothing; cached."""
    path = tessdata_dir(configured)
    if path is None or importlib.util.find_spec("tesserocr") is None:
        return frozenset()
    return frozenset(file.name.removesuffix(".traineddata") for file in path.glob("*.traineddata"))


@dataclass(frozen=True)
class _Word:
    text: str
    confidence: float
    box: tuple[int, int, int, int]


class TesseractEngine:
    """``OcrEngine`` over Tesseract, reading ``langs`` (Tesseract's names or ISO 639-1 ones).

    The sheet is cut from the table, its light evened out and its lines levelled before it is
    read; a page read with little confidence is turned the way orientation detection says, when
    it is sure. Lines come back in reading order with their boxes on the image given, and the
    mean confidence of their words (weighted by length). Words below ``min_word_confidence``
    and lines below ``min_confidence`` are dropped: on a photo they are mostly the table's
    grain, the QR code or the paper's edge.
    """

    def __init__(
        self,
        langs: Sequence[str] = ("rus",),
        *,
        tessdata: Path | None = None,
        min_confidence: float = 0.5,
        min_word_confidence: float = 0.2,
        deskew: bool = True,
        orientation: bool = True,
    ) -> None:
        self.langs = tuple(_TESSERACT_NAMES.get(lang.lower(), lang.lower()) for lang in langs)
        self._tessdata = tessdata
        self._min_confidence = min_confidence
        self._min_word_confidence = min_word_confidence
        self._deskew = deskew
        self._orientation = orientation
        self._lock = threading.Lock()
        self._api: TessApi | None = None
        self._osd: TessApi | None = None

    def available(self) -> bool:
        """Whether the binding and every language of this engine are installed (loads nothing)."""
        return set(self.langs) <= tesseract_languages(self._tessdata)

    def _load(self, langs: tuple[str, ...]) -> TessApi:
        path = tessdata_dir(self._tessdata)
        missing = sorted(set(langs) - tesseract_languages(self._tessdata))
        if path is None or missing:
            packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing) or "tesseract-ocr"
            raise OcrUnavailable(
                f"Tesseract cannot read {'+'.join(langs)}: install the tesserocr package and "
                f"the OS package(s) {packages} (language data looked for in "
                f"{path or ', '.join(map(str, TESSDATA_DIRS))})"
            )
        tesserocr = _tesserocr()
        # Leptonica reports every recoverable oddity of a photo on stderr.
        tesserocr.set_leptonica_log_level(tesserocr.LeptLogLevel.NONE)
        logger.info("loading Tesseract %s from %s", "+".join(langs), path)
        # Reading the page as one uniform block of text (PSM 6) keeps an item's name and price
        # on one line; the automatic layout (PSM 3) and the single column (PSM 4) split them
        # and found half the amounts on the Russian receipts (0.48 and 0.47 vs 0.91).
        psm = tesserocr.PSM.OSD_ONLY if langs == ("osd",) else tesserocr.PSM.SINGLE_BLOCK
        return tesserocr.PyTessBaseAPI(path=f"{path}/", lang="+".join(langs), psm=psm)

    def read(
        self,
        image: Image.Image,
        lang: str | None = None,  # noqa: ARG002 - the OcrEngine hint; this engine reads its langs
        upright: bool = False,  # noqa: ARG002 - Tesseract does not turn lines round
    ) -> list[OcrLine]:
        """Return the text lines of ``image`` in reading order.

        Raises ``OcrUnavailable`` when Tesseract or one of ``langs`` is not installed and
        ``UnreadableFile`` for an image Tesseract cannot take.
        """
        grey = image.convert("L")
        paper = paper_box(grey)
        page = normalise(grey.crop(paper) if paper else grey)
        with self._lock:
            if self._api is None:
                self._api = self._load(self.langs)
            lines = self._read_page(self._api, page)
            if self._orientation and _confidence(lines) < _UPRIGHT_CONFIDENCE:
                lines = self._read_turned(self._api, page, lines)
        if paper:
            lines = [_shifted(line, paper[0], paper[1]) for line in lines]
        return [line for row in group_rows(lines) for line in row]

    def _read_page(self, api: TessApi, page: Image.Image) -> list[OcrLine]:
        """The lines of ``page`` (levelled first), boxed in ``page``'s coordinates."""
        angle = skew_degrees(api, page) if self._deskew else 0.0
        level = rotate(page, angle)
        api.SetImage(level)
        if not api.Recognize():
            raise UnreadableFile(f"Tesseract could not read a {page.width}x{page.height} image")
        words = _lines_of_words(api.GetIterator())
        api.Clear()
        found = (self._line(row) for row in words)
        return [_turned_back(line, angle, level, page) for line in found if line is not None]

    def _read_turned(self, api: TessApi, page: Image.Image, lines: list[OcrLine]) -> list[OcrLine]:
        """Read ``page`` again turned the way orientation detection says, if it is sure, and
        keep whichever read holds more confident text."""
        if self._osd is None:
            if "osd" not in tesseract_languages(self._tessdata):
                return lines
            self._osd = self._load(("osd",))
        self._osd.SetImage(page)
        found = self._osd.DetectOrientationScript()
        self._osd.Clear()
        if not found or not found["orient_deg"]:
            return lines
        if found["orient_conf"] < _MIN_ORIENTATION_CONFIDENCE:
            return lines
        turned = rotate(page, found["orient_deg"])
        again = [
            _turned_back(line, found["orient_deg"], turned, page)
            for line in self._read_page(api, turned)
        ]
        return again if _weight(again) > _weight(lines) else lines

    def _line(self, words: list[_Word]) -> OcrLine | None:
        kept = [word for word in words if word.confidence >= self._min_word_confidence]
        if not any(ch.isalnum() for word in kept for ch in word.text):
            return None
        confidence = sum(w.confidence * len(w.text) for w in kept) / sum(len(w.text) for w in kept)
        if confidence < self._min_confidence:
            return None
        left, top = min(w.box[0] for w in kept), min(w.box[1] for w in kept)
        right, bottom = max(w.box[2] for w in kept), max(w.box[3] for w in kept)
        return OcrLine(
            text=" ".join(word.text for word in kept),
            box=((left, top), (right, top), (right, bottom), (left, bottom)),
            confidence=min(1.0, max(confidence, 1e-6)),
        )


def _lines_of_words(iterator: TessIterator) -> list[list[_Word]]:
    """The recognised words, grouped by the text line Tesseract found them on."""
    ril = _tesserocr().RIL  # the page iterator levels
    lines: list[list[_Word]] = []
    if iterator is None or iterator.Empty(ril.WORD):
        return lines
    while True:
        if iterator.IsAtBeginningOf(ril.TEXTLINE) or not lines:
            lines.append([])
        text = (iterator.GetUTF8Text(ril.WORD) or "").strip()
        if text:
            confidence = iterator.Confidence(ril.WORD) / 100
            lines[-1].append(_Word(text, confidence, iterator.BoundingBox(ril.WORD)))
        if not iterator.Next(ril.WORD):
            return lines


def skew_degrees(api: TessApi, page: Image.Image) -> float:
    """How far to turn ``page`` anticlockwise, in degrees, to level its lines: the median slope
    of the long baselines that Tesseract's layout analysis finds (0 when there are none)."""
    ril = _tesserocr().RIL  # the page iterator levels
    api.SetImage(page)
    iterator = api.AnalyseLayout()
    angles = []
    while iterator is not None:
        (x0, y0), (x1, y1) = iterator.Baseline(ril.TEXTLINE)
        if x1 - x0 >= _MIN_BASELINE_PX:
            angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
        if not iterator.Next(ril.TEXTLINE):
            break
    api.Clear()
    angle = statistics.median(angles) if angles else 0.0
    return angle if _MIN_DESKEW_DEG <= abs(angle) <= _MAX_DESKEW_DEG else 0.0


def _turned_back(line: OcrLine, angle: float, turned: Image.Image, page: Image.Image) -> OcrLine:
    """``line`` read on ``rotate(page, angle)``, boxed on ``page``."""
    if not angle:
        return line
    box = tuple(unrotate(point, angle, turned.size, page.size) for point in line.box)
    return OcrLine(line.text, box, line.confidence)


def _shifted(line: OcrLine, dx: float, dy: float) -> OcrLine:
    return OcrLine(line.text, tuple((x + dx, y + dy) for x, y in line.box), line.confidence)


def _tesserocr() -> Any:
    """The tesserocr module, imported on first use: importing it loads libtesseract."""
    return importlib.import_module("tesserocr")


def _weight(lines: list[OcrLine]) -> float:
    """How much confident text ``lines`` hold: characters times confidence."""
    return sum(len(line.text) * line.confidence for line in lines)


def _confidence(lines: list[OcrLine]) -> float:
    """The mean confidence of ``lines``, weighted by length (0 for none)."""
    chars = sum(len(line.text) for line in lines)
    return _weight(lines) / chars if chars else 0.0
