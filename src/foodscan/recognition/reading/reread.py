"""A second look at the lines an engine read with little confidence, and at the header rows.

The OCR engines read a whole page at its own scale; a line that came out unsure (a blurred
name, a word dropped beside a bold one) may read right when its crop alone is cut out level,
enlarged and its contrast stretched (``crops``). ``Rereader`` picks a few lines per page (the
header rows, whose store name matters most, then the least confident lines), reads each crop
again with the page's engine and, on Latin pages, the other engine, and keeps a crop's reading
only where it is surer, agreed with, and keeps the page's figures (``choose``). On Cyrillic
pages, the rows Tesseract skipped or read in part are found by RapidOCR's detector
(``unread_rows``: a bold store name, an amount alone at the edge); without it (``detect_rows``
off), rows of ink above the first line read are read as a band. Latin pages get no second
look unless asked (``latin_pages``): on the SROIE scans it mended nothing (bench/README.md).

Its engines (RapidOCR's recogniser, ``line_reader``; Tesseract instances for one-line crops)
load on first use. It never decides what a line means: that is the parser's.
"""

from __future__ import annotations

import difflib
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from foodscan.recognition.reading.crops import (
    Box,
    crop_to_page,
    line_crop,
    line_height,
    scale_for,
    unread_band,
    widened,
)
from foodscan.recognition.reading.line_detector import RapidLineDetector
from foodscan.recognition.reading.line_reader import RapidLineReader
from foodscan.recognition.reading.ocr import OcrEngine, OcrLine, group_rows
from foodscan.recognition.reading.spelling import mend
from foodscan.recognition.reading.tesseract import TesseractEngine
from foodscan.recognition.reading.unread_rows import UnreadRows

# Lines read with less confidence than this are looked at again (RapidOCR and Tesseract report
# on different scales).
_UNSURE = {"latin": 0.9, "cyrillic": 0.8}
# A reading that replaces another by confidence alone must beat it by this much.
_MARGIN = 0.03
# A reading that drops more than this share of the letters and digits of the best-covered one
# is not a candidate (a crop that lost half the line reads the rest confidently).
_MIN_COVER = 0.75
# A crop's reading that holds most of the page's (this share of its characters, in order) and
# more words is taken when at least this confident, even if less than the page's (which read
# less): the page's read dropped words it could not make out.
_EXTENSION_KEEPS = 0.6
_SURE_EXTENSION = 0.7
# Lines read from the unread band above the first row must be at least this confident.
_SURE_BAND = 0.7
# Words read on a crop with less confidence than this are left out.
_SURE_WORD = 0.5
# Tokens this short at a crop reading's ends are marks or grain unless the page read them too.
_STRAY = 2
# The characters of figures and till arithmetic.
_FIGURE = r"[\d=.,*%+\-]"
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


def _keeps_figures(other: str, own: str) -> bool:
    """Whether ``other`` has the decimal figures of ``own`` and every digit and sign of it
    (``=``, ``x``, ``*``, ``%``, ``.``...), in order: it may add some, never lose or change one."""
    if _amounts(other) != _amounts(own):
        return False
    theirs = iter(re.findall(_FIGURE, other))
    return all(ch in theirs for ch in re.findall(_FIGURE, own))


def _extends(other: Reading, own: Reading) -> bool:
    """Whether ``other`` reads what ``own`` read and words more (a name's quoted part that the
    page's read dropped), confidently enough, with the same amounts."""
    x = re.sub(r"\s+", "", own.text).casefold()
    y = re.sub(r"\s+", "", other.text).casefold()
    if _alnum(other.text) < _alnum(own.text) + _MIN_ALNUM or other.confidence < _SURE_EXTENSION:
        return False
    if not _keeps_figures(other.text, own.text):
        return False
    blocks = difflib.SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) >= _EXTENSION_KEEPS * len(x)


def trimmed(reading: Reading, own: str) -> Reading:
    """``reading`` less the short tokens (a stray mark, the paper's grain: up to two
    characters, no digit) at its ends that the page's reading ``own`` does not have, with the
    words the page read whole that the crop split in two joined."""
    tokens, theirs = reading.text.split(), set(own.casefold().split())

    def stray(token: str) -> bool:
        short = len(token) <= _STRAY and not any(ch.isdigit() for ch in token)
        return short and token.casefold() not in theirs

    while len(tokens) > 1 and stray(tokens[0]):
        tokens.pop(0)
    while len(tokens) > 1 and stray(tokens[-1]):
        tokens.pop()
    # Two tokens that the page read as one word are one ("Копейка- плюс").
    joined: list[str] = []
    for token in tokens:
        if joined and (joined[-1] + token).casefold() in theirs:
            joined[-1] += token
        else:
            joined.append(token)
    return Reading(" ".join(joined), reading.confidence, reading.source)


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
    if len(readings) == 2 and _extends(readings[1], own):  # own and the crop's only
        return readings[1]
    fair = [r for r in readings[1:] if _alnum(r.text) >= _MIN_COVER * _alnum(own.text)]
    fair = [r for r in fair if _alnum(r.text) and r.confidence > own.confidence]
    if not fair:
        return own
    if len(readings) <= 2:  # the engine's own and one more: no vote
        # The same engine again is no independent witness of a figure: its crop reading may
        # mend letters, never lose or change the figures and signs the page read.
        other = fair[0]
        if not _keeps_figures(other.text, own.text):
            return own
        return other if other.confidence >= own.confidence + _MARGIN else own

    def agreement(reading: Reading) -> float:
        return round(
            sum(_similarity(reading.text, r.text) for r in readings if r is not reading), 3
        )

    best = max(fair, key=lambda r: (agreement(r), r.confidence))
    return best if agreement(best) > agreement(own) else own


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

    Latin crops are read by RapidOCR's recogniser alone (``RapidLineReader``, ``threads``
    onnxruntime threads), Cyrillic ones by Tesseract's Russian, and Tesseract's English and
    Polish are the Latin crops' second witness; ``tessdata``: where Tesseract's data is
    (``None``: the shipped data). ``max_lines`` bounds the crops read per page,
    ``header_rows`` how many rows from the top are always read again. ``latin_pages``: look
    again at Latin pages too; off by default, as it paid nothing on the SROIE scans (bench/README:
    the crops of the ten misread store names read no better, by either engine) for about a
    second of CPU per scan. ``detect_rows``: on Cyrillic pages, read the rows the page's read
    skipped or read in part, found by RapidOCR's detector (``unread_rows``; about 0.8 s of CPU
    a page).
    """

    def __init__(
        self,
        *,
        tessdata: Path | None = None,
        threads: int | None = None,
        max_lines: int = 3,
        header_rows: int = 2,
        latin_pages: bool = False,
        spelling: bool = True,
        detect_rows: bool = True,
    ) -> None:
        self.latin = RapidLineReader(threads=threads)
        self.latin_pages = latin_pages
        self.spelling = spelling
        self.max_lines = max_lines
        self.header_rows = header_rows
        one_line = {
            "tessdata": tessdata,
            "min_confidence": 0.0,
            # The paper's grain at a crop's ends reads as stray letters of low confidence.
            "min_word_confidence": _SURE_WORD,
            "deskew": False,
            "orientation": False,
        }
        self.cyrillic_line = TesseractEngine(("rus",), **one_line)  # type: ignore[arg-type]
        self.latin_line = TesseractEngine(("eng", "pol"), **one_line)  # type: ignore[arg-type]
        # Rows the page's read skipped, found by RapidOCR's detector (Cyrillic pages): read with
        # the page engine's own word floor, as nothing else was read there.
        self.unread_rows: UnreadRows | None = None
        if detect_rows:
            skipped = {**one_line, "min_word_confidence": 0.2}
            self.unread_rows = UnreadRows(
                RapidLineDetector(threads=threads),
                TesseractEngine(("rus",), **skipped),  # type: ignore[arg-type]
            )

    def _header(self, lines: list[OcrLine]) -> list[list[OcrLine]]:
        """The top ``header_rows`` rows that hold a letter."""
        rows = [row for row in group_rows(lines) if any(ch.isalpha() for x in row for ch in x.text)]
        return rows[: self.header_rows]

    def chosen(self, lines: list[OcrLine], script: str) -> list[OcrLine]:
        """The lines to read again: every line of the top ``header_rows`` rows that hold a
        letter, then the least confident below the script's bar, ``max_lines`` in all."""
        header = [line for row in self._header(lines) for line in row]
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
        found = _middle(engine.read(crop), crop)
        return None if found is None else Reading(found.text, found.confidence, source)

    def _readings(
        self,
        grey: Image.Image,
        line: OcrLine,
        box: Box,
        script: str,
        engine: OcrEngine | None = None,
    ) -> list[Reading]:
        """The page's reading of ``line`` and the crop's (of ``box``) by the same engine, and on
        a Latin page, where the two disagree, the other engine's (Tesseract) as a third to
        vote; RapidOCR reads no Cyrillic, so a Cyrillic page has no third."""
        found = [Reading(line.text, line.confidence, "page")]
        crop = line_crop(grey, box)
        first = self._read(engine or self._same(script), crop, "crop")
        if first is None:
            return found
        first = trimmed(first, line.text)
        found.append(first)
        if _similarity(first.text, line.text) == 1.0 or script != "latin":
            return found
        third = self._read(self.latin_line, crop, "other")
        if third is not None:
            found.append(trimmed(third, line.text))
        return found

    def _same(self, script: str) -> OcrEngine:
        """The engine that read a ``script`` page."""
        return self.latin if script == "latin" else self.cyrillic_line

    def _band(self, grey: Image.Image, lines: list[OcrLine], script: str) -> list[OcrLine]:
        """The lines read, confidently, from the ink above the first line read (if any), on a
        Cyrillic page: Tesseract skips a large bold row there, RapidOCR's detector does not."""
        band = unread_band(grey, lines) if script == "cyrillic" else None
        if band is None:
            return []
        height = statistics.median(line_height(line) for line in lines)
        scale = scale_for(height)
        crop = line_crop(grey, band, scale)
        read = self.cyrillic_line.read(crop)
        return [
            OcrLine(x.text, crop_to_page(x.box, band, scale), x.confidence)
            for x in read
            if x.confidence >= _SURE_BAND and sum(ch.isalpha() for ch in x.text) >= _MIN_ALNUM
        ]

    def reread(self, image: Image.Image, lines: list[OcrLine], script: str) -> list[OcrLine]:
        """``lines`` (read from ``image``, a ``script`` page: ``latin`` or ``cyrillic``) with
        the chosen ones replaced by their best reading (same order; a header row read wider
        gets the wider box), and the lines read from ink above the first line in front.
        A Latin page's words that RapidOCR hesitated over are settled first (``spelling``)."""
        if script == "latin" and self.spelling:
            lines = mend(lines)
        if not self.cyrillic_line.available() or not lines:
            return lines
        if script == "latin" and not self.latin_pages:
            return lines
        grey = image.convert("L")
        wider: dict[int, Box] = {}
        if script == "cyrillic" and self.unread_rows is not None:
            # Rows the page's read skipped, and rows it read in part (read again on the
            # detector's box, beside the unsure lines and header rows).
            found = self.unread_rows.read(image, lines)
            above, wider = found.rows, found.wider
            own = self.chosen(lines, script)[: self.max_lines]
            chosen = own + [line for line in lines if id(line) in wider and line not in own]
        else:
            above = self._band(grey, lines, script)
            chosen = own = self.chosen(lines, script)[: self.max_lines - (1 if above else 0)]
        # A header row read as one line is read again across the page's text rows.
        alone = {id(row[0]) for row in self._header(lines) if len(row) == 1}
        better: dict[int, OcrLine] = {}
        for line in chosen:
            # A row the page read in part: first the detector's box, read as an unread row is
            # (its dropped words are the bold or faint ones), then as any other line.
            tries: list[tuple[Box, OcrEngine | None]] = []
            if id(line) in wider and self.unread_rows is not None:
                tries.append((wider[id(line)], self.unread_rows.engine))
            if line in own:
                tries.append((widened(line.box, lines) if id(line) in alone else line.box, None))
            for box, engine in tries:
                best = choose(self._readings(grey, line, box, script, engine))
                if best.source != "page":
                    better[id(line)] = OcrLine(best.text, box, best.confidence)
                    break
        return above + [better.get(id(line), line) for line in lines]
