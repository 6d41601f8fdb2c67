"""OCR boxes → printed rows in reading order, with the geometry the parser needs.

Grouping itself (undoing the page's tilt, joining boxes whose vertical extents overlap) is
``recognition.ocr.group_rows``; this module only describes each row: its text (boxes joined by
two spaces, so that printed columns stay apart), its horizontal extent on the page, its text
height (the store name and the total are often printed large) and its OCR confidence.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from foodscan.recognition.reading.ocr import OcrLine, group_rows

CELL_SEPARATOR = "  "
_GAP = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class Row:
    """One printed row: its cells left to right and where it stands on the page."""

    index: int
    cells: tuple[str, ...]
    left: float  # 0 at the page's left text edge, 1 at its right one
    right: float
    height: float  # text height relative to the page's median row height
    confidence: float  # the lowest OCR confidence among its cells

    @property
    def text(self) -> str:
        """The row's cells joined by two spaces."""
        return CELL_SEPARATOR.join(self.cells)


def _cells(text: str) -> list[str]:
    """A line's columns: a run of two or more spaces (a PDF text line, say) separates them."""
    return [" ".join(cell.split()) for cell in _GAP.split(text.strip()) if cell.strip()]


def _height(line: OcrLine) -> float:
    (x0, y0), (x3, y3) = line.box[0], line.box[3]
    return math.hypot(x3 - x0, y3 - y0)


def _xs(line: OcrLine) -> list[float]:
    return [x for x, _ in line.box]


def read_rows(lines: Sequence[OcrLine]) -> list[Row]:
    """The printed rows of a page (or of stacked PDF text lines), top to bottom."""
    kept = [line for line in lines if line.text.strip()]
    if not kept:
        return []
    grouped = group_rows(kept)
    lefts = [min(_xs(line)) for line in kept]
    rights = [max(_xs(line)) for line in kept]
    page_left, page_right = min(lefts), max(rights)
    width = max(page_right - page_left, 1.0)
    typical = statistics.median(_height(line) for line in kept) or 1.0
    rows = []
    for index, row in enumerate(grouped):
        rows.append(
            Row(
                index=index,
                cells=tuple(cell for line in row for cell in _cells(line.text)),
                left=(min(min(_xs(line)) for line in row) - page_left) / width,
                right=(max(max(_xs(line)) for line in row) - page_left) / width,
                height=max(_height(line) for line in row) / typical,
                confidence=min(line.confidence for line in row),
            )
        )
    return rows


def text_rows(texts: Sequence[str]) -> list[Row]:
    """Rows from plain text lines (one per printed row), for callers that have no boxes."""
    return [
        Row(
            index=index,
            cells=tuple(_cells(text)),
            left=0.0,
            right=1.0,
            height=1.0,
            confidence=1.0,
        )
        for index, text in enumerate(t for t in texts if t.strip())
    ]
