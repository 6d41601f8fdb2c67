"""Rows of a page that the detector found and the page's read left out, read one by one.

Tesseract reads a Cyrillic page with its own page segmentation, which skips some rows whole:
a large bold store name at the top, an amount alone at the right edge, a row of small figures
between two item names. RapidOCR's detector (``line_detector``) finds them as boxes. A
detected box that no line of the page's read covers along the row (less than ``_UNREAD`` of
its length, in the frame of the page's own tilt) was not read; its crop (``crops.line_crop``:
levelled, enlarged, stretched) is read alone and the line added to the page with the
detector's box, if it holds letters or digits enough and was read confidently enough. Lines
the page did read are never changed here. Nothing shop- or wording-specific.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image

from foodscan.recognition.reading.crops import Box, line_crop
from foodscan.recognition.reading.line_detector import RapidLineDetector
from foodscan.recognition.reading.ocr import OcrEngine, OcrLine

# A detected box is unread when the page's lines on its row cover less than this share of it,
# and partly read below _PARTLY when one line alone covers it (a name whose quoted part the
# page's read dropped): that line is read again on the detector's box (``Rereader``).
_UNREAD = 0.25
_PARTLY = 0.8
# Two boxes share a row when their extents across the row overlap by this share of the lower.
_SAME_ROW = 0.5
# Boxes tilted more than this (radians) do not vote on the page's tilt.
_MAX_TILT = math.radians(30)
# A row read from a crop is kept when it holds this many letters or digits and was read with
# at least this confidence (the weighted mean of its words'; a bold name reads at 0.4-0.6).
_MIN_ALNUM = 3
_SURE = 0.4
# A row with a decimal amount must be read more surely: nothing else read it, and an amount
# misread (`=199.90` for `=109.90`, `„89.90`) is worse than one left out.
_SURE_AMOUNT = 0.8
# At most this many unread rows are read per page (each crop costs 20-60 ms).
_MAX_ROWS = 8


def _tilt(boxes: Sequence[Box]) -> float:
    """The page's tilt in radians: the median slope of the top edges of wide boxes."""
    angles = []
    for box in boxes:
        (x0, y0), (x1, y1), (x3, y3) = box[0], box[1], box[3]
        width, height = math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0)
        angle = math.atan2(y1 - y0, x1 - x0)
        if width >= 2 * height and abs(angle) <= _MAX_TILT:
            angles.append(angle)
    return statistics.median(angles) if angles else 0.0


def _extent(box: Box, tilt: float) -> tuple[float, float, float, float]:
    """``box``'s left, top, right and bottom in the frame of the page's tilt."""
    cos, sin = math.cos(tilt), math.sin(tilt)
    xs = [x * cos + y * sin for x, y in box]
    ys = [y * cos - x * sin for x, y in box]
    return min(xs), min(ys), max(xs), max(ys)


def _on_row(box: Box, lines: Sequence[OcrLine], tilt: float) -> list[OcrLine]:
    """The ``lines`` on ``box``'s row that overlap it along the row."""
    left, top, right, bottom = _extent(box, tilt)
    found = []
    for line in lines:
        x0, y0, x1, y1 = _extent(line.box, tilt)
        overlap = min(bottom, y1) - max(top, y0)
        if overlap >= _SAME_ROW * min(bottom - top, y1 - y0) and x1 > left and x0 < right:
            found.append(line)
    return found


def coverage(box: Box, lines: Sequence[OcrLine], tilt: float = 0.0) -> float:
    """The share of ``box``'s length that lines on its row cover (0 to 1)."""
    left, _, right, _ = _extent(box, tilt)
    spans = []
    for line in _on_row(box, lines, tilt):
        x0, _, x1, _ = _extent(line.box, tilt)
        spans.append((max(left, x0), min(right, x1)))
    covered, end = 0.0, left
    for start, stop in sorted(spans):
        if stop > max(start, end):
            covered += stop - max(start, end)
            end = stop
    return covered / max(right - left, 1.0)


def unread(boxes: Sequence[Box], lines: Sequence[OcrLine]) -> list[Box]:
    """The detected ``boxes`` that the page's ``lines`` left unread (see ``_UNREAD``)."""
    tilt = _tilt(boxes)
    return [box for box in boxes if coverage(box, lines, tilt) < _UNREAD]


def _union(a: Box, b: Box, tilt: float) -> Box:
    """The box holding ``a`` and ``b``, upright in the frame of the page's tilt."""
    ea, eb = _extent(a, tilt), _extent(b, tilt)
    left, top = min(ea[0], eb[0]), min(ea[1], eb[1])
    right, bottom = max(ea[2], eb[2]), max(ea[3], eb[3])
    cos, sin = math.cos(tilt), math.sin(tilt)

    def back(x: float, y: float) -> tuple[float, float]:
        return (x * cos - y * sin, x * sin + y * cos)

    return (back(left, top), back(right, top), back(right, bottom), back(left, bottom))


def _holding(box: Box, line: Box, tilt: float) -> Box:
    """The detected ``box``, or with ``line``'s box added where that line sticks out of it by
    more than half its height (the detector's own box reads more surely than a wider one)."""
    left, top, right, bottom = _extent(box, tilt)
    x0, _, x1, _ = _extent(line, tilt)
    if x0 >= left - (bottom - top) / 2 and x1 <= right + (bottom - top) / 2:
        return box
    return _union(box, line, tilt)


def partly_read(boxes: Sequence[Box], lines: Sequence[OcrLine]) -> dict[int, Box]:
    """The page's lines (by ``id``) that alone cover part of a detected box (from ``_UNREAD``
    to ``_PARTLY`` of it), each with the box to read it on (``_holding``): a row the page read
    in part."""
    tilt = _tilt(boxes)
    found: dict[int, Box] = {}
    for box in boxes:
        row = _on_row(box, lines, tilt)
        if len(row) == 1 and _UNREAD <= coverage(box, row, tilt) < _PARTLY:
            found.setdefault(id(row[0]), _holding(box, row[0].box, tilt))
    return found


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _repeats(text: str, box: Box, lines: Sequence[OcrLine], tilt: float) -> bool:
    """Whether a page line on ``box``'s row reads the same letters and digits as ``text`` (the
    page read it, boxed a little off)."""
    return any(_alnum(line.text) == _alnum(text) for line in _near(box, lines, tilt))


def _near(box: Box, lines: Sequence[OcrLine], tilt: float) -> list[OcrLine]:
    """The ``lines`` whose middle lies within one of ``box``'s heights of its middle."""
    _, top, _, bottom = _extent(box, tilt)
    middle, height = (top + bottom) / 2, bottom - top
    found = []
    for line in lines:
        _, y0, _, y1 = _extent(line.box, tilt)
        if abs((y0 + y1) / 2 - middle) <= height:
            found.append(line)
    return found


def _joined(lines: Sequence[OcrLine]) -> tuple[str, float]:
    """The lines read on one crop joined left to right, with their length-weighted confidence."""
    ordered = sorted(lines, key=lambda line: min(x for x, _ in line.box))
    text = " ".join(line.text for line in ordered)
    chars = sum(len(line.text) for line in ordered)
    confidence = sum(line.confidence * len(line.text) for line in ordered) / chars if chars else 0
    return text, confidence


@dataclass
class Found:
    """What the detector adds to a page's read: the rows it left out, read (``rows``), and the
    boxes of the rows it read in part, by the ``id`` of the line it read there (``wider``)."""

    rows: list[OcrLine] = field(default_factory=list)
    wider: dict[int, Box] = field(default_factory=dict)


def _sure(text: str, confidence: float) -> bool:
    """Whether a row read from an unread box is worth adding (see ``_SURE``)."""
    if sum(ch.isalnum() for ch in text) < _MIN_ALNUM:
        return False
    return confidence >= (_SURE_AMOUNT if re.search(r"\d[.,]\d", text) else _SURE)


class UnreadRows:
    """Finds the rows a page's read skipped (``detector``) and reads each crop (``engine``)."""

    def __init__(self, detector: RapidLineDetector, engine: OcrEngine) -> None:
        self.detector = detector
        self.engine = engine

    def read(self, image: Image.Image, lines: Sequence[OcrLine]) -> Found:
        """The rows of ``image`` that ``lines`` (its page read) left out, read from their crops
        and boxed where the detector found them, top to bottom; and the rows read in part."""
        grey = image.convert("L")
        boxes = self.detector.boxes(image)
        tilt = _tilt(boxes)
        found = Found(wider=partly_read(boxes, lines))
        for box in unread(boxes, lines)[:_MAX_ROWS]:
            text, confidence = _joined(self.engine.read(line_crop(grey, box)))
            if _sure(text, confidence) and not _repeats(text, box, lines, tilt):
                found.rows.append(OcrLine(text, box, min(1.0, confidence)))
        return found
