"""Which OCR engine reads a page: RapidOCR for Latin script, Tesseract for Cyrillic.

RapidOCR's bundled models read Latin (every Polish diacritic) best and have no Cyrillic: on a
Russian receipt they return Latin look-alikes ("NTOT" for "ИТОГ") or drop the line. Tesseract
reads Russian. ``EnginePicker`` is the ``OcrEngine`` the pipelines use: it follows the job's
``lang`` hint when it names a language, and otherwise asks ``ScriptProbe`` which script the
page is in. This module decides; it reads nothing itself and loads nothing on import.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from PIL import Image

from foodscan.recognition.reading.ocr import OcrEngine, OcrLine, RapidOcrEngine, ocr_available
from foodscan.recognition.reading.reread import Rereader
from foodscan.recognition.reading.tesseract import (
    OcrUnavailable,
    TesseractEngine,
    tesseract_languages,
)

logger = logging.getLogger(__name__)

Script = Literal["latin", "cyrillic"]

# Language hints (ISO 639-1 or Tesseract names, "ru-RU" or "eng+pol" alike) by script.
_HINTS: dict[str, Script] = {
    "ru": "cyrillic",
    "rus": "cyrillic",
    "en": "latin",
    "eng": "latin",
    "pl": "latin",
    "pol": "latin",
}
# Why this split, measured on the 45 synthetic receipts (scripts/bench_ocr_engines.py; share of
# the keys' item names / amounts found verbatim, seconds per receipt on 2 shared cores):
#        RapidOCR                 Tesseract (rus / pol / eng)
#   ru   0.00 / 1.00  1.0-3.2 s   0.83 / 0.99  0.45 s   RapidOCR has no Cyrillic at all
#   pl   0.95 / 1.00  1.0-2.6 s   0.94 / 0.94  0.46 s   RapidOCR reads the amounts better,
#   en   0.86 / 1.00  0.9-2.2 s   0.79 / 0.95  0.32 s   and items start their line (0.95 vs 0.73)
# The probe: Tesseract's rus+eng read of the top 30% of the sheet found 89-100% Cyrillic letters
# on every Russian receipt and at most 16% on the Polish and English ones (45 of 45 right) for
# 0.13 s (p50; 0.24 max). Tesseract's script detection (OSD) was wrong or undecided on 11 of 45,
# and a read of the whole page at half size mixed the scripts (up to 28% Cyrillic on Polish).
# Probing first beats reading with RapidOCR first and judging its output, which would add
# RapidOCR's 1-3 s to every Russian page. The picker reads the same as the right engine would:
# ru 0.83 / 0.99 in 0.60 s, pl 0.95 / 1.00 and en 0.86 / 1.00 in RapidOCR's time + 0.13 s.
#
# Issue 16 (the probe was most of what the pipeline adds to RapidOCR's time on SROIE scans:
# Tesseract's time grows with the letters it reads, up to 300 in the top 30% of a dense scan):
# the top 12% is read first, and the top 30% (as before) only when that does not decide beyond
# doubt (fewer than 20 letters, or 15% to 85% Cyrillic). The 30% band is read whole, not the
# strip under the 12% added to it: a line cut by the band's edge reads as look-alikes of the
# other script (a US street name read in Cyrillic). A page wider than 1200 px is read reduced by
# a whole factor (letters of a 2481 px wide A4 scan stay about 20 px high).
_PROBE_BANDS = (0.12, 0.3)
_PROBE_MAX_WIDTH = 1200
_PROBE_MIN_LETTERS = 20
_CYRILLIC_SHARE = 0.5
_DECISIVE_SHARE = 0.15


def script_of_hint(lang: str | None) -> Script | None:
    """The script a job's ``lang`` hint asks for: Cyrillic if it names Russian, Latin if it
    names only English or Polish, ``None`` (look at the page) otherwise."""
    scripts = set()
    for token in re.split(r"[\s+,;/]+", (lang or "").lower()):
        code = re.split(r"[-_]", token)[0]
        if code:
            scripts.add(_HINTS.get(code))
    if "cyrillic" in scripts:
        return "cyrillic"
    if scripts == {"latin"}:
        return "latin"
    return None


def letters_by_script(texts: Iterable[str]) -> tuple[int, int]:
    """How many Cyrillic and how many Latin letters ``texts`` hold."""
    cyrillic = latin = 0
    for text in texts:
        for ch in text:
            if not ch.isalpha():
                continue
            if "\u0400" <= ch <= "\u04ff":
                cyrillic += 1
            elif ch.isascii() or "\u00c0" <= ch <= "\u024f":
                latin += 1
    return cyrillic, latin


def script_of_letters(cyrillic: int, latin: int) -> Script | None:
    """The script of a text with these letter counts; ``None`` for too few letters."""
    if cyrillic + latin < _PROBE_MIN_LETTERS:
        return None
    return "cyrillic" if cyrillic >= _CYRILLIC_SHARE * (cyrillic + latin) else "latin"


def _decisive(cyrillic: int, latin: int) -> bool:
    """Whether these letters tell the script beyond doubt: enough of them, and far from even."""
    total = cyrillic + latin
    if total < _PROBE_MIN_LETTERS:
        return False
    return not _DECISIVE_SHARE < cyrillic / total < 1 - _DECISIVE_SHARE


class ScriptProbe:
    """Tells a Cyrillic page from a Latin one by reading the top of it with Tesseract's
    Russian and English models together and counting the letters of each script."""

    def __init__(self, *, tessdata: Path | None = None) -> None:
        self._reader = TesseractEngine(
            ("rus", "eng"), tessdata=tessdata, min_confidence=0.0, deskew=False, orientation=False
        )

    def available(self) -> bool:
        """Whether Tesseract and its rus and eng data are installed (loads nothing)."""
        return self._reader.available()

    def letters(self, image: Image.Image) -> tuple[int, int]:
        """How many Cyrillic and Latin letters the top of the page holds: its top 12% when that
        decides beyond doubt, else its top 30%, or all of it, if that holds too few."""
        if image.width > _PROBE_MAX_WIDTH:
            image = image.reduce(math.ceil(image.width / _PROBE_MAX_WIDTH))
        for share in _PROBE_BANDS:
            band = image.crop((0, 0, image.width, max(1, round(image.height * share))))
            cyrillic, latin = letters_by_script(line.text for line in self._reader.read(band))
            if share == _PROBE_BANDS[-1] or _decisive(cyrillic, latin):
                break
        if cyrillic + latin < _PROBE_MIN_LETTERS:
            cyrillic, latin = letters_by_script(line.text for line in self._reader.read(image))
        return cyrillic, latin

    def script(self, image: Image.Image) -> Script | None:
        """The page's script, or ``None`` when it holds too few letters to tell."""
        return script_of_letters(*self.letters(image))


class EnginePicker:
    """``OcrEngine`` that reads each page with the engine for its script.

    ``latin`` reads Latin pages and pages whose script cannot be told; ``cyrillic`` reads
    Cyrillic ones. Without a ``probe`` (Tesseract missing) a page without a hint is read as
    Latin, and a page hinted Russian raises ``OcrUnavailable``. ``rereader`` gives a page's
    unsure lines a second look when a pipeline asks for one (``reread``).
    """

    def __init__(
        self,
        *,
        latin: OcrEngine,
        cyrillic: TesseractEngine,
        probe: ScriptProbe | None,
        rereader: Rereader | None = None,
    ) -> None:
        self.latin = latin
        self.cyrillic = cyrillic
        self.rereader = rereader
        self.probe = probe if probe is not None and probe.available() else None
        if self.probe is None:
            logger.warning("no Tesseract with rus+eng: pages without a lang hint are read as Latin")

    def choose(self, image: Image.Image, lang: str | None = None) -> Script:
        """The script to read ``image`` as: the hint's, else the probe's, else Latin."""
        script = script_of_hint(lang)
        if script is None and self.probe is not None:
            script = self.probe.script(image)
        return script or "latin"

    def read(
        self, image: Image.Image, lang: str | None = None, upright: bool = False
    ) -> list[OcrLine]:
        """Read ``image`` with the engine for its script (see ``choose``).

        Raises ``OcrUnavailable`` for a Cyrillic page when Tesseract's Russian is missing.
        """
        if self.choose(image, lang) == "cyrillic":
            if not self.cyrillic.available():
                raise OcrUnavailable(
                    "this page is in Cyrillic and Tesseract's Russian data is missing (the "
                    "FOODSCAN_TESSDATA_DIR folder has no rus.traineddata; unset it to use the "
                    "data foodscan ships)"
                )
            return self.cyrillic.read(image, lang, upright)
        return self.latin.read(image, lang, upright)

    def reread(
        self, image: Image.Image, lines: list[OcrLine], lang: str | None = None
    ) -> list[OcrLine]:
        """``lines`` (this picker's read of ``image``) with their unsure lines and header rows
        read again from enlarged crops (``reread.Rereader``); as they are without a rereader."""
        if self.rereader is None or not lines:
            return lines
        script = script_of_hint(lang) or script_of_letters(
            *letters_by_script(line.text for line in lines)
        )
        return self.rereader.reread(image, lines, script or "latin")


def readable_languages(tessdata: Path | None = None) -> frozenset[str]:
    """The languages (ISO 639-1) this machine can read, for ``/readyz``: loads nothing."""
    found = {"en", "pl"} if ocr_available() else set()
    if "rus" in tesseract_languages(tessdata):
        found.add("ru")
    return frozenset(found)


def build_picker(
    *, tessdata: Path | None = None, threads: int | None = None, memory_arena: bool = True
) -> EnginePicker:
    """The engines foodscan reads with: RapidOCR (``threads`` onnxruntime threads, its memory
    arena kept or not: ``RapidOcrEngine``) for Latin,
    Tesseract's Russian for Cyrillic, the probe for pages without a hint. Russian alone: with
    English beside it, Tesseract reads some Russian words as Latin look-alikes (item names
    found on Russian receipts 0.68 with rus+eng, 0.83 with rus, and 40% slower). With a
    ``Rereader`` for the pipelines that ask for a second look at unsure lines."""
    return EnginePicker(
        latin=RapidOcrEngine(threads=threads, memory_arena=memory_arena),
        cyrillic=TesseractEngine(("rus",), tessdata=tessdata),
        probe=ScriptProbe(tessdata=tessdata),
        rereader=Rereader(tessdata=tessdata, threads=threads),
    )


def engine_name(engine: OcrEngine, lang: str | None, texts: Iterable[str]) -> str:
    """Which engine read ``texts`` (for a result's provenance): ``rapidocr`` or ``tesseract``,
    told for the picker as it chose (the hint, else the script of what was read), ``ocr`` for
    an engine of another kind."""
    if isinstance(engine, EnginePicker):
        script = script_of_hint(lang) or script_of_letters(*letters_by_script(texts))
        return "tesseract" if script == "cyrillic" else "rapidocr"
    if isinstance(engine, TesseractEngine):
        return "tesseract"
    return "rapidocr" if isinstance(engine, RapidOcrEngine) else "ocr"
