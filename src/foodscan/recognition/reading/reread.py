"""A second look at the lines an engine read with little confidence, and at the header rows.

The OCR engines read a whole page at its own scale; a line that came out unsure (a blurred
name, a faded digit) often reads right when its crop alone is cut out level, enlarged and its
contrast stretched. ``Rereader`` picks a few lines per page (the header rows, whose store name
matters most, then the least confident lines), reads each crop again with the page's engine
and, where there is one, the other engine, and keeps the reading the others agree with most,
confidence deciding between equals. Rows of ink that the engine read nothing from at the top
of the page (a large bold store name Tesseract skipped) are read the same way.

It reads through the ``OcrEngine`` seam and owns no model: ``latin`` is RapidOCR,
``cyrillic_line``/``latin_line`` are Tesseract instances made for one-line crops. It never
adds a line the engines did not read, and never decides what a line means.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from foodscan.recognition.reading.ocr import OcrEngine, OcrLine, group_rows
from foodscan.recognition.reading.tesseract import TesseractEngine

Box = tuple[tuple[float, float], ...]

# A crop is padded by these shares of the line's height across and along the line (little
# across: a neighbour row's edge reads as stray letters), then enlarged so that the line is
# about _TARGET_PX high (at least _MIN_SCALE, at most _MAX_SCALE times).
_PAD_ACROSS = 0.12
_PAD_ALONG = 0.5
# White paper added around the crop, as a share of the line's height.
_WHITE = 0.3
_TARGET_PX = 64
_MIN_SCALE = 1.5
_MAX_SCALE = 3.0
# Lines read with less confidence than this are looked at again (RapidOCR and Tesseract report
# on different scales).
_UNSURE = {"latin": 0.9, "cyrillic": 0.8}
# A reading that replaces another by confidence alone must beat it by this much.
_MARGIN = 0.03
# A reading that drops more than this share of the letters and digits of the best-covered one
# is not a candidate (a crop that lost half the line reads the rest confidently).
_MIN_COVER = 0.75
# Shorter lines (a stray mark, a lone digit) are not worth a crop.
_MIN_ALNUM = 3


@dataclass(frozen=True)
class Reading:
    """One reading of a line: its text, confidence, and which read it came from."""

    text: str
    confidence: float
    source: str


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _amounts(text: str) -> list[str]:
    """The decimal figures of a reading, in order (``12.50``, ``3,2``)."""
    return re.findall(r"\d+[.,]\d+", text)


def _similarity(a: str, b: str) -> float:
    """How alike two readings are: difflib's ratio over the text without spaces, case-folded."""
    x, y = re.sub(r"\s+", "", a).casefold(), re.sub(r"\s+", "", b).casefold()
    if not x and not y:
        return 1.0
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()


def choose(readings: Sequence[Reading]) -> Reading:
    """The reading to keep, the first being the engine's own: with two, the more confident
    (the engine's own unless beaten by a margin); with three, the one the others agree with
    most (the sum of its similarity to them), if it is also more confident than the engine's
    own. A reading that lost a good part of the own reading's letters and digits is out (a
    crop cut short reads the rest confidently)."""
    own = readings[0]
    fair = [r for r in readings[1:] if _alnum(r.text) >= _MIN_COVER * _alnum(own.text)]
    fair = [r for r in fair if _alnum(r.text) and r.confidence > own.confidence]
    if not fair:
        return own
    if len(readings) <= 2:  # the engine's own and one more: no vote
        # The same engine again is no independent witness of a figure: its crop reading may
        # mend letters, never change the amounts the page read.
        other = fair[0]
        if _amounts(other.text) != _amounts(own.text):
            return own
        return other if other.confidence >= own.confidence + _MARGIN else own

    def agreement(reading: Reading) -> float:
        return round(
            sum(_similarity(reading.text, r.text) for r in readings if r is not reading), 3
        )

    best = max(fair, key=lambda r: (agreement(r), r.confidence))
    return best if agreement(best) > agreement(own) else own


def line_crop(grey: Image.Image, box: Box, scale: float | None = None) -> Image.Image:
    """The line within ``box`` (4 points clockwise from the top-left) cut out of ``grey``
    level, padded, enlarged (``scale``, by default to about 64 px high) and stretched from
    black to white."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box[:4]
    width = max(1.0, math.hypot(x1 - x0, y1 - y0))
    height = max(1.0, math.hypot(x3 - x0, y3 - y0))
    ux, uy = (x1 - x0) / width, (y1 - y0) / width  # along the line
    vx, vy = (x3 - x0) / height, (y3 - y0) / height  # down across it
    along, across = _PAD_ALONG * height, _PAD_ACROSS * height
    corners = [
        (x0 - ux * along - vx * across, y0 - uy * along - vy * across),  # top left
        (x3 - ux * along + vx * across, y3 - uy * along + vy * across),  # bottom left
        (x2 + ux * along + vx * across, y2 + uy * along + vy * across),  # bottom right
        (x1 + ux * along - vx * across, y1 + uy * along - vy * across),  # top right
    ]
    if scale is None:
        scale = min(_MAX_SCALE, max(_MIN_SCALE, _TARGET_PX / height))
    size = (
        max(8, round((width + 2 * along) * scale)),
        max(8, round((height + 2 * across) * scale)),
    )
    crop = grey.transform(
        size,
        Image.Transform.QUAD,
        [c for corner in corners for c in corner],
        resample=Image.Resampling.BICUBIC,
        fillcolor=255,
    )
    # White margins, so that the engines see the line alone on paper.
    margin = round(_WHITE * height * scale)
    return ImageOps.expand(ImageOps.autocontrast(crop, cutoff=1), margin, fill=255)


def _middle(lines: list[OcrLine], crop: Image.Image) -> Reading | None:
    """The lines read on a crop that lie on its middle row (not a neighbour's edge), joined
    left to right, with their length-weighted confidence."""
    kept = [
        line
        for line in lines
        if 0.25 * crop.height <= sum(y for _, y in line.box) / len(line.box) <= 0.75 * crop.height
    ]
    kept.sort(key=lambda line: min(x for x, _ in line.box))
    text = " ".join(line.text for line in kept)
    if not _alnum(text):
        return None
    confidence = sum(line.confidence * len(line.text) for line in kept) / sum(
        len(line.text) for line in kept
    )
    return Reading(text, confidence, "")


class Rereader:
    """Reads a page's unsure lines and header rows again, from enlarged crops.

    ``latin``: the engine of Latin pages (RapidOCR), also used on their crops; ``tessdata``:
    where Tesseract's data is (``None``: the shipped data). ``max_lines`` bounds the crops read
    per page, ``header_rows`` how many rows from the top are always read again.
    """

    def __init__(
        self,
        *,
        latin: OcrEngine | None,
        tessdata: Path | None = None,
        max_lines: int = 4,
        header_rows: int = 2,
    ) -> None:
        self.latin = latin
        self.max_lines = max_lines
        self.header_rows = header_rows
        one_line = {
            "tessdata": tessdata,
            "min_confidence": 0.0,
            "min_word_confidence": 0.0,
            "deskew": False,
            "orientation": False,
        }
        self.cyrillic_line = TesseractEngine(("rus",), **one_line)  # type: ignore[arg-type]
        self.latin_line = TesseractEngine(("eng", "pol"), **one_line)  # type: ignore[arg-type]

    def chosen(self, lines: list[OcrLine], script: str) -> list[OcrLine]:
        """The lines to read again: every line of the top ``header_rows`` rows that hold a
        letter, then the least confident below the script's bar, ``max_lines`` in all."""
        rows = [row for row in group_rows(lines) if any(ch.isalpha() for x in row for ch in x.text)]
        header = [line for row in rows[: self.header_rows] for line in row]
        unsure = sorted(
            (
                x
                for x in lines
                if x.confidence < _UNSURE[script]
                and x not in header
                and _alnum(x.text) >= _MIN_ALNUM
            ),
            key=lambda x: x.confidence,
        )
        return (header + unsure)[: self.max_lines]

    def _read(self, engine: OcrEngine, crop: Image.Image, source: str) -> Reading | None:
        if engine is self.latin:
            found = _middle(engine.read(crop.convert("RGB"), None, True), crop)
        else:
            found = _middle(engine.read(crop), crop)
        return None if found is None else Reading(found.text, found.confidence, source)

    def _readings(self, grey: Image.Image, line: OcrLine, script: str) -> list[Reading]:
        """The page's reading of ``line`` and the crop's by the same engine, and on a Latin page,
        where the two disagree, the other engine's (Tesseract) as a third to vote; RapidOCR
        reads no Cyrillic, so a Cyrillic page has no third."""
        found = [Reading(line.text, line.confidence, "page")]
        crop = line_crop(grey, line.box)
        same = self.latin if script == "latin" and self.latin is not None else None
        first = self._read(same or self.cyrillic_line, crop, "crop")
        if first is None:
            return found
        found.append(first)
        if _similarity(first.text, line.text) == 1.0:
            return found
        if script != "latin":
            return found
        third = self._read(self.latin_line, crop, "other")
        if third is not None:
            found.append(third)
        return found

    def reread(self, image: Image.Image, lines: list[OcrLine], script: str) -> list[OcrLine]:
        """``lines`` (read from ``image``, a ``script`` page: ``latin`` or ``cyrillic``) with
        the chosen ones replaced by their best reading; same boxes, same order."""
        if not self.cyrillic_line.available():
            return lines
        grey = image.convert("L")
        better: dict[int, OcrLine] = {}
        for line in self.chosen(lines, script):
            readings = self._readings(grey, line, script)
            best = choose(readings)
            if best.source != "page":
                better[id(line)] = OcrLine(best.text, line.box, best.confidence)
        return [better.get(id(line), line) for line in lines]
